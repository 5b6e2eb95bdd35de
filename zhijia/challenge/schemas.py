import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class RuleIn(Schema):
    kind: str
    unit: str | None = None
    points_per_unit: int
    daily_cap: int
    max_per_day: int | None = None
    max_speed: Decimal | None = None


class RuleOut(Schema):
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    unit: str
    points_per_unit: int
    daily_cap: int
    max_per_day: int
    max_speed: Decimal | None


class ChallengeIn(Schema):
    title: str
    starts_on: dt.date
    ends_on: dt.date
    union: int | None = None
    description: str = ""
    daily_exercise_cap: int = 100
    quiz_questions_per_day: int = 5
    quiz_points_per_correct: int = 2
    quiz_daily_cap: int = 10
    prize_count: int = 500
    rules: list[RuleIn] | None = None


class ChallengeOut(Schema):
    id: int
    title: str
    description: str
    union: str = Field(..., alias="union.name")
    starts_on: dt.date
    ends_on: dt.date
    status: str
    daily_exercise_cap: int
    quiz_questions_per_day: int
    quiz_points_per_correct: int
    quiz_daily_cap: int
    prize_count: int
    rules: list[RuleOut] = Field(..., alias="rule_list")
    joined: bool = False


class ParticipantOut(Schema):
    id: int
    challenge: int = Field(..., alias="challenge_id")
    union: str = Field(..., alias="union.name")
    joined_at: dt.datetime


class EntryIn(Schema):
    date: dt.date | None = None
    kind: str
    steps: int | None = None
    minutes: int | None = None
    distance_km: Decimal | None = None


class EntryOut(Schema):
    id: int
    date: dt.date
    kind: str
    steps: int | None
    minutes: int | None
    distance_km: Decimal | None
    photo_sha256: str
    status: str
    flag_reasons: list[str]
    points_claimed: int
    points_awarded: int
    capped: bool = False
    created_at: dt.datetime


class FlagOut(EntryOut):
    participant: int = Field(..., alias="participant_id")
    name: str = Field(..., alias="participant.worker.name")
    union: str = Field(..., alias="participant.union.name")
    photo_url: str | None = None


class ReviewIn(Schema):
    decision: str
    note: str = ""


class QuestionIn(Schema):
    text: str
    choices: list[str]
    answer: int
    explanation: str = ""


class QuestionOut(Schema):
    id: int
    text: str
    choices: list[str]
    answered: bool = False
    choice: int | None = None
    correct: bool | None = None


class QuizTodayOut(Schema):
    date: dt.date
    points_per_correct: int
    daily_cap: int
    points_today: int
    questions: list[QuestionOut]


class AnswerIn(Schema):
    question: int
    choice: int


class AnswerOut(Schema):
    question: int = Field(..., alias="question_id")
    choice: int
    correct: bool
    correct_choice: int = Field(..., alias="question.answer")
    explanation: str = Field(..., alias="question.explanation")
    points_awarded: int


class StandingOut(Schema):
    participant: int
    points: int
    rank: int
    participants: int
    today_exercise_points: int
    today_quiz_points: int


class PersonRow(Schema):
    rank: int
    participant: int
    name: str
    union: str
    points: int


class UnionRow(Schema):
    rank: int
    union_id: int
    union: str
    participants: int
    total: int
    average: float
    points: float


class UnionBoardOut(Schema):
    by: str
    items: list[UnionRow]


class PointOut(Schema):
    id: int
    participant: int = Field(..., alias="participant_id")
    date: dt.date
    source: str
    points: int
    reference: str
    note: str
    created_at: dt.datetime


class ReverseIn(Schema):
    reason: str


class PrizeOut(Schema):
    place: int
    rank: int
    points: int
    participant: int = Field(..., alias="participant_id")
    name: str = Field(..., alias="participant.worker.name")
    union: str = Field(..., alias="participant.union.name")
