from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from zhijia.core.identity import mask_id_number, mask_name, mask_phone
from zhijia.members.imports import report_text


class ApplicationIn(Schema):
    name: str = Field(..., max_length=60, description="姓名")
    id_number: str = Field(..., description="身份证号（18位）")
    phone: str = Field(..., description="手机号")
    occupation: str = Field(..., description="courier / delivery_rider / ride_hailing_driver / truck_driver / other")
    work_region_code: str | None = Field(None, description="工作地行政区划代码（6位或12位）；不填则按 lat/lng 定位")
    employer_credit_code: str | None = Field(None, description="单位统一社会信用代码（选填）")
    employer_credit_code_confirmed: bool = Field(False, description="信用代码校验位不符时，确认无误后重新提交")
    employer_name: str = Field("", max_length=120)
    home_region_code: str | None = None
    lat: float | None = None
    lng: float | None = None


class ApplicationOut(Schema):
    id: int
    status: str
    status_label: str
    union: int
    union_name: str
    routing_reason: str
    name: str
    occupation: str
    work_region_code: str
    submitted_at: dt.datetime
    age_days: int
    member_number: str | None = None
    reject_reason: str = ""

    @staticmethod
    def from_application(a) -> ApplicationOut:
        from django.utils import timezone

        return ApplicationOut(
            id=a.pk, status=a.status, status_label=a.get_status_display(), union=a.union_id,
            union_name=a.union.name, routing_reason=a.routing_reason, name=mask_name(a.worker.name),
            occupation=a.occupation, work_region_code=a.work_region_code, submitted_at=a.submitted_at,
            age_days=(timezone.now() - a.submitted_at).days,
            member_number=a.membership.member_number if a.membership_id and a.membership else None,
            reject_reason=a.reject_reason)


class RejectIn(Schema):
    reason: str = Field(..., max_length=200)


class RerouteIn(Schema):
    union: int
    reason: str = Field(..., max_length=200)


class MemberOut(Schema):
    id: int
    worker_id: int
    name: str
    id_number: str
    phone: str
    gender: str
    occupation: str
    union: int
    union_name: str
    member_number: str | None
    status: str
    joined_on: dt.date | None
    ended_on: dt.date | None

    @staticmethod
    def masked(m) -> MemberOut:
        w = m.worker
        return MemberOut(id=m.pk, worker_id=w.pk, name=mask_name(w.name), id_number=mask_id_number(w.id_number),
                         phone=mask_phone(w.phone), gender=w.gender, occupation=w.occupation, union=m.union_id,
                         union_name=m.union.name, member_number=m.member_number, status=m.status,
                         joined_on=m.joined_on, ended_on=m.ended_on)


class WorkerPiiOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    birth_date: dt.date
    gender: str


class TransferIn(Schema):
    membership: int | None = None
    id_number: str | None = Field(None, description="转入方工会按身份证号指明会员（不填 membership 时）")
    to_union: int
    reason: str = Field("", max_length=200)


class TransferOut(Schema):
    id: int
    membership: int
    name: str
    from_union: int
    from_union_name: str
    to_union: int
    to_union_name: str
    status: str
    reason: str
    from_confirmed: bool
    to_confirmed: bool
    new_member_number: str | None = None

    @staticmethod
    def of(t) -> TransferOut:
        return TransferOut(id=t.pk, membership=t.membership_id, name=mask_name(t.membership.worker.name),
                           from_union=t.from_union_id, from_union_name=t.from_union.name, to_union=t.to_union_id,
                           to_union_name=t.to_union.name, status=t.status, reason=t.reason,
                           from_confirmed=t.from_confirmed_at is not None, to_confirmed=t.to_confirmed_at is not None,
                           new_member_number=t.new_membership.member_number if t.new_membership_id else None)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class LeaveIn(Schema):
    membership: int | None = None
    reason: str = Field("", max_length=200)


