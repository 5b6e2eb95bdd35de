"""Writes of the benefits subsystem: offers, claims, the waiting list, the lottery draw, redemption.

Concurrency, in one place:
- First come first served with Redis (REDIS_URL set): `claim_create` takes a unit in the Redis gate (one atomic Lua
  script: member's limit and stock checked and a unit taken together, see gate.py), then writes the confirmed claim
  to the database and commits before answering; if the write fails the unit is given back. A crash between the two
  steps loses a unit in Redis (never sells one twice); `benefit_reconcile` restores it.
- Without Redis (the embedded default, or ZHIJIA_BENEFITS_GATE=db): the claim locks the offer's row
  (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction locks the database), counts, and writes, so claims on
  one offer run one at a time.
- Either way the database refuses a second holder of a unit, a member beyond the limit, a second place in line and
  a reused idempotency key (constraints in models.py); the services turn such a refusal into the right answer.
- Cancellation, expiry and promotion lock the offer's row, then the waiting-list row they promote
  (FOR UPDATE SKIP LOCKED), in that order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import threading
from contextlib import nullcontext

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from zhijia.audit.services import audit_record
from zhijia.benefits import gate, lottery, tokens
from zhijia.benefits.models import (
    HOLDING,
    QUEUED,
    Benefit,
    BenefitKind,
    BenefitMode,
    Claim,
    ClaimRefusal,
    ClaimStatus,
    RefusalReason,
    _new_gate_id,
)
from zhijia.benefits.selectors import EDIT_CUTOFF, benefit_for_claim, eligibility_problem
from zhijia.core import hotsql
from zhijia.core.errors import Busy, Conflict, DomainError, NotFound, PermissionDenied, Throttled, ValidationFailed
from zhijia.core.i18n import listed
from zhijia.honors.models import HonourKind
from zhijia.members.models import Membership
from zhijia.members.selectors import member_in_good_standing
from zhijia.orgs.models import Occupation, Union
from zhijia.orgs.selectors import in_scope, require_staff

log = logging.getLogger("zhijia.benefits")


CREATOR_ROLES = ("municipal_admin", "district_staff", "grassroots_staff")
MAX_UNITS = 1_000_000
MAX_LIMIT = 20


# --- offers ---------------------------------------------------------------------------------------------------------

def benefit_create(actor, *, title: str, kind: str, units: int, per_member_limit: int = 1, release_at: dt.datetime,
                   closes_at: dt.datetime, mode: str = BenefitMode.FCFS,
                   registration_closes_at: dt.datetime | None = None, draw_at: dt.datetime | None = None,
                   owner_union_id: int | None = None,
                   eligible_union_id: int | None = None, eligible_occupations: list[str] | None = None,
                   eligible_honours: list[str] | None = None, description: str = "", image_url: str = "",
                   redemption_place: str = "",
                   redeem_from: dt.datetime | None = None, redeem_until: dt.datetime | None = None,
                   hold_hours: int = 72) -> Benefit:
    """Publish an offer within the actor's scope. A lottery's seed is chosen now and only its hash is shown."""
    scope = require_staff(actor, roles=CREATOR_ROLES)
    owner = _union_in_scope(actor, owner_union_id, "owner_union_id") if owner_union_id else scope
    terms = _terms_checked(
        actor, owner=owner, title=title, kind=kind, units=units, per_member_limit=per_member_limit,
        release_at=release_at, closes_at=closes_at, mode=mode, registration_closes_at=registration_closes_at,
        draw_at=draw_at, eligible_union_id=eligible_union_id, eligible_occupations=eligible_occupations,
        eligible_honours=eligible_honours, description=description, image_url=image_url,
        redemption_place=redemption_place, redeem_from=redeem_from,
        redeem_until=redeem_until, hold_hours=hold_hours)
    seed, seed_hash = lottery.seed_new() if mode == BenefitMode.LOTTERY else ("", "")
    with transaction.atomic(durable=True):
        benefit = Benefit.objects.create(**terms, owner_union=owner, seed=seed, seed_hash=seed_hash, created_by=actor)
        audit_record(actor=actor, action="benefit.create", obj=benefit, union=owner,
                     detail={"units": units, "mode": mode})
    return benefit


def _terms_checked(actor, *, owner: Union, title: str, kind: str, units: int, per_member_limit: int,
                   release_at: dt.datetime, closes_at: dt.datetime, mode: str,
                   registration_closes_at: dt.datetime | None, draw_at: dt.datetime | None,
                   eligible_union_id: int | None, eligible_occupations: list[str] | None,
                   eligible_honours: list[str] | None, description: str,
                   image_url: str, redemption_place: str, redeem_from: dt.datetime | None,
                   redeem_until: dt.datetime | None, hold_hours: int) -> dict:
    """An offer's terms checked (the same rules on creating and on editing); the model's field values."""
    title = (title or "").strip()
    if not title:
        raise ValidationFailed.field("title", _("请填写名称"))
    if kind not in BenefitKind.values:
        raise ValidationFailed.field("kind", _("类型应为 演出票(ticket)、通行证(pass) 或 实物(goods)"))
    if mode not in BenefitMode.values:
        raise ValidationFailed.field("mode", _("方式应为 先到先得(fcfs) 或 报名抽签(lottery)"))
    if not 1 <= units <= MAX_UNITS:
        raise ValidationFailed.field("units", _("名额应在1到%(max)s之间") % {"max": MAX_UNITS})
    if not 1 <= per_member_limit <= min(MAX_LIMIT, units):
        raise ValidationFailed.field("per_member_limit",
                                     _("每人限领应在1到%(max)s之间") % {"max": min(MAX_LIMIT, units)})
    if closes_at <= release_at:
        raise ValidationFailed.field("closes_at", _("截止时间应晚于开始时间"))
    if mode == BenefitMode.LOTTERY:
        if per_member_limit != 1:
            raise ValidationFailed.field("per_member_limit", _("抽签活动每人限中1份"))
        if registration_closes_at is None or not release_at < registration_closes_at <= closes_at:
            raise ValidationFailed.field("registration_closes_at", _("报名截止应在开始与截止时间之间"))
        if draw_at is None or not registration_closes_at <= draw_at <= closes_at:
            raise ValidationFailed.field("draw_at", _("开奖时间应在报名截止之后、活动截止之前"))
    else:
        registration_closes_at = draw_at = None
    if redeem_from and redeem_until and redeem_until <= redeem_from:
        raise ValidationFailed.field("redeem_until", _("核销截止应晚于核销开始"))
    if not 1 <= hold_hours <= 24 * 90:
        raise ValidationFailed.field("hold_hours", _("保留时长应在1到2160小时之间"))
    occupations = list(dict.fromkeys(eligible_occupations or []))
    bad = [o for o in occupations if o not in Occupation.values]
    if bad:
        raise ValidationFailed.field("eligible_occupations", _("未知职业：%(codes)s") % {"codes": listed(bad)})
    honours = list(dict.fromkeys(eligible_honours or []))
    bad = [h for h in honours if h not in HonourKind.values]
    if bad:
        raise ValidationFailed.field("eligible_honours", _("未知荣誉类别：%(codes)s") % {"codes": listed(bad)})
    eligible = None
    if eligible_union_id:
        eligible = _union_in_scope(actor, eligible_union_id, "eligible_union_id")
        if not owner.contains(eligible):
            raise ValidationFailed.field("eligible_union_id", _("限定范围应在发布工会之内"))
    return {"title": title[:120], "kind": kind, "units": units, "per_member_limit": per_member_limit, "mode": mode,
            "release_at": release_at, "closes_at": closes_at, "registration_closes_at": registration_closes_at,
            "draw_at": draw_at, "eligible_union": eligible, "eligible_occupations": occupations,
            "eligible_honours": honours,
            "description": description or "", "image_url": (image_url or "")[:300],
            "redemption_place": (redemption_place or "")[:200], "redeem_from": redeem_from,
            "redeem_until": redeem_until, "hold_hours": hold_hours}


EDITABLE = ("title", "kind", "units", "per_member_limit", "release_at", "closes_at", "registration_closes_at",
            "draw_at", "eligible_union_id", "eligible_occupations", "eligible_honours", "description", "image_url",
            "redemption_place",
            "redeem_from", "redeem_until", "hold_hours")

# None: left as is
NOT_NULL_TEXT = ("description", "image_url", "redemption_place", "eligible_occupations", "eligible_honours")
NOT_EMPTY = ("title", "kind", "units", "per_member_limit", "release_at", "closes_at", "hold_hours")


# Why an offer can no longer be edited or withdrawn, by the caller's verb (translated where raised).
_NOT_EDITABLE = {"修改": gettext_noop("开始前1分钟起不能再修改（已有会员参与或即将开始）"),
                 "撤回": gettext_noop("开始前1分钟起不能再撤回（已有会员参与或即将开始）")}


def _editable_locked(actor, benefit_id: int, now: dt.datetime, verb: str) -> Benefit:
    """The offer, row-locked, in the actor's scope, not withdrawn, and still before its edit cutoff."""
    require_staff(actor, roles=CREATOR_ROLES)
    benefit = (Benefit.objects.select_for_update(of=("self",)).select_related("owner_union", "eligible_union")
               .filter(pk=benefit_id).first())
    if benefit is None or not in_scope(actor, benefit.owner_union):
        raise NotFound(_("普惠活动不存在"))
    if benefit.withdrawn_at:
        raise Conflict(_("该活动已撤回"), code="withdrawn")
    if now >= benefit.release_at - EDIT_CUTOFF or benefit.claims.exists():
        raise Conflict(_(_NOT_EDITABLE[verb]), code="not_editable")
    return benefit


