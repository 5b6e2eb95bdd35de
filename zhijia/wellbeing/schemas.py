import datetime as dt

from ninja import Field, Schema


class AssessmentIn(Schema):
    scale: str = Field(..., description="phq9 或 gad7")
    answers: list = Field(..., description="每题0–3的整数")
    anonymous: bool = Field(False, description="匿名：不保存任何身份信息")


class HotlineOut(Schema):
    number: str
    name: str


class AssessmentOut(Schema):
    id: int | None = None
    scale: str
    score: int
    band: str
    band_label: str
    advice: str
    crisis: bool
    hotlines: list[HotlineOut] = []
    created_at: dt.datetime | None = None
    shared_with: int | None = None


class ShareIn(Schema):
    counsellor: int | None


class CounsellorIn(Schema):
    username: str
    name: str
    union: int
    qualifications: str = ""
    languages: str = "普通话"
    station_place: str = ""
    station: int | None = Field(None, description="所服务的职工心灵驿站（站点编号 id，类型须为心灵驿站）")
    volunteer: bool = True


class CounsellorStationIn(Schema):
    station: int | None = Field(..., description="职工心灵驿站 id；null 表示不再驻站")


class CounsellorOut(Schema):
    id: int
    name: str
    qualifications: str
    languages: str
    station_place: str
    station: int | None = Field(None, alias="station_id")
    union: str = Field(..., alias="union.name")


class SlotIn(Schema):
    starts_at: dt.datetime
    minutes: int = 50
    mode: str
    place: str = ""


class SlotOut(Schema):
    id: int
    counsellor: int = Field(..., alias="counsellor_id")
    counsellor_name: str = Field(..., alias="counsellor.name")
    languages: str = Field(..., alias="counsellor.languages")
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    place: str


class BookingIn(Schema):
    slot: int


class BookingOut(Schema):
    id: int
    slot: int = Field(..., alias="slot_id")
    starts_at: dt.datetime = Field(..., alias="slot.starts_at")
    mode: str = Field(..., alias="slot.mode")
    counsellor_name: str = Field(..., alias="slot.counsellor.name")
    status: str
    rating: int | None


class RatingIn(Schema):
    rating: int
    comment: str = ""


class MarkIn(Schema):
    outcome: str


class NoteIn(Schema):
    body: str


class NoteOut(Schema):
    booking: int = Field(..., alias="booking_id")
    body: str
    updated_at: dt.datetime


class ConsultationIn(Schema):
    topic: str


class ConsultationOut(Schema):
    id: int
    status: str
    created_at: dt.datetime
    position: int = 0
    estimated_minutes: float = 0
    waited_minutes: float = 0
    counsellor_name: str | None = None


class CounsellorConsultationOut(Schema):
    id: int
    topic: str
    worker_name: str
    created_at: dt.datetime
    taken_at: dt.datetime | None


class CrisisFlagOut(Schema):
    id: int
    union: str | None = None
    raised_at: dt.datetime
    due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    escalation_level: int
