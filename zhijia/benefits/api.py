"""The benefits API: parse, call one service or selector, answer. Errors come out in the API's error shape."""

import hashlib
import json

from django.utils.translation import gettext as _
from ninja import Header, Router, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from zhijia.accounts.services import api_token_user
from zhijia.benefits import selectors, services
from zhijia.benefits.lottery import __doc__ as LOTTERY_DOC
from zhijia.benefits.models import Benefit, BenefitMode, Claim, ClaimStatus
from zhijia.benefits.schemas import (
    BenefitIn,
    BenefitOut,
    BenefitPatch,
    ClaimOut,
    DrawOut,
    RedeemIn,
    RedeemOut,
    StaffClaimOut,
    WithdrawIn,
)
from zhijia.core.errors import NotFound
from zhijia.core.http import client_ip, page_session
from zhijia.core.pagination import PageNumber
from zhijia.members.selectors import member_in_good_standing, member_in_good_standing_by_api_token

router = Router(tags=["普惠服务 benefits"])


class MemberBearer(HttpBearer):
    """The claim's bearer auth: the token, its user and the user's membership in good standing in one query (at
    release thousands of claims a second come in). A valid token of a non-member falls back to the general check,
    so they get 403 not_member, not 401. Token validity is accounts.services.api_token_valid either way."""

    def authenticate(self, request, token: str):
        membership = member_in_good_standing_by_api_token(token)
        if membership is not None:
            request.user = membership.worker.user
            request.claim_membership = membership
            return request.user
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


CLAIM_AUTH = [MemberBearer(), page_session]


def benefit_out(benefit: Benefit) -> dict:
    """An offer with its counts: from the annotations of selectors.with_counts when present, else counted."""
    if hasattr(benefit, "n_confirmed"):
        counts = {"confirmed": benefit.n_confirmed, "redeemed": benefit.n_redeemed,
                  "waitlisted": benefit.n_waitlisted, "registered": benefit.n_registered}
    else:
        stats = selectors.benefit_stats(benefit)
        counts = {"confirmed": stats.confirmed, "redeemed": stats.redeemed, "waitlisted": stats.waitlisted,
                  "registered": stats.registered}
    return {
        **{f: getattr(benefit, f) for f in (
            "id", "title", "kind", "description", "image_url", "owner_union_id", "units", "per_member_limit", "mode",
            "release_at", "closes_at", "registration_closes_at", "draw_at", "drawn_at", "seed_hash",
            "eligible_union_id", "eligible_occupations", "eligible_honours", "redemption_place", "redeem_from",
            "redeem_until", "hold_hours", "withdrawn_at", "withdrawn_reason")},
        "owner_union_name": benefit.owner_union.name,
        "remaining": max(benefit.units - counts["confirmed"], 0),
        **counts,
    }


class _Page:
    """Turns a page of offers into their answers only after the paginator has sliced the queryset."""

    def __init__(self, qs):
        self.qs = qs

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return [benefit_out(b) for b in self.qs[item]]


def claim_out(claim: Claim, *, replayed: bool = False) -> dict:
    position = claim.position if claim.status == ClaimStatus.WAITLISTED else None
    return {
        "claim_id": claim.pk, "benefit_id": claim.benefit_id, "status": claim.status,
        "status_label": claim.get_status_display(), "unit": claim.unit,
        "redemption_code": services.redemption_code(claim), "waitlist_position": position,
        "waiting_ahead": getattr(claim, "waiting_ahead", None),
        "entrant_code": claim.entrant_code, "hold_until": claim.hold_until, "created_at": claim.created_at,
        "replayed": replayed,
    }


@router.post("", response={201: BenefitOut}, summary="发布普惠活动（本级及下级范围内）")
def benefit_create(request, payload: BenefitIn):
    return Status(201, benefit_out(services.benefit_create(request.user, **payload.dict())))


@router.get("", response=list[BenefitOut], summary="普惠活动列表：工作人员为管辖范围内，会员为可参加的")
@paginate(PageNumber)
def benefit_list(request):
    if getattr(request.user, "is_union_staff", False):
        return _Page(selectors.benefit_list(user=request.user))
    membership = member_in_good_standing(request.user)
    return [benefit_out(b) for b in selectors.benefits_open_to(membership=membership)]


@router.get("/claims/mine", response=list[ClaimOut], summary="我的领取记录")
@paginate(PageNumber)
def my_claims(request):
    services.waitlist_settle()  # places given a moment ago are written first (read your own claims)
    return [claim_out(c) for c in selectors.claims_of(user=request.user)[:200]]


@router.post("/claims/{claim_id}/cancel", response=ClaimOut, summary="取消领取或退出候补（名额自动给下一位）")
def claim_cancel(request, claim_id: int):
    return claim_out(services.claim_cancel(request.user, claim_id=claim_id))


