import datetime as dt

from ninja import Schema


class TokenIn(Schema):
    username: str | None = None
    password: str | None = None
    phone: str | None = None
    code: str | None = None


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_at: dt.datetime
    user_id: int
    role: str


class CodeRequestIn(Schema):
    phone: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    union_id: int | None
    union_name: str | None = None

    @staticmethod
    def resolve_union_name(obj):
        return obj.union.name if obj.union_id else None
