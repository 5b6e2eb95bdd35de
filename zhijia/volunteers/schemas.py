import datetime as dt

from ninja import Field, Schema


class VolunteerIn(Schema):
    skills: list[str] = []
    availability: str = ""
    certificates: str = ""


class VolunteerOut(Schema):
    id: int
    name: str = Field(..., alias="worker.name")
    union: str = Field(..., alias="union.name")
    skills: list[str]
    availability: str
    certificates: str


class CallIn(Schema):
    title: str
    task: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    union: int | None = None


class CallOut(Schema):
    id: int
    title: str
    task: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    union: str = Field(..., alias="union.name")


class DeploymentIn(Schema):
    title: str
    batch: int
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    volunteers: list[int]
    task: str = "other"
    union: int | None = None
    call: int | None = None


class DeploymentOut(Schema):
    id: int
    title: str
    batch: int
    task: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    union: str = Field(..., alias="union.name")
    person_times: int


class ShiftOut(Schema):
    id: int
    deployment: int = Field(..., alias="deployment_id")
    title: str = Field(..., alias="deployment.title")
    signed_in_at: dt.datetime | None
    signed_out_at: dt.datetime | None
    hours: float


class ShiftRecordIn(Schema):
    signed_in_at: dt.datetime
    signed_out_at: dt.datetime


class UnionStats(Schema):
    union: str
    batches: int
    person_times: int
    hours: float


class StatsOut(Schema):
    batches: int
    person_times: int
    hours: float
    volunteers: int
    per_union: list[UnionStats]
