import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class RoundIn(Schema):
    stage: str
    theory_weight: int = 40
    practice_weight: int = 60
    practice_max: Decimal = Decimal(100)
    advance_rule: str = "top_n"
    advance_value: Decimal | None = None
    exam_opens_at: dt.datetime | None = None
    exam_closes_at: dt.datetime | None = None
    exam_minutes: int = 30
    paper_spec: dict[str, int] = {}


class RoundPatch(Schema):
    theory_weight: int | None = None
    practice_weight: int | None = None
    practice_max: Decimal | None = None
    advance_rule: str | None = None
    advance_value: Decimal | None = None
    exam_opens_at: dt.datetime | None = None
    exam_closes_at: dt.datetime | None = None
    exam_minutes: int | None = None
    paper_spec: dict[str, int] | None = None


class RoundOut(Schema):
    id: int
    stage: str
    stage_label: str = Field(..., alias="get_stage_display")
    order: int
    theory_weight: int
    practice_weight: int
    practice_max: Decimal
    advance_rule: str
    advance_value: Decimal | None
    exam_opens_at: dt.datetime | None
    exam_closes_at: dt.datetime | None
    exam_minutes: int
    paper_spec: dict[str, int]
    paper_seed: str
    status: str


class ContestIn(Schema):
    title: str
    trade: str
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    kind: str = "skill"
    occupation: str = ""
    capacity: int | None = None
    award_places: int = 5
    description: str = ""
    union: int | None = None
    rounds: list[RoundIn] | None = None


class ContestOut(Schema):
    id: int
    title: str
    kind: str
    trade: str
    occupation: str
    union: str = Field(..., alias="union.name")
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    capacity: int | None
    entrants: int = 0


class EntryIn(Schema):
    worker: int | None = None


class EntryOut(Schema):
    id: int
    contest: int = Field(..., alias="contest_id")
    number: int
    name: str = Field(..., alias="worker.name")
    union: str = Field(..., alias="union.name")
    reached_order: int


class JudgeIn(Schema):
    user: int


class QuestionIn(Schema):
    category: str
    kind: str
    text: str
    options: list[str] = []
    answer: str
    points: int = 1


class QuestionOut(Schema):
    id: int
    category: str
    kind: str
    text: str
    options: list[str]
    answer: str
    points: int


class PaperOption(Schema):
    letter: str
    text: str


class PaperQuestion(Schema):
    n: int
    id: int
    kind: str
    kind_label: str
    text: str
    points: int
    options: list[PaperOption]
    answer: str
    correct: str | None


class AttemptOut(Schema):
    round: int
    started_at: dt.datetime
    deadline: dt.datetime
    seconds_left: int
    submitted_at: dt.datetime | None
    seed: str
    questions: list[PaperQuestion]
    score: Decimal | None = None


class AnswersIn(Schema):
    answers: dict[str, str]
    submit: bool = False


class ScoreIn(Schema):
    entry: int
    score: Decimal
    reason: str = ""


class ScoreOut(Schema):
    id: int
    round: int = Field(..., alias="round_id")
    entry: int = Field(..., alias="entry_id")
    score: Decimal
    corrections: int


class ResultOut(Schema):
    rank: int
    number: int = Field(..., alias="entry.number")
    name: str = Field(..., alias="entry.worker.name")
    union: str = Field(..., alias="entry.union.name")
    theory_score: Decimal
    practice_score: Decimal
    total: Decimal
    absent: bool
    advanced: bool


class CountOut(Schema):
    count: int


class CertificateCheck(Schema):
    valid: bool
    number: str
    name: str = ""
    contest: str = ""
    award: str = ""
    issued_on: dt.date | None = None


class MyResult(Schema):
    rank: int
    total: Decimal
    theory_score: Decimal
    practice_score: Decimal
    absent: bool
    advanced: bool


class MyRound(Schema):
    round: int
    stage: str
    stage_label: str
    status: str
    reached: bool
    exam_open: bool
    submitted: bool
    result: MyResult | None


class MyCertificate(Schema):
    number: str
    award: str
    rank: int


class MyEntryOut(Schema):
    id: int
    contest: int
    contest_title: str
    number: int
    rounds: list[MyRound]
    certificate: MyCertificate | None