@router.post("/redemptions", response=RedeemOut, summary="核销：扫描或输入会员的核销码")
def claim_redeem(request, payload: RedeemIn):
    claim = services.claim_redeem(request.user, code=payload.code, place=payload.place)
    return {"claim_id": claim.pk, "benefit_id": claim.benefit_id, "benefit_title": claim.benefit.title,
            "member_name": claim.worker.name, "redeemed_at": claim.redeemed_at, "redeemed_place": claim.redeemed_place}


@router.get("/{benefit_id}", response=BenefitOut, summary="普惠活动详情（名额、已领、剩余）")
def benefit_detail(request, benefit_id: int):
    if getattr(request.user, "is_union_staff", False):
        return benefit_out(selectors.benefit_get(user=request.user, benefit_id=benefit_id))
    membership = member_in_good_standing(request.user)
    return benefit_out(selectors.benefit_get_for_member(membership=membership, benefit_id=benefit_id))


@router.patch("/{benefit_id}", response=BenefitOut, summary="开始前修改（开始前1分钟起不能改；留审计）")
def benefit_update(request, benefit_id: int, payload: BenefitPatch):
    changes = payload.dict(exclude_unset=True)
    services.benefit_update(request.user, benefit_id=benefit_id, **changes)
    return benefit_out(selectors.benefit_get(user=request.user, benefit_id=benefit_id))


@router.post("/{benefit_id}/withdraw", response=BenefitOut, summary="开始前撤回（须填原因；留审计）")
def benefit_withdraw(request, benefit_id: int, payload: WithdrawIn):
    services.benefit_withdraw(request.user, benefit_id=benefit_id, reason=payload.reason)
    return benefit_out(selectors.benefit_get(user=request.user, benefit_id=benefit_id))


def _request_hash(benefit_id: int, body: bytes) -> str:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        parsed = body.decode("utf-8", "replace")
    canonical = json.dumps(parsed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{benefit_id}|{canonical}".encode()).hexdigest()


@router.post("/{benefit_id}/claims", response={200: ClaimOut, 201: ClaimOut}, auth=CLAIM_AUTH,
             summary="抢票/报名：须带 Idempotency-Key 请求头；同键同请求返回同一结果")
def claim_create(request, benefit_id: int, idempotency_key: str = Header("", alias="Idempotency-Key")):
    claim, replayed = services.claim_create(
        request.user, benefit_id=benefit_id, idempotency_key=idempotency_key,
        request_hash=_request_hash(benefit_id, request.body), ip=client_ip(request),
        membership=getattr(request, "claim_membership", None))
    return Status(200 if replayed else 201, claim_out(claim, replayed=replayed))


@router.get("/{benefit_id}/claims", response=list[StaffClaimOut], summary="领取名单（工作人员）")
@paginate(PageNumber)
def claim_list(request, benefit_id: int, status: str | None = None):
    services.waitlist_settle()
    return [
        {"claim_id": c.pk, "status": c.status, "unit": c.unit, "member_name": c.worker.name,
         "union_name": c.union.name, "created_at": c.created_at, "confirmed_at": c.confirmed_at,
         "redeemed_at": c.redeemed_at, "redeemed_place": c.redeemed_place}
        for c in selectors.claim_list(user=request.user, benefit_id=benefit_id, status=status)
    ]


@router.post("/{benefit_id}/draw", response=DrawOut, summary="开奖（到开奖时间后，工作人员可手动触发）")
def lottery_draw(request, benefit_id: int):
    services.lottery_draw(request.user, benefit_id=benefit_id)
    return draw_publication(benefit_id)


@router.get("/{benefit_id}/draw", response=DrawOut, auth=None,
            summary="抽签公示：种子哈希、（开奖后）种子、匿名报名者与中签者，任何人可复算")
def draw_detail(request, benefit_id: int):
    return draw_publication(benefit_id)


def draw_publication(benefit_id: int) -> dict:
    benefit = Benefit.objects.filter(pk=benefit_id, mode=BenefitMode.LOTTERY).first()
    if benefit is None:
        raise NotFound(_("抽签活动不存在"))
    entrants = Claim.objects.filter(benefit=benefit).exclude(entrant_code="")
    if benefit.drawn_at:
        # Everyone who was in the draw (including those who later cancelled), and the initial winners by rank.
        entrants = entrants.filter(position__isnull=False)
    else:
        entrants = entrants.filter(status=ClaimStatus.REGISTERED)
    codes = sorted(entrants.values_list("entrant_code", flat=True))
    winners = []
    if benefit.drawn_at:
        winners = list(entrants.filter(position__lte=benefit.units).order_by("position")
                       .values_list("entrant_code", flat=True))
    return {"benefit_id": benefit.pk, "title": benefit.title, "units": benefit.units,
            "algorithm": " ".join(LOTTERY_DOC.split()), "seed_hash": benefit.seed_hash,
            "seed": benefit.seed if benefit.drawn_at else None, "draw_at": benefit.draw_at,
            "drawn_at": benefit.drawn_at, "entrants": codes, "winners": winners}


__all__ = ["router"]