def _json_value(v):
    return v.isoformat() if isinstance(v, dt.datetime) else v


def benefit_update(actor, *, benefit_id: int, now: dt.datetime | None = None, **changes) -> Benefit:
    """Edit an offer's terms before it opens (until EDIT_CUTOFF before release; never once anyone has claimed or
    registered). The same checks as publishing; the mode and the owner stay. Audited with each changed field's old
    and new value. The offer's Redis gate starts afresh under a new name (it may have been armed with old terms)."""
    now = now or timezone.now()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("不能修改此项"))
    emptied = [f for f, v in changes.items() if v is None and f in NOT_EMPTY]
    if emptied:
        raise ValidationFailed.field(emptied[0], _("不能为空"))
    with transaction.atomic(durable=True):
        benefit = _editable_locked(actor, benefit_id, now, "修改")
        current = {f: getattr(benefit, f) for f in EDITABLE}
        merged = {**current, **{f: v for f, v in changes.items() if not (v is None and f in NOT_NULL_TEXT)}}
        terms = _terms_checked(actor, owner=benefit.owner_union, mode=benefit.mode, **merged)
        # Moving the release nearer than the cutoff would open claims on terms some process has not seen.
        if terms["release_at"] < now + EDIT_CUTOFF:
            raise ValidationFailed.field("release_at", _("开始时间应至少在1分钟之后"))
        before = current
        for field, value in terms.items():
            setattr(benefit, field, value)
        after = {f: getattr(benefit, f) for f in EDITABLE}
        changed = {f: [_json_value(before[f]), _json_value(after[f])] for f in EDITABLE if before[f] != after[f]}
        if not changed:
            return benefit
        old_gate = gate.all_keys(benefit) if gate.enabled() else []
        benefit.gate_id = _new_gate_id()
        benefit.save()
        audit_record(actor=actor, action="benefit.update", obj=benefit, union=benefit.owner_union,
                     detail={"changed": changed})
        if old_gate:
            transaction.on_commit(lambda: _quiet(gate.client().delete, *old_gate))
    return benefit