class ImportOut(Schema):
    id: int
    union: int
    union_name: str
    filename: str
    status: str
    status_label: str
    total_rows: int
    good_rows: int
    bad_rows: int
    existing_rows: int
    processed_rows: int
    progress_percent: int
    created_workers: int
    created_memberships: int
    error: str

    @staticmethod
    def of(i) -> ImportOut:
        return ImportOut(id=i.pk, union=i.union_id, union_name=i.union.name, filename=i.filename, status=i.status,
                         status_label=i.get_status_display(), total_rows=i.total_rows, good_rows=i.good_rows,
                         bad_rows=i.bad_rows, existing_rows=i.existing_rows, processed_rows=i.processed_rows,
                         progress_percent=i.progress_percent, created_workers=i.created_workers,
                         created_memberships=i.created_memberships, error=report_text(i.error))


class ImportReportOut(Schema):
    batch: ImportOut
    preview: list[dict]
    bad_rows: list[dict]


class RoutingRuleIn(Schema):
    name: str = Field(..., max_length=80)
    strategy: str
    priority: int = 100
    match_region_prefix: str = ""
    match_occupation: str = ""
    target_union: int | None = None
    is_active: bool = True


class RoutingRuleOut(Schema):
    id: int
    priority: int
    name: str
    strategy: str
    match_region_prefix: str
    match_occupation: str
    target_union: int | None = Field(None, alias="target_union_id")
    is_active: bool


class CardVerifyIn(Schema):
    token: str = Field(..., max_length=2000)


class CardVerifyOut(Schema):
    valid: bool
    status: str = Field(..., description="valid | revoked | expired | tampered | unknown_key | not_a_card")
    reason: str
    serial: str | None = None
    generation: int | None = None
    member_number: str | None = None
    masked_name: str | None = None
    union_name: str | None = None
    expires: str | None = None
    kid: str | None = None
    revocation_version: int


class PublicKeyOut(Schema):
    kid: str
    alg: str
    public_key: str
    current: bool


class PublicKeysOut(Schema):
    format: str
    keys: list[PublicKeyOut]


class RevocationsOut(Schema):
    version: int
    since: int
    revoked: list[str] = Field(..., description="revoked card serials, '<member number>-<generation>'")


class CardReissueIn(Schema):
    reason: str = Field(..., description="lost | compromised | damaged | other")
    note: str = Field("", max_length=60)


class CardOut(Schema):
    serial: str
    member_number: str
    generation: int
    status: str
    status_label: str
    issued_at: dt.datetime
    expires: dt.date
    issue_reason: str
    end_reason: str
    token: str | None = None
    qr_svg: str | None = None
    masked_name: str | None = None
    union_name: str | None = None

    @staticmethod
    def of(card, *, with_token: bool = False) -> CardOut:
        from zhijia.members import cards

        view = cards.card_view(card) if with_token else {}
        return CardOut(serial=card.serial, member_number=card.member_number, generation=card.generation,
                       status=card.status, status_label=card.get_status_display(), issued_at=card.issued_at,
                       expires=card.expires_on, issue_reason=card.issue_reason, end_reason=card.end_reason,
                       token=view.get("token"), qr_svg=view.get("qr"), masked_name=view.get("masked_name"),
                       union_name=view.get("union_name"))


class MyCardOut(CardOut):
    history: list[CardOut] = []


class StatsOut(Schema):
    union_id: int
    union_name: str
    members: int
    gig_members: int
    direct_members: int
    pending_applications: int
    by_union: list[dict]
    by_occupation: list[dict]
    joins_by_month: list[dict]


class UnionChoiceOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    parent_name: str | None = None

    @staticmethod
    def of(u) -> UnionChoiceOut:
        return UnionChoiceOut(id=u.pk, name=u.name, level=u.level, level_label=u.get_level_display(),
                              parent_name=u.parent.name if u.parent_id else None)
