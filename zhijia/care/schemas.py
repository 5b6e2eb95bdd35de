"""API schemas. Amounts go out as yuan strings with two decimal places ("1234.50")."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from zhijia.care.services.money import yuan
from zhijia.core.identity import mask_id_number, mask_name

Amount = str | int | float


class CampaignIn(Schema):
    name: str
    budget: Amount
    starts_on: dt.date
    ends_on: dt.date
    union: int | None = None
    season: str = ""
    target_groups: str = ""
    funding_sources: str = ""


class CampaignOut(Schema):
    id: int
    name: str
    season: str
    target_groups: str
    funding_sources: str
    starts_on: dt.date
    ends_on: dt.date
    union: int
    union_name: str
    budget: str
    allocated: str
    spent: str
    remaining: str


class AllocationIn(Schema):
    union: int
    amount: Amount
    note: str = ""


class ReallocateIn(Schema):
    from_union: int
    to_union: int
    amount: Amount
    note: str = ""


class AllocationOut(Schema):
    id: int
    campaign: int = Field(alias="campaign_id")
    union: int = Field(alias="union_id")
    union_name: str = Field(alias="union.name")
    parent: int | None = Field(alias="parent_id")
    amount: str
    allocated: str
    spent: str
    remaining: str

    @staticmethod
    def resolve_amount(obj):
        return yuan(obj.amount)

    @staticmethod
    def resolve_allocated(obj):
        return yuan(obj.allocated)

    @staticmethod
    def resolve_spent(obj):
        return yuan(obj.spent)

    @staticmethod
    def resolve_remaining(obj):
        return yuan(obj.remaining)


class GoodsIn(Schema):
    kind: str
    quantity: int
    unit_value: Amount


class VisitIn(Schema):
    campaign: int
    union: int
    visited_at: dt.datetime
    worker: int | None = None
    group_name: str = ""
    people: int | None = None
    amount: Amount | None = None
    goods: list[GoodsIn] = []
    visitors: str = ""
    place: str = ""
    note: str = ""


class GoodsOut(Schema):
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    quantity: int
    unit_value: str

    @staticmethod
    def resolve_unit_value(obj):
        return yuan(obj.unit_value)


class VisitOut(Schema):
    id: int
    campaign: int = Field(alias="campaign_id")
    union: int = Field(alias="union_id")
    union_name: str = Field(alias="union.name")
    worker: int | None = Field(alias="worker_id")
    whom: str
    group_name: str
    people: int
    visitors: str
    place: str
    visited_at: dt.datetime
    amount: str
    goods_value: str
    total: str
    goods: list[GoodsOut]

    @staticmethod
    def resolve_whom(obj):
        return obj.group_name or mask_name(obj.worker.name if obj.worker_id else "")

    @staticmethod
    def resolve_amount(obj):
        return yuan(obj.amount)

    @staticmethod
    def resolve_goods_value(obj):
        return yuan(obj.goods_value)

    @staticmethod
    def resolve_total(obj):
        return yuan(obj.total)

    @staticmethod
    def resolve_goods(obj):
        return list(obj.goods.all())


class StockIn(Schema):
    union: int
    kind: str
    quantity: int
    unit_value: Amount | None = None
    note: str = ""


class StockOut(Schema):
    id: int
    union: int = Field(alias="union_id")
    kind: str
    quantity: int
    unit_value: str

    @staticmethod
    def resolve_unit_value(obj):
        return yuan(obj.unit_value)


class ImportReport(Schema):
    added: int
    already_listed: int
    listed: int
    errors: list[dict]


class ReportRowOut(Schema):
    union: int
    union_name: str
    budget: str
    allocated: str
    spent: str
    visits: int
    person_times: int
    people: int


class HistoryItem(Schema):
    kind: str
    label: str
    date: dt.date
    union: str
    title: str
    amount: str | None
    detail: str


class HouseholdIn(Schema):
    name: str
    relation: str
    birth_year: int | None = None
    health: str = ""
    occupation: str = ""


class HardshipFileIn(Schema):
    worker: int | None = None
    union: int | None = None
    yearly_income: Amount
    yearly_unavoidable_costs: Amount
    causes: list[str]
    household: list[HouseholdIn] = []
    situation: str = ""
    category: str | None = None


class HardshipFileOut(Schema):
    id: int
    worker: int = Field(alias="worker_id")
    worker_name: str
    id_number: str
    union: int = Field(alias="union_id")
    union_name: str = Field(alias="union.name")
    status: str
    status_label: str = Field(alias="get_status_display")
    category: str
    category_label: str = Field(alias="get_category_display")
    causes: list[str]
    household_size: int
    per_capita_monthly: str
    standard_monthly: str
    flags: list[dict]
    review_due_on: dt.date | None
    close_reason: str

    @staticmethod
    def resolve_worker_name(obj, context):
        user = context["request"].user
        return obj.worker.name if user.may_see_pii else mask_name(obj.worker.name)

    @staticmethod
    def resolve_id_number(obj, context):
        return mask_id_number(obj.worker.id_number)

    @staticmethod
    def resolve_per_capita_monthly(obj):
        return yuan(obj.per_capita_monthly)

    @staticmethod
    def resolve_standard_monthly(obj):
        return yuan(obj.standard_monthly)


class CheckIn(Schema):
    passed: bool
    note: str = ""


class ApproveIn(Schema):
    acknowledge_flags: bool = False


class ReviewIn(Schema):
    yearly_income: Amount
    yearly_unavoidable_costs: Amount
    household_size: int | None = None
    note: str = ""


class CloseIn(Schema):
    reason: str


class AssistanceIn(Schema):
    kind: str
    amount: Amount
    paid_on: dt.date | None = None
    note: str = ""
    acknowledge_flags: bool = False


class AssistanceOut(Schema):
    id: int
    file: int = Field(alias="file_id")
    kind: str
    amount: str
    paid_on: dt.date
    flags: list[dict]

    @staticmethod
    def resolve_amount(obj):
        return yuan(obj.amount)


class BenefitIn(Schema):
    event: str
    fixed_amount: Amount = "0"
    expense_ratio: str | float = "0"
    deductible: Amount = "0"
    cap: Amount
    required_documents: list[str]


class PlanIn(Schema):
    name: str
    year: int
    contribution: Amount
    yearly_cap: Amount
    benefits: list[BenefitIn]
    union: int | None = None


class PlanOut(Schema):
    id: int
    name: str
    year: int
    union: int = Field(alias="union_id")
    contribution: str
    yearly_cap: str

    @staticmethod
    def resolve_contribution(obj):
        return yuan(obj.contribution)

    @staticmethod
    def resolve_yearly_cap(obj):
        return yuan(obj.yearly_cap)


class EnrolIn(Schema):
    union: int | None = None


class ClaimIn(Schema):
    plan: int
    worker: int | None = None
    event: str
    event_on: dt.date
    expenses: Amount = "0"
    description: str = ""
    documents: list[str] = []


class ClaimOut(Schema):
    id: int
    plan: int = Field(alias="plan_id")
    worker: int = Field(alias="worker_id")
    worker_name: str
    union: int = Field(alias="union_id")
    event: str
    event_label: str = Field(alias="get_event_display")
    event_on: dt.date
    expenses: str
    status: str
    status_label: str = Field(alias="get_status_display")
    payout: str
    documents: list[str]
    paid_on: dt.date | None
    payment_reference: str

    @staticmethod
    def resolve_worker_name(obj):
        return mask_name(obj.worker.name)

    @staticmethod
    def resolve_expenses(obj):
        return yuan(obj.expenses)

    @staticmethod
    def resolve_payout(obj):
        return yuan(obj.payout)

    @staticmethod
    def resolve_documents(obj):
        return [d.kind for d in obj.documents.all()]


class ClaimReviewIn(Schema):
    approve: bool
    note: str = ""


class PayIn(Schema):
    payment_reference: str
    paid_on: dt.date | None = None


class LivingStandardIn(Schema):
    region_code: str
    year: int
    monthly_amount: Amount


class LivingStandardOut(Schema):
    region_code: str
    year: int
    monthly_amount: str

    @staticmethod
    def resolve_monthly_amount(obj):
        return yuan(obj.monthly_amount)