def benefit_withdraw(actor, *, benefit_id: int, reason: str, now: dt.datetime | None = None) -> Benefit:
    """Withdraw an offer before it opens (same cutoff as editing): it leaves the members' lists and refuses claims;
    staff still see it, marked withdrawn. Audited with the reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写撤回原因"))
    with transaction.atomic(durable=True):
        benefit = _editable_locked(actor, benefit_id, now, "撤回")
        benefit.withdrawn_at, benefit.withdrawn_reason = now, reason[:200]
        benefit.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit_record(actor=actor, action="benefit.withdraw", obj=benefit, union=benefit.owner_union,
                     detail={"reason": benefit.withdrawn_reason})
        if gate.enabled():
            transaction.on_commit(lambda: _quiet(gate.gate_drop, benefit))
    return benefit


def _union_in_scope(actor, union_id: int, field: str) -> Union:
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise ValidationFailed.field(field, _("工会不存在或不在管辖范围内"))
    return union


# --- claims ---------------------------------------------------------------------------------------------------------

def _rate(spec: str) -> tuple[int, int]:
    count, _, window = spec.partition("/")
    return int(count), int(window or 60)


def _rate_counters(user, ip: str | None) -> list[tuple[str, int, int]]:
    """(key, window seconds, limit) of the fixed-window counters a claim attempt counts on: per member, per IP."""
    now = int(timezone.now().timestamp())
    checks = [("m", str(user.pk), _rate(settings.BENEFIT_RATE_MEMBER))]
    if ip:
        checks.append(("ip", ip, _rate(settings.BENEFIT_RATE_IP)))
    ns = _key_namespace()
    return [(f"zj:bf:{ns}rl:{kind}:{ident}:{now // window}", window, limit) for kind, ident, (limit, window) in checks]


def _idem_key(user, key: str) -> str:
    return f"zj:bf:{_key_namespace()}idem:{user.pk}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _throttle(user, ip: str | None, key: str) -> bool:
    """Per-member and per-IP fixed-window limits on claim attempts, and whether this Idempotency-Key may have been
    seen before. With Redis: one pipelined round trip (counters, and SET NX of the key); without: the cache, and
    every key counts as possibly seen (looked up in the database). (A claim that passes every check counts in the
    gate's claim script instead: _claim_via_gate.)"""
    counters = _rate_counters(user, ip)
    seen = True
    if settings.REDIS_URL and gate.enabled():
        try:
            counts, fresh = gate.throttle_hits([(k, w) for k, w, _ in counters], idem_key=_idem_key(user, key))
            seen = not fresh
        except redis_errors():
            counts = [0] * len(counters)  # Redis down: no throttling rather than no service; the DB decides
    else:
        counts = []
        for ckey, window, _limit in counters:
            cache.add(ckey, 0, timeout=window + 1)
            try:
                counts.append(cache.incr(ckey))
            except ValueError:  # expired between add and incr
                cache.set(ckey, 1, timeout=window + 1)
                counts.append(1)
    if any(n > limit for (_, _, limit), n in zip(counters, counts, strict=True)):
        raise Throttled(_("请求过于频繁，请稍后再试"), code="throttled")
    return seen


def _key_namespace() -> str:
    """The cache's key prefix (set per test run) keeps counters of separate databases apart in one Redis."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:" if prefix else ""


def redis_errors():
    import redis

    return redis.RedisError


def claim_refusal_record(*, user, benefit_id: int | None, ip: str | None, reason: str) -> None:
    """The abuse log: one row per refused attempt (written outside the refused transaction)."""
    try:
        ClaimRefusal.objects.create(user=user if getattr(user, "is_authenticated", False) else None,
                                    benefit_id=benefit_id if Benefit.objects.filter(pk=benefit_id).exists() else None,
                                    ip=ip, reason=reason)
    except IntegrityError:
        log.warning("could not log refused claim of %s on %s", user, benefit_id)


class Refused(DomainError):
    """A refusal that also goes to the abuse log: wraps the error the caller sees."""

    def __init__(self, error: DomainError, reason: str):
        super().__init__(error.message, code=error.code, fields=error.fields, status=error.status)
        self.reason = reason


def claim_create(user, *, benefit_id: int, idempotency_key: str, request_hash: str = "",
                 ip: str | None = None, now: dt.datetime | None = None,
                 membership: Membership | None = None) -> tuple[Claim, bool]:
    """Claim one unit of an offer (or register for a lottery). Returns (claim, replayed).

    The same Idempotency-Key with the same request returns the claim it made (replayed=True); with a different
    request it is a 409. The answer is final when returned: a confirmed claim has been committed.
    `membership`: the user's admitted membership when the caller has just read it (the claim API's bearer auth reads
    token, user and membership in one query); otherwise it is read here.
    """
    if membership is not None and membership.worker.user_id != user.pk:
        membership = None
    try:
        return _claim_create(user, benefit_id=benefit_id, idempotency_key=idempotency_key,
                             request_hash=request_hash, ip=ip, now=now, membership=membership)
    except Refused as exc:
        claim_refusal_record(user=user, benefit_id=benefit_id, ip=ip, reason=exc.reason)
        raise DomainError(exc.message, code=exc.code, fields=exc.fields, status=exc.status)


def _claim_create(user, *, benefit_id, idempotency_key, request_hash, ip, now, membership):
    key = (idempotency_key or "").strip()
    if not 1 <= len(key) <= 100:
        raise ValidationFailed.field("Idempotency-Key", _("请求头 Idempotency-Key 必填，长度1到100"))
    now = now or timezone.now()
    benefit = benefit_for_claim(benefit_id)  # the offer's terms, kept in the process for two seconds
    if benefit is not None and not benefit.withdrawn_at and membership is None:
        membership = member_in_good_standing(user)
    refusal = _refusal(benefit, membership, now)
    ctx = {"user": user, "benefit": benefit, "membership": membership, "key": key, "request_hash": request_hash,
           "now": now}
    gate_up = gate.enabled()
    if refusal is None and not benefit.is_lottery and gate_up:
        # The common case at a release: one Redis script counts the rate limits, marks the key and takes a unit.
        try:
            return _claim_via_gate(**ctx, first=(_rate_counters(user, ip), _idem_key(user, key)))
        except _GateDown:
            log.warning("Redis gate unavailable; claim on offer %s goes through database locking", benefit.pk)
            gate_up = False
    # Everything else (a refusal, a lottery, no Redis): the rate limits first, then a replayed key gets its first
    # answer (even after closing), then the refusal. A key never seen before (Redis SET NX) needs no look-up; the
    # unique constraint on (user, key) decides in the end either way.
    try:
        seen = _throttle(user, ip, key)
    except Throttled as exc:
        raise Refused(exc, RefusalReason.THROTTLED)
    previous = _replay_settled(user, key, benefit, request_hash, benefit_id=benefit_id) if seen else None
    if previous is not None:
        return previous, True
    if refusal is not None:
        raise refusal
    if benefit.is_lottery:
        return _register(**ctx), False
    if gate_up:
        try:
            return _claim_via_gate(**ctx)
        except _GateDown:
            log.warning("Redis gate unavailable; claim on offer %s goes through database locking", benefit.pk)
    return _claim_via_lock(**ctx)


def _refusal(benefit: Benefit | None, membership: Membership | None, now: dt.datetime) -> DomainError | None:
    """Why this claim may not go ahead (the error to raise), or None."""
    if benefit is None or benefit.withdrawn_at:
        return NotFound(_("普惠活动不存在"))
    if membership is None:
        return Refused(PermissionDenied(_("仅限在会会员领取，请先入会"), code="not_member"), RefusalReason.NOT_MEMBER)
    problem = eligibility_problem(benefit, membership)
    if problem:
        return Refused(PermissionDenied(problem, code="not_eligible"), RefusalReason.NOT_ELIGIBLE)
    if now < benefit.release_at:
        when = _month_day_time(benefit.release_at)
        return Refused(Conflict(_("尚未开始，%(when)s 开抢") % {"when": when}, code="not_open"), RefusalReason.NOT_OPEN)
    ends = benefit.registration_closes_at if benefit.is_lottery else benefit.closes_at
    if now >= ends:
        return Refused(Conflict(pgettext("claim refused", "已截止"), code="closed"), RefusalReason.CLOSED)
    return None


def _month_day_time(at: dt.datetime) -> str:
    """A local date and time in a message: "12月01日 10:00" in Chinese (as before), "Dec 1, 10:00" in English."""
    return date_format(timezone.localtime(at), pgettext("date format: month, day, time", "m月d日 H:i"))


def _replay(user, key: str, benefit_id: int, request_hash: str) -> Claim | None:
    claim = Claim.objects.filter(user=user, idempotency_key=key).first()
    if claim is None:
        return None
    if claim.benefit_id != benefit_id or claim.request_hash != request_hash:
        raise Refused(Conflict(_("该 Idempotency-Key 已用于另一个请求"), code="idempotency_key_reused",
                               fields={"Idempotency-Key": _("已用于另一个请求")}), RefusalReason.KEY_REUSED)
    return claim


def _over_limit(benefit: Benefit) -> Refused:
    return Refused(Conflict(_("每人限领%(n)s份，您已领满") % {"n": benefit.per_member_limit}, code="over_limit"),
                   RefusalReason.OVER_LIMIT)


def _hold_until(benefit: Benefit, now: dt.datetime) -> dt.datetime:
    hold = now + dt.timedelta(hours=benefit.hold_hours)
    return min(hold, benefit.redeem_until) if benefit.redeem_until else hold


def _new_claim(*, user, benefit, membership, key, request_hash, now, status, unit=None, slot=None,
               position=None) -> Claim:
    holding = status in HOLDING
    return hotsql.insert(Claim(  # the one write of a claim at release: without the ORM's query compiler
        benefit=benefit, worker=membership.worker, user=user, union=membership.union, status=status,
        unit=unit, slot=slot, position=position, units_at_claim=benefit.units, limit_at_claim=benefit.per_member_limit,
        idempotency_key=key, request_hash=request_hash, nonce=secrets.token_hex(3) if holding else "",
        confirmed_at=now if holding else None, hold_until=_hold_until(benefit, now) if holding else None,
    ))


def _after_key_conflict(user, key, benefit, request_hash) -> Claim:
    """An insert failed on a constraint: if our key is taken, a concurrent twin of this request won; answer as it."""
    twin = _replay(user, key, benefit.pk, request_hash)
    if twin is not None:
        return twin
    raise Busy()


def _one_statement():
    """A single INSERT is its own transaction in autocommit (committed, hence durable, when it returns); inside an
    outer transaction it gets a savepoint so a constraint refusal does not spoil the outer one."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _waitlist(*, user, benefit, membership, key, request_hash, now, position: int) -> Claim:
    """Sold out: a place on the waiting list (the member's existing place if they have one). `position` is the
    member's number in line (Redis INCR, or counted under the offer's lock)."""
    try:
        with _one_statement():
            claim = _new_claim(user=user, benefit=benefit, membership=membership, key=key,
                               request_hash=request_hash, now=now, status=ClaimStatus.WAITLISTED, position=position)
            return claim
    except IntegrityError:
        queued = Claim.objects.filter(benefit=benefit, worker=membership.worker, status__in=QUEUED).first()
        if queued is not None:
            return queued
        return _after_key_conflict(user, key, benefit, request_hash)


