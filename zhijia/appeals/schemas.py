from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from zhijia.appeals.selectors import CLOCK_RUNNING
from zhijia.core import workcalendar
from zhijia.core.identity import mask_name


def _local(value: dt.datetime | None) -> str | None:
    return value.astimezone(workcalendar.SHANGHAI).isoformat() if value else None


class AppealIn(Schema):
    channel: str = Field(..., max_length=20)
    category: str = Field(..., max_length=40)
    urgency: str = Field("normal", max_length=8)
    text: str = Field(..., max_length=20000)
    worker: int | None = None
    worker_phone: str | None = Field(None, max_length=20)
    worker_id_number: str | None = Field(None, max_length=20)
    worker_name: str | None = Field(None, max_length=60)
    region_code: str | None = Field(None, max_length=12)
    mailbox_union: int | None = None


class Case12345In(Schema):
    external_number: str = Field(..., min_length=1, max_length=40)
    received_at: dt.datetime
    category: str = Field(..., max_length=40)
    urgency: str = Field("normal", max_length=8)
    text: str = Field(..., max_length=20000)
    worker_phone: str | None = Field(None, max_length=20)
    worker_id_number: str | None = Field(None, max_length=20)
    worker_name: str | None = Field(None, max_length=60)
    region_code: str | None = Field(None, max_length=12)


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_name: str
    note: str
    at: str

    @staticmethod
    def resolve_at(obj) -> str:
        return _local(obj.at)


class AppealOut(Schema):
    id: int
    number: str
    channel: str
    external_number: str | None
    category: str
    category_name: str
    urgency: str
    status: str
    status_label: str
    worker: int
    worker_name: str
    text: str
    region_code: str
    receiving_union: int
    handling_union: int
    handling_union_name: str
    handler: str | None
    received_at: str
    respond_by: str
    resolve_by: str
    responded_at: str | None
    answer: str
    outcome: str
    return_count: int
    reopen_count: int
    rating_status: str
    rating_resolved: bool | None
    rating_satisfied: bool | None
    merged_into: int | None
    overdue: bool
    calendar_warning: str | None

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_worker(obj) -> int:
        return obj.worker_id

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return mask_name(obj.worker.name)

    @staticmethod
    def resolve_receiving_union(obj) -> int:
        return obj.receiving_union_id

    @staticmethod
    def resolve_handling_union(obj) -> int:
        return obj.handling_union_id

    @staticmethod
    def resolve_handling_union_name(obj) -> str:
        return obj.handling_union.name

    @staticmethod
    def resolve_handler(obj) -> str | None:
        return str(obj.handler) if obj.handler_id else None

    @staticmethod
    def resolve_received_at(obj) -> str:
        return _local(obj.received_at)

    @staticmethod
    def resolve_respond_by(obj) -> str:
        return _local(obj.respond_by)

    @staticmethod
    def resolve_resolve_by(obj) -> str:
        return _local(obj.resolve_by)

    @staticmethod
    def resolve_responded_at(obj) -> str | None:
        return _local(obj.responded_at)

    @staticmethod
    def resolve_merged_into(obj) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_overdue(obj) -> bool:
        if obj.status not in CLOCK_RUNNING:
            return False
        now = dt.datetime.now(dt.UTC)
        return (obj.responded_at is None and obj.respond_by < now) or obj.resolve_by < now

    @staticmethod
    def resolve_calendar_warning(obj) -> str | None:
        return workcalendar.calendar_warning(obj.resolve_by.astimezone(workcalendar.SHANGHAI).date())


class AppealDetailOut(AppealOut):
    events: list[EventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class DispatchIn(Schema):
    union: int | None = None
    note: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


class AnswerIn(Schema):
    answer: str = Field(..., max_length=20000)
    close: bool = False


class CloseIn(Schema):
    outcome: str = Field("resolved", max_length=20)
    note: str = Field("", max_length=2000)


class CallbackIn(Schema):
    resolved: bool
    satisfied: bool
    comment: str = Field("", max_length=2000)


class MessageIn(Schema):
    kind: str = Field("to_worker", max_length=12)
    text: str = Field(..., max_length=20000)


class MergeIn(Schema):
    into: int
