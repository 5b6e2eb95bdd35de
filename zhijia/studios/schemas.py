import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class StudioIn(Schema):
    name: str
    level: str = Field(..., description="district 区级 / municipal 市级")
    union: int = Field(..., description="依托工会编号")
    address: str
    lat: float
    lng: float
    recognised_year: int
    field: str = "other"
    leader_worker: int | None = Field(None, description="领衔人（职工编号）；不在册时填 leader_name")
    leader_name: str = ""
    leader_title: str = Field("", description="如 北京市劳动模范、北京大工匠")
    region_code: str | None = None
    description: str = ""


class StudioPatch(Schema):
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    field: str | None = None
    leader_title: str | None = None
    description: str | None = None


class StudioOut(Schema):
    id: int
    name: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    status: str
    union: int = Field(..., alias="union_id")
    union_name: str = Field(..., alias="union.name")
    region_code: str
    address: str
    lat: float
    lng: float
    leader_worker: int | None = Field(None, alias="leader_id")
    leader_name: str
    leader_title: str
    field: str
    recognised_year: int
    member_count: int = 0
    granted: Decimal = Decimal("0")
    spent: Decimal = Field(Decimal("0"), alias="spent_total")
    patent_count: int = 0
    conversion_count: int = 0


class MemberIn(Schema):
    worker: int
    role: str = "member"
    joined_on: dt.date | None = None


class MemberOut(Schema):
    id: int
    worker: int = Field(..., alias="worker_id")
    name: str = Field(..., alias="worker.name")
    role: str
    role_label: str = Field(..., alias="get_role_display")
    joined_on: dt.date | None


class GrantIn(Schema):
    amount: str = Field(..., description="元，最多两位小数")
    year: int
    purpose: str
    granting_union: int | None = None


class GrantOut(Schema):
    id: int
    studio: int = Field(..., alias="studio_id")
    granting_union: int = Field(..., alias="granting_union_id")
    granting_union_name: str = Field(..., alias="granting_union.name")
    year: int
    amount: Decimal
    spent: Decimal
    balance: Decimal
    purpose: str


class SpendIn(Schema):
    amount: str = Field(..., description="元，最多两位小数")
    purpose: str
    spent_on: dt.date | None = None


class SpendOut(Schema):
    id: int
    grant: int = Field(..., alias="grant_id")
    amount: Decimal
    spent_on: dt.date
    purpose: str


class PatentIn(Schema):
    number: str = Field(..., description="如 ZL202310123456.7 或 202310123456.7")
    title: str
    kind: str | None = None
    status: str = "granted"
    year: int | None = None


class PatentOut(Schema):
    id: int
    kind: str
    number: str
    display_number: str
    title: str
    status: str
    year: int


class ConversionIn(Schema):
    title: str
    partner: str
    value: str = Field(..., description="转化金额，元")
    year: int
    patent: int | None = None


class ConversionOut(Schema):
    id: int
    title: str
    partner: str
    value: Decimal
    year: int
    patent: int | None = Field(None, alias="patent_id")


class AwardIn(Schema):
    title: str
    level: str
    year: int
    awarded_by: str = ""


class AwardOut(Schema):
    id: int
    title: str
    level: str
    awarded_by: str
    year: int


class ResultTotals(Schema):
    patents: int
    patents_by_kind: dict[str, int]
    conversions: int
    conversion_value: Decimal
    awards: int


class ResultsOut(Schema):
    patents: list[PatentOut]
    conversions: list[ConversionOut]
    awards: list[AwardOut]
    totals: ResultTotals


class ReviewIn(Schema):
    year: int
    scores: dict[str, int | str]
    reason: str
    action: str | None = Field(None, description="不合格时：probation 限期整改 / downgrade 降级 / revoke 撤销命名")


class ReviewOut(Schema):
    id: int
    studio: int = Field(..., alias="studio_id")
    year: int
    scores: dict[str, int]
    total: int
    outcome: str
    action: str
    reason: str
    reviewer: str | None = Field(None, alias="reviewer.username")
    level_before: str
    status_before: str


class TotalsRow(Schema):
    region_code: str
    district: str
    district_studios: int
    municipal_studios: int
    studios: int
    granted: Decimal
    spent: Decimal
    balance: Decimal
    patents: int
    conversions: int
    conversion_value: Decimal


class TotalsOut(Schema):
    rows: list[TotalsRow]
    total: TotalsRow


class PointOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    status: str
    field_label: str
    leader_name: str
    leader_title: str
    address: str
    region_code: str
    district: str
    lat: float
    lng: float
    gcj02: list[float]
    distance_m: int | None = None
