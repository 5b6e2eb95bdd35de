import datetime as dt

from ninja import Field, Schema


class BenefitIn(Schema):
    title: str = Field(..., max_length=120)
    kind: str
    units: int
    per_member_limit: int = 1
    release_at: dt.datetime
    closes_at: dt.datetime
    mode: str = "fcfs"
    registration_closes_at: dt.datetime | None = None
    draw_at: dt.datetime | None = None
    owner_union_id: int | None = None
    eligible_union_id: int | None = None
    eligible_occupations: list[str] = []
    eligible_honours: list[str] = Field([], description="限定荣誉：model_worker 劳动模范、advanced_worker 先进工作者、"
                                                      "title 荣誉称号")
    description: str = ""
    image_url: str = ""
    redemption_place: str = ""
    redeem_from: dt.datetime | None = None
    redeem_until: dt.datetime | None = None
    hold_hours: int = 72


class BenefitPatch(Schema):
    """Edit before opening: only the fields sent change (mode and owner stay)."""

    title: str | None = Field(None, max_length=120)
    kind: str | None = None
    units: int | None = None
    per_member_limit: int | None = None
    release_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    draw_at: dt.datetime | None = None
    eligible_union_id: int | None = None
    eligible_occupations: list[str] | None = None
    eligible_honours: list[str] | None = None
    description: str | None = None
    image_url: str | None = None
    redemption_place: str | None = None
    redeem_from: dt.datetime | None = None
    redeem_until: dt.datetime | None = None
    hold_hours: int | None = None


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=200)


class BenefitOut(Schema):
    id: int
    title: str
    kind: str
    description: str
    image_url: str
    owner_union_id: int
    owner_union_name: str
    units: int
    per_member_limit: int
    mode: str
    release_at: dt.datetime
    closes_at: dt.datetime
    registration_closes_at: dt.datetime | None
    draw_at: dt.datetime | None
    drawn_at: dt.datetime | None
    seed_hash: str
    eligible_union_id: int | None
    eligible_occupations: list[str]
    eligible_honours: list[str]
    redemption_place: str
    redeem_from: dt.datetime | None
    redeem_until: dt.datetime | None
    hold_hours: int
    confirmed: int
    remaining: int
    redeemed: int
    waitlisted: int
    registered: int
    withdrawn_at: dt.datetime | None = None
    withdrawn_reason: str = ""


class ClaimOut(Schema):
    claim_id: int
    benefit_id: int
    status: str
    status_label: str
    unit: int | None
    redemption_code: str | None
    waitlist_position: int | None = None
    waiting_ahead: int | None = None  # in line before this claim now (my claims list only)
    entrant_code: str = ""
    hold_until: dt.datetime | None
    created_at: dt.datetime
    replayed: bool = False


class StaffClaimOut(Schema):
    claim_id: int
    status: str
    unit: int | None
    member_name: str
    union_name: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    redeemed_at: dt.datetime | None
    redeemed_place: str


class RedeemIn(Schema):
    code: str = Field(..., max_length=64)
    place: str = Field("", max_length=200)


class RedeemOut(Schema):
    claim_id: int
    benefit_id: int
    benefit_title: str
    member_name: str
    redeemed_at: dt.datetime
    redeemed_place: str


class DrawOut(Schema):
    benefit_id: int
    title: str
    units: int
    algorithm: str
    seed_hash: str
    seed: str | None
    draw_at: dt.datetime | None
    drawn_at: dt.datetime | None
    entrants: list[str]
    winners: list[str]
