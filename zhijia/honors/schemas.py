import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class SelectionIn(Schema):
    title: str
    votes_per_day: int = 1
    year: int | None = None
    union: int | None = None
    description: str = ""
    stages: list[str] | None = None
    nomination_ends_at: dt.datetime | None = None
    vote_starts_at: dt.datetime | None = None
    vote_ends_at: dt.datetime | None = None
    notice_days: int = 5
    checklist: list[str] | None = None
    shortlist_size: int = 100
    top_size: int = 10
    vote_weight: Decimal = Decimal("0.3")
    expert_weight: Decimal = Decimal("0.7")
    honour_kind: str = "title"
    honour_title: str = ""
    honour_level: str = "municipal"
    network_burst_limit: int | None = None
    device_member_limit: int | None = None
    new_account_hours: int | None = None
    lockstep_limit: int | None = None


class SelectionOut(Schema):
    id: int
    title: str
    union: str = Field(..., alias="union.name")
    year: int
    stages: list[str]
    stage: str
    stage_label: str = Field(..., alias="get_stage_display")
    votes_per_day: int
    nomination_ends_at: dt.datetime | None
    vote_starts_at: dt.datetime | None
    vote_ends_at: dt.datetime | None
    notice_starts_at: dt.datetime | None
    notice_ends_at: dt.datetime | None
    checklist: list[str]
    shortlist_size: int
    top_size: int
    vote_weight: Decimal
    expert_weight: Decimal


class CandidateIn(Schema):
    name: str
    union: int
    story: str
    photo_url: str = ""
    worker: int | None = None
    employer: str = ""


class SelfNominationIn(Schema):
    story: str
    photo_url: str = ""
    employer: str = ""


class CandidateOut(Schema):
    id: int
    selection: int = Field(..., alias="selection_id")
    number: int
    name: str
    union: str = Field(..., alias="union.name")
    union_id: int
    employer: str
    story: str
    photo_url: str
    self_nominated: bool
    status: str
    rank: int | None
    final_score: Decimal | None
    outcome: str


class ReviewIn(Schema):
    checks: dict[str, bool]
    reason: str = ""


class ReviewOut(Schema):
    candidate: int = Field(..., alias="candidate_id")
    passed: bool
    checks: dict[str, bool]
    reason: str


class VoteIn(Schema):
    device_id: str = ""


class VoteOut(Schema):
    id: int
    candidate: int
    status: str
    remaining_today: int
    signals: list[str]


class VoteRow(Schema):
    id: int
    candidate: int = Field(..., alias="candidate_id")
    candidate_name: str = Field(..., alias="candidate.name")
    cast_at: dt.datetime
    network: str
    device_id: str
    signals: list[str]
    status: str


class VotesReviewIn(Schema):
    votes: list[int]
    accept: bool
    note: str = ""


class CriterionIn(Schema):
    name: str
    weight: Decimal
    max_score: Decimal = Decimal(100)


class CriteriaIn(Schema):
    criteria: list[CriterionIn]


class CriterionOut(Schema):
    id: int
    name: str
    weight: Decimal
    max_score: Decimal


class ExpertIn(Schema):
    user: int


class ConflictIn(Schema):
    reason: str


class ScoresIn(Schema):
    scores: dict[str, float]


class ResultItem(Schema):
    candidate_id: int
    number: int
    name: str
    union: str
    votes: int
    vote_score: Decimal
    expert_score: Decimal | None
    final_score: Decimal
    rank: int
    outcome: str
    status: str


class ResultsOut(Schema):
    selection_id: int
    stage: str
    vote_weight: Decimal
    expert_weight: Decimal
    tie_break: str
    items: list[ResultItem]


class ObjectionIn(Schema):
    text: str
    contact: str = ""


class ObjectionResolveIn(Schema):
    upheld: bool
    resolution: str


class ObjectionOut(Schema):
    id: int
    candidate: int = Field(..., alias="candidate_id")
    text: str
    status: str
    resolution: str


class HonourIn(Schema):
    worker: int
    kind: str
    title: str = ""
    level: str
    year: int
    note: str = ""


class HonourOut(Schema):
    id: int
    worker: int = Field(..., alias="worker_id")
    worker_name: str = Field(..., alias="worker.name")
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    title: str
    level: str
    year: int
    union: str = Field(..., alias="union.name")
    selection: int | None = Field(None, alias="selection_id")