def _register(*, user, benefit, membership, key, request_hash, now) -> Claim:
    """Lottery registration: one entry per member (constraint claim_one_queued_per_member)."""
    try:
        with transaction.atomic():
            claim = _new_claim(user=user, benefit=benefit, membership=membership, key=key,
                               request_hash=request_hash, now=now, status=ClaimStatus.REGISTERED)
            claim.entrant_code = lottery.entrant_code_for(benefit_id=benefit.pk, worker_id=membership.worker_id)
            claim.save(update_fields=["entrant_code"])
            return claim
    except IntegrityError:
        existing = (Claim.objects.filter(benefit=benefit, worker=membership.worker)
                    .exclude(status=ClaimStatus.CANCELLED).first())
        if existing is not None:
            return existing
        return _after_key_conflict(user, key, benefit, request_hash)


def _free_slot(benefit: Benefit, worker_id: int) -> int | None:
    if benefit.per_member_limit == 1:
        return 1
    used = set(Claim.objects.filter(benefit=benefit, worker_id=worker_id, status__in=HOLDING)
               .values_list("slot", flat=True))
    return next((s for s in range(1, benefit.per_member_limit + 1) if s not in used), None)


def _free_unit(benefit: Benefit) -> int | None:
    """The lowest free unit number, from the rows (call with the offer's row locked)."""
    agg = Claim.objects.filter(benefit=benefit, status__in=HOLDING).aggregate(n=Count("id"), top=Max("unit"))
    if agg["n"] >= benefit.units:
        return None
    if (agg["top"] or 0) < benefit.units:
        return (agg["top"] or 0) + 1
    used = set(Claim.objects.filter(benefit=benefit, status__in=HOLDING).values_list("unit", flat=True))
    return next(u for u in range(1, benefit.units + 1) if u not in used)


def _claim_via_lock(*, user, benefit, membership, key, request_hash, now) -> tuple[Claim, bool]:
    """The database path: the offer's row lock serialises claims on one offer; counted and written under it."""
    try:
        with transaction.atomic():
            # Lock the offer: every claim on it waits here, then re-counts what is held.
            locked = Benefit.objects.select_for_update().get(pk=benefit.pk)
            twin = _replay(user, key, benefit.pk, request_hash)
            if twin is not None:
                return twin, True
            held = Claim.objects.filter(benefit=locked, worker=membership.worker, status__in=HOLDING).count()
            if held >= locked.per_member_limit:
                raise _over_limit(locked)
            unit = _free_unit(locked)
            if unit is None:
                last = Claim.objects.filter(benefit=locked).aggregate(p=Max("position"))["p"] or 0
                return _waitlist(user=user, benefit=locked, membership=membership, key=key,
                                 request_hash=request_hash, now=now, position=last + 1), False
            claim = _new_claim(user=user, benefit=locked, membership=membership, key=key, request_hash=request_hash,
                               now=now, status=ClaimStatus.CONFIRMED, unit=unit,
                               slot=_free_slot(locked, membership.worker_id))
            return claim, False
    except IntegrityError:
        return _after_key_conflict(user, key, benefit, request_hash), True


class _GateDown(Exception):
    pass


def _gate_call(fn, *args, **kwargs):
    import redis

    try:
        return fn(*args, **kwargs)
    except redis.RedisError as exc:
        raise _GateDown() from exc


