import datetime as dt

from ninja import Schema


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    ip: str | None
    detail: dict
