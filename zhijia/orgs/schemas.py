import datetime as dt

from ninja import Field, Schema


class UnionOut(Schema):
    id: int
    name: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    region_code: str
    occupation: str
    parent_id: int | None
    depth: int
    address: str
    chair: str
    contact_name: str
    contact_phone: str
    founded_on: dt.date | None


class UnionIn(Schema):
    parent_id: int
    name: str
    level: str
    kind: str
    region_code: str
    occupation: str = ""
    credit_code: str = ""
    address: str = ""
    chair: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    founded_on: dt.date | None = None


class UnionPatch(Schema):
    name: str | None = None
    level: str | None = None
    kind: str | None = None
    region_code: str | None = None
    occupation: str | None = None
    credit_code: str | None = None
    address: str | None = None
    chair: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    founded_on: dt.date | None = None


class MoveIn(Schema):
    parent_id: int


class FoundingIn(Schema):
    founded_on: dt.date
    term_years: int = 5
    chair: str
    vice_chairs: list[str] = []
    members: list[str] = []
    note: str = ""


class CommitteeMemberOut(Schema):
    role: str
    name: str


class FoundingOut(Schema):
    union_id: int
    founded_on: dt.date
    term_years: int
    term_ends_on: dt.date
    committee: list[CommitteeMemberOut]

    @staticmethod
    def resolve_committee(obj):
        return list(obj.committee.all())