def _claim_via_gate(*, user, benefit, membership, key, request_hash, now, first=None) -> tuple[Claim, bool]:
    """The Redis path: take a unit atomically in Redis, then make the claim durable in the database. `first`: (rate
    counters, idempotency marker) when the first take also counts the limits and marks the key (gate.claim_take).
    Sold out, the place in line is given and kept by the same script (written later in batches, `waitlist_flush`)."""
    worker_id = membership.worker_id
    for _attempt in range(5):
        place = _place_record(user=user, benefit=benefit, membership=membership, key=key,
                              request_hash=request_hash, now=now)
        if first is not None:
            took = _gate_call(gate.claim_take, benefit, worker_id, counters=first[0], idem_key=first[1], place=place)
            first = None
            if took.code == gate.THROTTLED:
                raise Refused(Throttled(_("请求过于频繁，请稍后再试"), code="throttled"), RefusalReason.THROTTLED)
            if took.code == gate.SEEN:
                twin = _replay_settled(user, key, benefit, request_hash)
                if twin is not None:
                    return twin, True
                continue  # marked by an attempt that wrote nothing (or is still in flight): take as usual
        else:
            took = _gate_call(gate.take, benefit, worker_id, place=place)
        unit = took.code
        if unit == gate.NOT_ARMED:
            benefit_reconcile(benefit_id=benefit.pk, only_if_unarmed=True)
            continue
        if unit == gate.OVER_LIMIT:
            # A retry whose idempotency marker Redis lost (restart, flush) must still get its first answer.
            twin = _replay_settled(user, key, benefit, request_hash)
            if twin is not None:
                return twin, True
            raise _over_limit(benefit)
        if unit == gate.SOLD_OUT:
            if took.claim_id is None:  # the place is ours to write
                return _waitlist(user=user, benefit=benefit, membership=membership, key=key,
                                 request_hash=request_hash, now=now, position=took.position), False
            if took.pending < 0:  # the member already has a place: that one is the answer
                queued = _existing_place(benefit, worker_id, took.claim_id)
                if queued is not None:
                    return queued, False
                continue
            if took.write:  # a batch is due and this request holds the offer's writer's lock
                _quiet(waitlist_flush, gate.tag(benefit), token=str(took.claim_id))
            return Claim(  # the answer: the claim as it will be written
                id=took.claim_id, benefit=benefit, worker=membership.worker, user=user, union=membership.union,
                status=ClaimStatus.WAITLISTED, position=took.position, units_at_claim=benefit.units,
                limit_at_claim=benefit.per_member_limit, idempotency_key=key, request_hash=request_hash,
                created_at=now), False
        # Redis gave us `unit`; from here it must end in the database or go back.
        try:
            slot = _free_slot(benefit, worker_id)
            if slot is None:
                _gate_call(gate.give_back, benefit, worker_id, unit)
                raise _over_limit(benefit)
            with _one_statement():
                claim = _new_claim(user=user, benefit=benefit, membership=membership, key=key,
                                   request_hash=request_hash, now=now, status=ClaimStatus.CONFIRMED, unit=unit,
                                   slot=slot)
            return claim, False
        except IntegrityError:
            twin = Claim.objects.filter(user=user, idempotency_key=key).first()
            if twin is not None:  # a concurrent twin of this request won: our unit goes back
                _gate_call(gate.give_back, benefit, worker_id, unit)
                return _after_key_conflict(user, key, benefit, request_hash), True
            if Claim.objects.filter(benefit=benefit, unit=unit, status__in=HOLDING).exists():
                # Redis had drifted (a unit it thought free is held): keep that unit out, undo our count, retry.
                _gate_call(gate.give_back, benefit, worker_id, None)
                continue
            _gate_call(gate.give_back, benefit, worker_id, unit)  # the member's slots are full in the database
            raise _over_limit(benefit)
        except Refused:
            raise
        except BaseException:
            _gate_call(gate.give_back, benefit, worker_id, unit)
            raise
    raise Busy()


# --- the waiting list kept in Redis until written (PostgreSQL with the gate) ------------------------------------------

# A request that gives a place writes the pending places itself when this many wait, or the oldest is this old (one
# writer per offer at a time); the beat task `settle_waitlists_task` writes what a quiet end of a release leaves;
# readers of claims settle first.
WAITLIST_BATCH = getattr(settings, "BENEFITS_WAITLIST_BATCH", 64)
WAITLIST_MAX_AGE_MS = getattr(settings, "BENEFITS_WAITLIST_MAX_AGE_MS", 1000)
_FLUSH_CHUNK = 1000


def _places_in_redis() -> bool:
    """Places are kept in Redis when claim ids can be drawn ahead (a PostgreSQL sequence) and batching is on."""
    return connection.vendor == "postgresql" and WAITLIST_BATCH > 0


class _ClaimIds:
    """Claim ids drawn from the table's sequence a hundred at a time (one query per hundred places); per process
    (a forked worker starts afresh, so two processes never hand out the same id), shared by its threads."""

    def __init__(self):
        self.pid, self.ids, self.sql = None, [], None
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            return self._next()

    def _next(self) -> int:
        if self.pid != os.getpid():
            self.pid, self.ids = os.getpid(), []
        if not self.ids:
            if self.sql is None:
                table = Claim._meta.db_table
                self.sql = (f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
                            "FROM generate_series(1, 100)")
            with connection.cursor() as cursor:
                cursor.execute(self.sql)
                self.ids = [row[0] for row in cursor.fetchall()][::-1]
        return self.ids.pop()


_claim_ids = _ClaimIds()


def _place_record(*, user, benefit, membership, key, request_hash, now):
    """(claim id, record, now in ms) for gate.take to keep a place in Redis; None when places are written at once."""
    if not _places_in_redis():
        return None
    claim_id = _claim_ids.next()
    record = json.dumps([claim_id, benefit.pk, membership.worker_id, user.pk, membership.union_id, benefit.units,
                         benefit.per_member_limit, key, request_hash, now.timestamp()], separators=(",", ":"))
    return claim_id, record, int(now.timestamp() * 1000), WAITLIST_BATCH, WAITLIST_MAX_AGE_MS


def _existing_place(benefit, worker_id: int, claim_id: int) -> Claim | None:
    """The member's place in line as Redis knows it: the claim once written (the offer's pending places are written
    first if it is not yet), if it still waits. A place Redis kept after the claim left the line (a lost update, or
    a place that could not be written) is forgotten, and None tells the caller to take again."""
    def written():
        return Claim.objects.filter(pk=claim_id, benefit=benefit).first()

    claim = written()
    if claim is None:
        _gate_call(_settle_or_raise, benefit)
        claim = written()
    if claim is None or claim.status != ClaimStatus.WAITLISTED:
        _gate_call(gate.forget_waiting, benefit, worker_id, claim_id)
        return None
    return claim


def _replay_settled(user, key: str, benefit: Benefit | None, request_hash: str, *,
                    benefit_id: int | None = None) -> Claim | None:
    """_replay, after writing the offer's pending places when the first answer may be among them."""
    benefit_id = benefit.pk if benefit is not None else benefit_id
    twin = _replay(user, key, benefit_id, request_hash)
    if twin is None and benefit is not None and _places_in_redis():
        waitlist_settle(benefit)
        twin = _replay(user, key, benefit_id, request_hash)
    return twin


def waitlist_flush(offer_tag: str, *, limit: int = _FLUSH_CHUNK, token: str = "") -> int:
    """Write the oldest `limit` pending places of one offer to the database; returns how many were read. Safe to run
    concurrently: a row already written is skipped (ON CONFLICT on the id) and Redis drops only places up to the
    highest one written, after the commit (inside an outer transaction, after its commit: if it rolls back, they
    stay pending). `token`: the caller holds the offer's writer's lock under it; released here whatever happens."""
    try:
        return _waitlist_write(offer_tag, limit=limit, token=token)
    except BaseException:
        if token:
            _quiet(gate.writer_release, offer_tag, token)
        raise


def _waitlist_write(offer_tag: str, *, limit: int, token: str) -> int:
    head = gate.pending_head(offer_tag, limit)
    if not head:
        if token:
            gate.writer_release(offer_tag, token)
        return 0
    benefit_id, _, gate_id = offer_tag.partition(".")
    with transaction.atomic():
        # The offer's row first (FOR KEY SHARE, as the foreign-key check would take it, but before any row is
        # written): a promotion holding the offer (FOR UPDATE) finishes first, or waits for this write.
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT gate_id FROM "{Benefit._meta.db_table}" WHERE id = %s FOR KEY SHARE',  # noqa: S608
                           [int(benefit_id)])
            row = cursor.fetchone()
        if row is None or row[0] != gate_id:
            if token:
                gate.writer_release(offer_tag, token)
            return 0  # another database's offer (a Redis shared by two installations): theirs to write
        columns = _place_columns(head)
        try:
            with transaction.atomic():
                hotsql.insert_columns(Claim, columns, on_conflict_skip="id")
        except IntegrityError:
            _write_one_by_one(int(benefit_id), columns)
        top = head[-1][0]
        transaction.on_commit(lambda: gate.pending_trim(offer_tag, top, token=token))
    return len(head)


def _write_one_by_one(benefit_id: int, columns: dict[str, list]) -> None:
    """A batch broke a unique rule other than the id (the member already waits in a row Redis did not know of, or
    the Idempotency-Key was used before and its marker had expired): each place on its own, and those refused are
    logged and forgotten in Redis (or replaced by the place the member already holds), so the member's next claim
    gets an answer that exists."""
    benefit = Benefit.objects.get(pk=benefit_id)
    for i in range(len(columns["id"])):
        one = {name: [values[i]] for name, values in columns.items()}
        try:
            with transaction.atomic():
                hotsql.insert_columns(Claim, one, on_conflict_skip="id")
        except IntegrityError as exc:
            log.warning("place %s of offer %s (claim %s) could not be written: %s", one["position"][0], benefit_id,
                        one["id"][0], exc)
            worker_id, claim_id = one["worker_id"][0], one["id"][0]
            held = (Claim.objects.filter(benefit=benefit, worker_id=worker_id, status=ClaimStatus.WAITLISTED)
                    .values_list("pk", "position").first())
            transaction.on_commit(lambda w=worker_id, c=claim_id, h=held: _quiet(
                gate.forget_waiting, benefit, w, c, instead=h))


_RECORD_COLUMNS = ("id", "benefit_id", "worker_id", "user_id", "union_id", "units_at_claim", "limit_at_claim",
                   "idempotency_key", "request_hash", "created_at")


def _place_columns(head: list[tuple[int, str]]) -> dict[str, list]:
    """The pending places as columns for hotsql.insert_columns (the record's order is _place_record's)."""
    rows = [json.loads(record) for _, record in head]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(_RECORD_COLUMNS)}
    columns["created_at"] = [dt.datetime.fromtimestamp(at, tz=dt.UTC) for at in columns["created_at"]]
    columns["status"] = [ClaimStatus.WAITLISTED.value] * len(rows)
    columns["position"] = [position for position, _ in head]
    return columns


def waitlist_settle(benefit: Benefit | None = None) -> int:
    """Write every place given so far (of one offer, or of all) to the database: before reading claims, and the beat
    task. Returns how many places were read."""
    if not (gate.enabled() and _places_in_redis()):
        return 0
    try:
        return _settle_or_raise(benefit)
    except redis_errors() as exc:  # Redis down: nothing can be pending that the database could get now
        log.warning("waiting list not settled, Redis unavailable: %s", exc)
        return 0


def _settle_or_raise(benefit: Benefit | None) -> int:
    tags = [gate.tag(benefit)] if benefit is not None else gate.pending_tags()
    n = 0
    for offer_tag in tags:
        if connection.in_atomic_block:
            # Places leave Redis only when the outer transaction commits: write the oldest (the next in line),
            # without the writer's lock (a writer waiting for this transaction's lock on the offer may hold it).
            n += waitlist_flush(offer_tag)
            continue
        for _attempt in range(1000):
            # One writer at a time: wait for a writer at work (its rows will be there), then write what is left.
            token = secrets.token_hex(8)
            got = waitlist_flush(offer_tag, token=token if gate.writer_acquire(offer_tag, token, wait_s=2) else "")
            n += got
            if got < _FLUSH_CHUNK:
                break
    return n


def benefit_reconcile(*, benefit_id: int, only_if_unarmed: bool = False) -> int:
    """Rebuild the offer's Redis gate from the database, after first confirming waiting members into any units the
    database shows free (units a crash lost from Redis). Returns how many were promoted."""
    if not gate.enabled():
        return 0
    promoted: list[tuple[int, int]] = []
    with transaction.atomic():
        # Lock the offer: one rebuild at a time, and no cancellation or promotion in between.
        benefit = Benefit.objects.select_for_update().filter(pk=benefit_id).first()
        if benefit is None or benefit.is_lottery:
            return 0
        if only_if_unarmed and gate.gate_is_armed(benefit):
            return 0
        now = timezone.now()
        while (unit := _free_unit(benefit)) is not None:
            claim = _promote_next(benefit, unit, now)
            if claim is None:
                break
            promoted.append((claim.pk, claim.worker_id))
        held = list(Claim.objects.filter(benefit=benefit, status__in=HOLDING).values_list("worker_id", "unit"))
        waiting = list(Claim.objects.filter(benefit=benefit, status=ClaimStatus.WAITLISTED)
                       .values_list("worker_id", "id", "position"))
        last = Claim.objects.filter(benefit=benefit).aggregate(p=Max("position"))["p"] or 0
        gate.gate_rebuild(benefit, held_units=held, waiting=waiting, last_position=last)
    for claim_id, _worker_id in promoted:
        _notify_later(claim_id)
    return len(promoted)


def benefits_reconcile_open(*, now: dt.datetime | None = None) -> int:
    """The reconcile job: every open first-come-first-served offer whose gate is armed is rebuilt."""
    if not gate.enabled():
        return 0
    now = now or timezone.now()
    n = 0
    for benefit in Benefit.objects.filter(mode=BenefitMode.FCFS, closes_at__gt=now - dt.timedelta(days=30),
                                          withdrawn_at__isnull=True):
        benefit_reconcile(benefit_id=benefit.pk)
        n += 1
    return n


# --- cancellation, expiry, waiting list -----------------------------------------------------------------------------

def _promote_next(benefit: Benefit, unit: int, now: dt.datetime) -> Claim | None:
    """Confirm the next member on the waiting list into `unit` (offer row locked by the caller)."""
    if not benefit.is_lottery:
        waitlist_settle(benefit)  # the oldest places still kept in Redis are in line too
    for _attempt in range(50):
        # Lock the next waiting row; a concurrent promoter skips it and takes the one after.
        nxt = (Claim.objects.select_for_update(skip_locked=True)
               .filter(benefit=benefit, status=ClaimStatus.WAITLISTED)
               .order_by(F("position").asc(nulls_last=True), "id").first())
        if nxt is None:
            return None
        _forget_on_commit(benefit, nxt.worker_id, nxt.pk)  # promoted or leaving the line, either way not waiting
        slot = _free_slot(benefit, nxt.worker_id)
        if slot is None:
            nxt.status, nxt.ended_at = ClaimStatus.CANCELLED, now  # already holds the limit: leaves the line
            nxt.save(update_fields=["status", "ended_at"])
            continue
        try:
            with transaction.atomic():
                nxt.status, nxt.unit, nxt.slot = ClaimStatus.CONFIRMED, unit, slot
                nxt.units_at_claim, nxt.limit_at_claim = benefit.units, benefit.per_member_limit
                nxt.nonce, nxt.confirmed_at, nxt.hold_until = secrets.token_hex(3), now, _hold_until(benefit, now)
                nxt.save()
            return nxt
        except IntegrityError:
            nxt.refresh_from_db()
            nxt.status, nxt.ended_at = ClaimStatus.CANCELLED, now
            nxt.save(update_fields=["status", "ended_at"])
    return None


def _release(claim: Claim, *, status: str, now: dt.datetime) -> Claim | None:
    """End a holding claim and hand its unit to the next in line. Call inside a transaction with the offer locked.
    Redis learns of it only after commit (so it never shows a unit free before the database does)."""
    unit, worker_id, benefit = claim.unit, claim.worker_id, claim.benefit
    claim.status, claim.ended_at = status, now
    claim.save(update_fields=["status", "ended_at"])
    promoted = _promote_next(benefit, unit, now) if now < (benefit.redeem_until or benefit.closes_at) else None
    if gate.enabled() and not benefit.is_lottery:
        if promoted is not None:
            to_id = promoted.worker_id
            transaction.on_commit(lambda: _quiet(gate.hand_over, benefit, worker_id, to_id))
        else:
            transaction.on_commit(lambda: _quiet(gate.give_back, benefit, worker_id, unit))
    if promoted is not None:
        _notify_later(promoted.pk)
    return promoted


def _forget_on_commit(benefit: Benefit, worker_id: int, claim_id: int) -> None:
    if gate.enabled() and not benefit.is_lottery:
        transaction.on_commit(lambda: _quiet(gate.forget_waiting, benefit, worker_id, claim_id))


def _quiet(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # Redis will be rebuilt by the reconcile job; the database is already right
        log.exception("Redis gate update failed; benefit_reconcile will repair it")


def claim_cancel(user, *, claim_id: int, now: dt.datetime | None = None) -> Claim:
    """The member gives up a claim or their place in line; a freed unit goes to the next on the waiting list."""
    now = now or timezone.now()
    if not Claim.objects.filter(pk=claim_id, user=user).exists():
        waitlist_settle()  # a place given a moment ago may still be kept in Redis
    with transaction.atomic(durable=True):
        benefit_id = Claim.objects.filter(pk=claim_id, user=user).values_list("benefit_id", flat=True).first()
        if benefit_id is None:
            raise NotFound(_("领取记录不存在"))
        # Lock order: the offer, then the claim.
        benefit = Benefit.objects.select_for_update().get(pk=benefit_id)
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        claim.benefit = benefit
        if claim.status == ClaimStatus.REDEEMED:
            raise Conflict(_("已核销，不能取消"), code="already_redeemed")
        if claim.status in QUEUED:
            claim.status, claim.ended_at = ClaimStatus.CANCELLED, now
            claim.save(update_fields=["status", "ended_at"])
            _forget_on_commit(benefit, claim.worker_id, claim.pk)
        elif claim.status == ClaimStatus.CONFIRMED:
            _release(claim, status=ClaimStatus.CANCELLED, now=now)
        else:
            raise Conflict(_("该记录已结束"), code="not_active")
    return claim


def holds_expire(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Confirmed claims past their hold expire; each unit goes to the next on the waiting list (beat task)."""
    now = now or timezone.now()
    due = list(Claim.objects.filter(status=ClaimStatus.CONFIRMED, hold_until__lt=now)
               .order_by("benefit_id", "id").values_list("benefit_id", "id")[:batch])
    n = 0
    for benefit_id, claim_id in due:
        with transaction.atomic(durable=True):
            benefit = Benefit.objects.select_for_update().get(pk=benefit_id)
            claim = Claim.objects.select_for_update().filter(pk=claim_id, status=ClaimStatus.CONFIRMED).first()
            if claim is None:
                continue
            claim.benefit = benefit
            _release(claim, status=ClaimStatus.EXPIRED, now=now)
            n += 1
    return n


def _notify_later(claim_id: int) -> None:
    from zhijia.benefits.tasks import notify_claim_task

    transaction.on_commit(lambda: notify_claim_task.delay(claim_id))


def claim_notify(*, claim_id: int) -> bool:
    """Tell a member their claim is confirmed (promotion from the waiting list, or a lottery win)."""
    from zhijia.accounts.sms import sms_send

    claim = Claim.objects.select_related("benefit", "worker").filter(pk=claim_id).first()
    if claim is None or claim.status != ClaimStatus.CONFIRMED or claim.notified_at:
        return False
    phone = claim.worker.phone
    if phone:
        sms_send(phone=phone, text=f"【职工之家】您已获得「{claim.benefit.title}」名额，请在“我的领取”中出示核销码。")
    Claim.objects.filter(pk=claim.pk).update(notified_at=timezone.now())
    return True


# --- lottery --------------------------------------------------------------------------------------------------------

def lottery_draw(actor=None, *, benefit_id: int, now: dt.datetime | None = None) -> Benefit:
    """Draw a lottery whose draw time has come (the beat task, or staff in scope). See lottery.py for the algorithm.
    Winners are confirmed with units 1..n in draw order; the others wait in draw order for unclaimed wins."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # Lock the offer: a draw happens once.
        benefit = Benefit.objects.select_for_update().select_related("owner_union").filter(pk=benefit_id).first()
        if benefit is None or (actor is not None and not in_scope(actor, benefit.owner_union)):
            raise NotFound(_("普惠活动不存在"))
        if actor is not None:
            require_staff(actor, roles=CREATOR_ROLES)
        if not benefit.is_lottery:
            raise Conflict(_("该活动不是抽签方式"), code="not_lottery")
        if benefit.drawn_at:
            raise Conflict(_("已开奖"), code="already_drawn")
        if now < benefit.draw_at:
            raise Conflict(_("未到开奖时间"), code="not_due")
        entrants = dict(Claim.objects.filter(benefit=benefit, status=ClaimStatus.REGISTERED)
                        .values_list("entrant_code", "id"))
        order = lottery.draw_order(benefit.seed, list(entrants))
        hold = _hold_until(benefit, now)
        _set_draw_ranks([(entrants[code], rank) for rank, code in enumerate(order, start=1)])
        winners = [Claim(pk=entrants[code], position=rank, status=ClaimStatus.CONFIRMED, unit=rank, slot=1,
                         confirmed_at=now, hold_until=hold, nonce=secrets.token_hex(3))
                   for rank, code in enumerate(order[:benefit.units], start=1)]
        Claim.objects.bulk_update(winners, ["status", "unit", "slot", "confirmed_at", "hold_until", "nonce"],
                                  batch_size=1000)
        benefit.drawn_at = now
        benefit.save(update_fields=["drawn_at"])
        audit_record(actor=actor, action="benefit.draw", obj=benefit, union=benefit.owner_union,
                     detail={"entrants": len(order), "winners": len(winners)})
        from zhijia.benefits.tasks import notify_draw_task

        transaction.on_commit(lambda: notify_draw_task.delay(benefit.pk))
    return benefit


def _set_draw_ranks(ranks: list[tuple[int, int]]) -> None:
    """Every entrant gets its draw rank and waits in that order (winners are then confirmed). On PostgreSQL one
    UPDATE ... FROM (VALUES ...) per 10,000 rows: a draw over 100,000 entrants is a few statements."""
    if connection.vendor == "postgresql":
        table = Claim._meta.db_table
        with connection.cursor() as cursor:
            for i in range(0, len(ranks), 10000):
                batch = ranks[i:i + 10000]
                values = ",".join(["(%s::bigint, %s::bigint)"] * len(batch))
                # Raw SQL: Django has no bulk UPDATE from a VALUES list; the ids come from our own query.
                cursor.execute(
                    f"UPDATE {table} AS c SET position = v.rank, status = %s FROM (VALUES {values}) AS v(id, rank) "  # noqa: S608
                    "WHERE c.id = v.id", [ClaimStatus.WAITLISTED, *[x for pair in batch for x in pair]])
        return
    Claim.objects.bulk_update([Claim(pk=pk, position=rank, status=ClaimStatus.WAITLISTED) for pk, rank in ranks],
                              ["position", "status"], batch_size=500)


def lotteries_draw_due(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    n = 0
    for benefit_id in Benefit.objects.filter(mode=BenefitMode.LOTTERY, drawn_at__isnull=True, draw_at__lte=now,
                                             withdrawn_at__isnull=True).values_list("id", flat=True):
        lottery_draw(None, benefit_id=benefit_id, now=now)
        n += 1
    return n


def draw_notify(*, benefit_id: int) -> int:
    n = 0
    for claim_id in Claim.objects.filter(benefit_id=benefit_id, status=ClaimStatus.CONFIRMED,
                                         notified_at__isnull=True).values_list("id", flat=True):
        n += claim_notify(claim_id=claim_id)
    return n


# --- redemption -----------------------------------------------------------------------------------------------------

FORGED = gettext_noop("核销码无效：签名不符，可能是伪造或输错")  # translated where raised


def claim_redeem(actor, *, code: str, place: str = "", now: dt.datetime | None = None) -> Claim:
    """核销: staff scan or type a member's code. A second use is refused, saying when and where it was first used."""
    scope = require_staff(actor)
    now = now or timezone.now()
    read = tokens.code_read(code)
    if read is None:
        raise ValidationFailed.field("code", _(FORGED), code="forged")
    claim_id, nonce = read
    with transaction.atomic(durable=True):
        # Lock the claim: of two simultaneous scans, the second sees the first's result.
        claim = (Claim.objects.select_for_update(of=("self",)).select_related("benefit__owner_union", "worker")
                 .filter(pk=claim_id).first())
        if claim is None or claim.nonce != nonce:
            raise ValidationFailed.field("code", _(FORGED), code="forged")
        if not in_scope(actor, claim.benefit.owner_union):
            raise NotFound(_("该核销码不属于本单位管辖的活动"))
        if claim.status == ClaimStatus.REDEEMED:
            when = timezone.localtime(claim.redeemed_at)
            where = claim.redeemed_place or _("未知地点")
            msg = _("该码已于 %(when)s 在 %(where)s 核销，不能重复使用") % {"when": f"{when:%Y-%m-%d %H:%M:%S}",
                                                                         "where": where}
            raise Conflict(msg, code="already_redeemed",
                           fields={"redeemed_at": when.isoformat(), "redeemed_place": where})
        if claim.status != ClaimStatus.CONFIRMED:
            raise Conflict(_("该领取%(status)s，不能核销") % {"status": _(claim.get_status_display())},
                           code="not_redeemable")
        benefit = claim.benefit
        if benefit.redeem_from and now < benefit.redeem_from:
            raise Conflict(_("尚未到核销时间（%(when)s 起）") % {"when": _month_day_time(benefit.redeem_from)},
                           code="not_yet")
        claim.status, claim.redeemed_at, claim.redeemed_by = ClaimStatus.REDEEMED, now, actor
        claim.redeemed_place = (place or benefit.redemption_place or scope.name)[:200]
        claim.save(update_fields=["status", "redeemed_at", "redeemed_by", "redeemed_place"])
        audit_record(actor=actor, action="benefit.redeem", obj=claim, union=benefit.owner_union,
                     detail={"benefit": benefit.pk, "place": claim.redeemed_place})
    return claim


def redemption_code(claim: Claim) -> str | None:
    if claim.status not in HOLDING or not claim.nonce:
        return None
    return tokens.code_issue(claim_id=claim.pk, nonce=claim.nonce)
