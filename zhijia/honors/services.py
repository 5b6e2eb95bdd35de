"""Writes of selections and honours: one use case per function, one transaction each, scope checked inside.

Who may do what:
- organisers (municipal admin, district staff) of the selection's union or above: create, configure, advance,
  add experts, resolve objections, decide quarantined votes;
- nominating unions (any staff below the organiser, inside the selection's scope): nominate, endorse self-nominations;
- material reviewers (organisers and reviewer accounts in scope): review materials against the checklist;
- experts (accounts on the selection's panel): declare conflicts, score;
- members in good standing inside the selection's scope: vote.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core import hotsql
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.honors import live
from zhijia.honors.models import (
    STAGE_ORDER,
    Candidate,
    CandidateStatus,
    Criterion,
    Expert,
    Honour,
    HonourKind,
    HonourLevel,
    MaterialReview,
    Objection,
    ObjectionStatus,
    Outcome,
    Score,
    Selection,
    Stage,
    Vote,
    VoteStatus,
)
from zhijia.honors.models import Conflict as ExpertConflict
from zhijia.members.models import Membership, MembershipStatus, Worker
from zhijia.members.selectors import current_membership, member_in_good_standing, worker_for_user
from zhijia.orgs.models import Union
from zhijia.orgs.selectors import in_scope, require_staff

ORGANISERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF)
NOMINATORS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
REVIEWERS = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.REVIEWER)
DEFAULT_CHECKLIST = ["身份信息真实完整", "事迹材料完整", "所在单位或工会推荐意见", "无违法违规及重大投诉记录"]


# --- access helpers -------------------------------------------------------------------------------------------------

def _selection_locked(selection_id: int) -> Selection:
    # Locks the selection row: stage changes and configuration edits of one selection run one at a time.
    selection = Selection.objects.select_for_update(of=("self",)).select_related("union").filter(
        pk=selection_id).first()
    if selection is None:
        raise NotFound(_("评选不存在"))
    return selection


def _organiser_selection(actor, selection_id: int, *, lock: bool = True) -> Selection:
    require_staff(actor, roles=ORGANISERS)
    selection = (_selection_locked(selection_id) if lock else
                 Selection.objects.select_related("union").filter(pk=selection_id).first())
    if selection is None or not in_scope(actor, selection.union):
        raise NotFound(_("评选不存在"))
    return selection


def _participates(actor, selection: Selection) -> bool:
    """Organisers (selection's union in scope) or units inside the selection's scope."""
    scope = require_staff(actor)
    return scope.contains(selection.union) or selection.union.contains(scope)


def _require_stage(selection: Selection, stage: str, what: str) -> None:
    if selection.stage != stage:
        raise ValidationFailed.field(
            "stage", _("%(what)s须在“%(stage)s”环节进行，当前为“%(current)s”")
            % {"what": what, "stage": _(Stage(stage).label), "current": _(Stage(selection.stage).label)},
            code="wrong_stage")


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed.field(field, _("应为数字"))
    if not result.is_finite():
        raise ValidationFailed.field(field, _("应为数字"))
    return result


# --- selections -----------------------------------------------------------------------------------------------------

@transaction.atomic
def selection_create(actor, *, title: str, votes_per_day: int = 1, year: int | None = None,
                     stages: list[str] | None = None, union_id: int | None = None, description: str = "",
                     nomination_ends_at: dt.datetime | None = None, vote_starts_at: dt.datetime | None = None,
                     vote_ends_at: dt.datetime | None = None, notice_days: int = 5,
                     checklist: list[str] | None = None, shortlist_size: int = 100, top_size: int = 10,
                     vote_weight: Decimal | float | str = Decimal("0.3"),
                     expert_weight: Decimal | float | str = Decimal("0.7"),
                     honour_kind: str = HonourKind.TITLE, honour_title: str = "",
                     honour_level: str = HonourLevel.MUNICIPAL, **fraud_rules) -> Selection:
    scope = require_staff(actor, roles=ORGANISERS)
    union = scope
    if union_id is not None:
        union = Union.objects.filter(pk=union_id).first()
        if union is None or not in_scope(actor, union):
            raise ValidationFailed.field("union", _("工会不存在或不在管辖范围内"))
    if not title.strip():
        raise ValidationFailed.field("title", _("请填写评选名称"))
    stages = list(stages) if stages else list(STAGE_ORDER)
    if any(s not in STAGE_ORDER for s in stages) or len(set(stages)) != len(stages):
        raise ValidationFailed.field("stages", _("环节名称不正确或重复"))
    if stages != [s for s in STAGE_ORDER if s in stages]:
        raise ValidationFailed.field("stages", _("环节顺序应为：%(stages)s") % {
            "stages": pgettext("list separator", "、").join(_(Stage(s).label) for s in STAGE_ORDER)})
    if stages[0] != Stage.NOMINATION or stages[-1] != Stage.FINAL:
        raise ValidationFailed.field("stages", _("评选应以推荐提名开始、以正式发布结束"))
    if not 1 <= int(votes_per_day) <= 50:
        raise ValidationFailed.field("votes_per_day", _("每人每日票数应在1到50之间"))
    vw, ew = _decimal(vote_weight, "vote_weight"), _decimal(expert_weight, "expert_weight")
    # Without one of the two scored stages the other carries the whole weight (without both, nothing is scored).
    has_vote, has_experts = Stage.PUBLIC_VOTE in stages, Stage.EXPERT_REVIEW in stages
    if not (has_vote and has_experts):
        vw, ew = Decimal(int(has_vote)), Decimal(int(has_experts))
    if vw < 0 or ew < 0 or ((has_vote or has_experts) and vw + ew != 1):
        raise ValidationFailed.field("vote_weight", _("投票权重与专家权重应为非负数且之和为1"))
    if Stage.PUBLIC_VOTE in stages:
        if vote_starts_at is None or vote_ends_at is None:
            raise ValidationFailed.field("vote_starts_at", _("请填写投票开始和结束时间"))
        if vote_ends_at <= vote_starts_at:
            raise ValidationFailed.field("vote_ends_at", _("投票结束时间应晚于开始时间"))
    if not 1 <= shortlist_size <= 10000:
        raise ValidationFailed.field("shortlist_size", _("入选人数应在1到10000之间"))
    if not 0 <= top_size <= shortlist_size:
        raise ValidationFailed.field("top_size", _("十佳人数不应超过入选人数"))
    if honour_kind not in HonourKind.values:
        raise ValidationFailed.field("honour_kind", _("荣誉类别不正确"))
    if honour_level not in HonourLevel.values:
        raise ValidationFailed.field("honour_level", _("荣誉级别不正确"))
    if not 0 <= notice_days <= 60:
        raise ValidationFailed.field("notice_days", _("公示天数应在0到60之间"))
    known = {"network_burst_limit", "device_member_limit", "new_account_hours", "lockstep_limit"}
    for key, value in fraud_rules.items():
        if key not in known:
            raise TypeError(f"unexpected argument {key}")
        if value is None:
            continue
        if not isinstance(value, int) or value < 0:
            raise ValidationFailed.field(key, _("应为非负整数（0表示不启用）"))
    items = [c.strip() for c in (checklist if checklist is not None else DEFAULT_CHECKLIST) if str(c).strip()]
    selection = Selection.objects.create(
        union=union, title=title.strip(), description=description, year=year or timezone.localdate().year,
        stages=stages, stage=Stage.NOMINATION, nomination_ends_at=nomination_ends_at,
        vote_starts_at=vote_starts_at, vote_ends_at=vote_ends_at, notice_days=notice_days,
        votes_per_day=int(votes_per_day), checklist=items[:20], shortlist_size=shortlist_size, top_size=top_size,
        vote_weight=vw, expert_weight=ew, honour_kind=honour_kind, honour_title=honour_title.strip() or title.strip(),
        honour_level=honour_level, created_by=actor,
        **{k: v for k, v in fraud_rules.items() if v is not None})
    audit_record(actor=actor, action=Action.CREATE, obj=selection, union=union)
    return selection


def _advance_guard(selection: Selection, now: dt.datetime) -> None:
    """Refuse to leave the current stage while its work is unfinished."""
    stage = selection.stage
    candidates = Candidate.objects.filter(selection=selection)
    if stage == Stage.NOMINATION:
        if not candidates.filter(status=CandidateStatus.NOMINATED).exists():
            raise ValidationFailed.field("candidates", _("尚无已推荐的候选人，不能进入下一环节"))
    elif stage == Stage.MATERIAL_REVIEW:
        waiting = candidates.filter(status=CandidateStatus.NOMINATED).count()
        if waiting:
            raise ValidationFailed.field("candidates", _("还有%(n)s名候选人未完成资料审核") % {"n": waiting})
        if not candidates.filter(status=CandidateStatus.PASSED).exists():
            raise ValidationFailed.field("candidates", _("没有通过资料审核的候选人"))
    elif stage == Stage.PUBLIC_VOTE:
        if selection.vote_ends_at and now < selection.vote_ends_at:
            raise ValidationFailed.field("vote_ends_at", _("投票尚未结束，不能进入下一环节"))
        pending = Vote.objects.filter(selection=selection, status=VoteStatus.QUARANTINED).count()
        if pending:
            raise ValidationFailed.field("quarantine", _("还有%(n)s张待复核的投票，请先复核") % {"n": pending})
    elif stage == Stage.EXPERT_REVIEW:
        missing = _missing_scores(selection)
        if missing:
            raise ValidationFailed.field("scores", _("还有%(n)s份专家评分未完成（已回避的除外）") % {"n": missing})
    elif stage == Stage.PUBLIC_NOTICE:
        if selection.notice_ends_at and now < selection.notice_ends_at:
            raise ValidationFailed.field("notice_ends_at", _("公示期尚未结束"))
        still_open = Objection.objects.filter(candidate__selection=selection, status=ObjectionStatus.OPEN).count()
        if still_open:
            raise ValidationFailed.field("objections", _("还有%(n)s条公示异议未处理") % {"n": still_open})


def _missing_scores(selection: Selection) -> int:
    """(expert, candidate) pairs not fully scored, leaving out declared conflicts."""
    criteria = Criterion.objects.filter(selection=selection).count()
    if not criteria:
        return 1
    experts = list(Expert.objects.filter(selection=selection).values_list("id", flat=True))
    if not experts:
        return 1
    passed = list(Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED)
                  .values_list("id", flat=True))
    recused = set(ExpertConflict.objects.filter(expert__selection=selection).values_list("expert_id", "candidate_id"))
    complete = set(Score.objects.filter(expert__selection=selection).values("expert_id", "candidate_id")
                   .annotate(n=Count("id")).filter(n=criteria).values_list("expert_id", "candidate_id"))
    return sum(1 for e in experts for c in passed if (e, c) not in recused and (e, c) not in complete)


@transaction.atomic
def selection_advance(actor, *, selection_id: int, at: dt.datetime | None = None) -> Selection:
    """Move a selection to its next stage, if the current stage's work is done. Under concurrent calls the row lock
    makes them run one after the other: the second sees the new stage and checks that one."""
    selection = _organiser_selection(actor, selection_id)
    now = at or timezone.now()
    following = selection.next_stage
    if following is None:
        raise ValidationFailed.field("stage", _("评选已正式发布，没有下一环节"))
    _advance_guard(selection, now)
    previous = selection.stage
    if previous == Stage.NOMINATION and Stage.MATERIAL_REVIEW not in selection.stages:
        # No material review configured: every endorsed nomination goes forward as it is.
        Candidate.objects.filter(selection=selection, status=CandidateStatus.NOMINATED).update(
            status=CandidateStatus.PASSED)
    if following == Stage.PUBLIC_VOTE:
        transaction.on_commit(lambda: live_totals_rebuild(selection_id=selection.pk))
    if following == Stage.SHORTLIST:
        _draw_shortlist(selection)
    if following == Stage.PUBLIC_NOTICE:
        if Stage.SHORTLIST not in selection.stages:
            _draw_shortlist(selection)
        selection.notice_starts_at = now
        selection.notice_ends_at = now + dt.timedelta(days=selection.notice_days)
    if following == Stage.FINAL:
        if Stage.SHORTLIST not in selection.stages and Stage.PUBLIC_NOTICE not in selection.stages:
            _draw_shortlist(selection)
        _grant_honours(selection, actor)
    selection.stage = following
    selection.save(update_fields=["stage", "notice_starts_at", "notice_ends_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=selection, union=selection.union,
                 detail={"from": previous, "to": following})
    return selection


def _draw_shortlist(selection: Selection) -> None:
    from zhijia.honors.selectors import compute_ranking

    rows = compute_ranking(selection)
    by_id = {c.pk: c for c in Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED)}
    for row in rows:
        c = by_id[row.candidate_id]
        c.rank, c.final_score = row.rank, row.final_score
        c.outcome = (Outcome.TOP if row.rank <= selection.top_size else
                     Outcome.NAMED if row.rank <= selection.shortlist_size else Outcome.NONE)
    Candidate.objects.bulk_update(by_id.values(), ["rank", "final_score", "outcome"], batch_size=1000)


def _grant_honours(selection: Selection, actor) -> None:
    listed = Candidate.objects.filter(selection=selection, status=CandidateStatus.PASSED,
                                      outcome__in=[Outcome.NAMED, Outcome.TOP], worker__isnull=False)
    Honour.objects.bulk_create([
        Honour(worker_id=c.worker_id, kind=selection.honour_kind,
               title=(f"{selection.honour_title}（十佳）" if c.outcome == Outcome.TOP else selection.honour_title),
               level=selection.honour_level, year=selection.year, union=selection.union, selection=selection,
               recorded_by=actor) for c in listed], ignore_conflicts=True)


# --- nomination and material review --------------------------------------------------------------------------------

def _next_number(selection: Selection) -> int:
    return (Candidate.objects.filter(selection=selection).aggregate(m=Max("number"))["m"] or 0) + 1


def _clean_candidate(name: str, story: str, photo_url: str) -> None:
    if not name.strip():
        raise ValidationFailed.field("name", _("请填写候选人姓名"))
    if len(story.strip()) < 10:
        raise ValidationFailed.field("story", _("请填写候选人事迹（不少于10个字）"))
    if photo_url and not photo_url.startswith(("https://", "http://", "/")):
        raise ValidationFailed.field("photo_url", _("照片地址应以 https:// 开头"))


@transaction.atomic
def candidate_nominate(actor, *, selection_id: int, name: str, union_id: int, story: str, photo_url: str = "",
                       worker_id: int | None = None, employer: str = "") -> Candidate:
    """A union inside the selection's scope (and the caller's) nominates a candidate."""
    require_staff(actor, roles=NOMINATORS)
    selection = _selection_locked(selection_id)  # numbers are handed out under the lock
    if not _participates(actor, selection):
        raise NotFound(_("评选不存在"))
    _require_stage(selection, Stage.NOMINATION, pgettext("honors stage check", "推荐提名"))
    if selection.nomination_ends_at and timezone.now() > selection.nomination_ends_at:
        raise ValidationFailed.field("nomination_ends_at", _("推荐已截止"))
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union) or not selection.union.contains(union):
        raise ValidationFailed.field("union", _("推荐工会不存在，或不在本次评选或您的管辖范围内"))
    _clean_candidate(name, story, photo_url)
    worker = None
    if worker_id is not None:
        worker = Worker.objects.filter(pk=worker_id).first()
        if worker is None:
            raise ValidationFailed.field("worker", _("职工不存在"))
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                selection=selection, number=_next_number(selection), name=name.strip(), union=union, worker=worker,
                employer=employer.strip(), story=story.strip(), photo_url=photo_url, nominated_by=actor,
                nominated_at=timezone.now(), status=CandidateStatus.NOMINATED)
    except IntegrityError:
        raise Conflict(_("该职工已是本次评选的候选人"), fields={"worker": _("该职工已是本次评选的候选人")})
    audit_record(actor=actor, action=Action.CREATE, obj=candidate, union=union)
    return candidate


@transaction.atomic
def candidate_self_nominate(actor, *, selection_id: int, story: str, photo_url: str = "",
                            employer: str = "") -> Candidate:
    """A member nominates themselves; the candidacy waits for their union's endorsement."""
    membership = member_in_good_standing(actor)
    if membership is None:
        raise ValidationFailed.field("member", _("仅在会会员可以自荐"), code="not_member")
    selection = _selection_locked(selection_id)
    if not selection.union.contains(membership.union):
        raise NotFound(_("评选不存在"))
    _require_stage(selection, Stage.NOMINATION, pgettext("honors stage check", "自荐"))
    _clean_candidate(membership.worker.name, story, photo_url)
    try:
        with transaction.atomic():
            return Candidate.objects.create(
                selection=selection, number=_next_number(selection), name=membership.worker.name,
                union=membership.union, worker=membership.worker, employer=employer.strip(), story=story.strip(),
                photo_url=photo_url, self_nominated=True, status=CandidateStatus.PENDING_ENDORSEMENT,
                nominated_by=actor, nominated_at=timezone.now())
    except IntegrityError:
        raise Conflict(_("您已是本次评选的候选人"), fields={"worker": _("您已是本次评选的候选人")})


def _candidate_locked(candidate_id: int) -> Candidate:
    candidate = (Candidate.objects.select_for_update(of=("self",)).select_related("selection__union", "union")
                 .filter(pk=candidate_id).first())
    if candidate is None:
        raise NotFound(_("候选人不存在"))
    return candidate


@transaction.atomic
def candidate_endorse(actor, *, candidate_id: int) -> Candidate:
    require_staff(actor, roles=NOMINATORS)
    candidate = _candidate_locked(candidate_id)
    if not in_scope(actor, candidate.union):
        raise NotFound(_("候选人不存在"))
    _require_stage(candidate.selection, Stage.NOMINATION, pgettext("honors stage check", "推荐"))
    if candidate.status != CandidateStatus.PENDING_ENDORSEMENT:
        raise Conflict(_("该候选人不需要推荐"), fields={"status": _("该候选人不需要推荐")})
    candidate.status, candidate.endorsed_by, candidate.endorsed_at = CandidateStatus.NOMINATED, actor, timezone.now()
    candidate.save(update_fields=["status", "endorsed_by", "endorsed_at"])
    audit_record(actor=actor, action=Action.APPROVE, obj=candidate, union=candidate.union)
    return candidate


@transaction.atomic
def candidate_review(actor, *, candidate_id: int, checks: dict[str, bool], reason: str = "") -> MaterialReview:
    """Review materials against the selection's checklist: passed only when every item is met; a candidate who does
    not pass needs a reason. A review may be revised while the selection is in material review."""
    require_staff(actor, roles=REVIEWERS)
    candidate = _candidate_locked(candidate_id)
    selection = candidate.selection
    if not in_scope(actor, selection.union):
        raise NotFound(_("候选人不存在"))
    _require_stage(selection, Stage.MATERIAL_REVIEW, pgettext("honors stage check", "资料审核"))
    if candidate.status not in (CandidateStatus.NOMINATED, CandidateStatus.PASSED, CandidateStatus.REJECTED):
        raise ValidationFailed.field("status", _("该候选人尚未被工会推荐，不能审核"))
    unknown = [k for k in checks if k not in selection.checklist]
    if unknown:
        raise ValidationFailed.field("checks", _("清单中没有此项：%(item)s") % {"item": unknown[0]})
    result = {item: bool(checks.get(item, False)) for item in selection.checklist}
    passed = all(result.values())
    reason = reason.strip()
    if not passed and not reason:
        failed = pgettext("list separator", "、").join(k for k, v in result.items() if not v)
        raise ValidationFailed.field("reason", _("未通过须填写理由（未满足：%(items)s）") % {"items": failed})
    review, _created = MaterialReview.objects.update_or_create(
        candidate=candidate, defaults={"reviewer": actor, "checks": result, "passed": passed, "reason": reason[:300]})
    candidate.status = CandidateStatus.PASSED if passed else CandidateStatus.REJECTED
    candidate.save(update_fields=["status"])
    audit_record(actor=actor, action=Action.APPROVE if passed else Action.REJECT, obj=candidate,
                 union=candidate.union, detail={"reason": reason})
    return review


# --- the public vote ------------------------------------------------------------------------------------------------

def network_of(ip: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) a client address belongs to: the unit of a network burst."""
    if not ip:
        return ""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _fraud_signals(*, selection: Selection, candidate: Candidate, worker_id: int, user, network: str,
                   device_id: str, day: dt.date, at: dt.datetime) -> list[str]:
    """The signals a vote trips. None is exact under concurrency, nor needs to be: they route votes to a reviewer,
    they do not enforce a limit. With Redis the network, same-second and clockwork counts take one pipelined round
    trip (honors.live); without it, indexed queries on the ledger."""
    signals = []
    votes = Vote.objects.filter(selection=selection)
    if live.enabled():
        net_before, step_before, earlier = live.signal_counts(
            selection_id=selection.pk, candidate_id=candidate.pk, worker_id=worker_id, network=network, at=at,
            day=day)
        earlier = [s for d, s in earlier if d < day.toordinal()][:2]
    else:
        net_before = votes.filter(network=network, cast_at__gte=at - dt.timedelta(seconds=60)).count() \
            if network and selection.network_burst_limit else 0
        second = at.replace(microsecond=0)
        step_before = votes.filter(candidate=candidate, cast_at__gte=second,
                                   cast_at__lt=second + dt.timedelta(seconds=1)).count() \
            if selection.lockstep_limit else 0
        earlier = [live.second_of_day(t) for t in votes.filter(worker_id=worker_id, day__lt=day).order_by("-day")
                   .values_list("cast_at", flat=True)[:2]]
    if selection.network_burst_limit and network and net_before >= selection.network_burst_limit:
        signals.append("network_burst")
    if selection.device_member_limit and device_id:
        others = (votes.filter(device_id=device_id, day=day).exclude(worker_id=worker_id)
                  .values("worker_id").distinct().count())
        if others >= selection.device_member_limit:
            signals.append("shared_device")
    if selection.new_account_hours and user.date_joined > at - dt.timedelta(hours=selection.new_account_hours):
        signals.append("new_account")
    if selection.lockstep_limit and step_before >= selection.lockstep_limit:
        signals.append("lockstep")
    # Clockwork: the member's votes on the two previous voting days fell at the same time of day (±2 s) as this one.
    if len(earlier) == 2 and all(abs(s - live.second_of_day(at)) <= 2 for s in earlier):
        signals.append("clockwork")
    return signals


# Marked for translation only (gettext_noop keeps the Chinese here; the console page translates them).
SIGNAL_LABELS = {"network_burst": gettext_noop("同一网段短时集中投票"),
                 "shared_device": gettext_noop("同一设备多个账号投票"),
                 "new_account": gettext_noop("新注册账号"),
                 "lockstep": gettext_noop("同一秒内集中投给同一候选人"),
                 "clockwork": gettext_noop("每天同一时刻投票（疑似脚本）")}

# One statement takes a vote from the member's allowance for the day, or takes nothing. Under concurrent votes of
# one member PostgreSQL serialises the upserts on the counter row and re-checks `used < day_limit` against the latest
# version of the row, so at most `day_limit` of them return a row; the check constraint is the backstop.
_TAKE_ALLOWANCE = """
INSERT INTO honors_votedaycounter (selection_id, worker_id, day, used, day_limit)
VALUES (%(selection)s, %(worker)s, %(day)s, 1, %(limit)s)
ON CONFLICT (selection_id, worker_id, day) DO UPDATE SET used = honors_votedaycounter.used + 1
WHERE honors_votedaycounter.used < honors_votedaycounter.day_limit
RETURNING used, day_limit
"""
# On PostgreSQL the same upsert (repeated here) and the ledger row are one statement (so one implicit transaction and
# one round trip): the vote is inserted from the upsert's returned row, so a refused vote (no row) writes nothing.
_CAST_VOTE = """
WITH taken AS (
  INSERT INTO honors_votedaycounter (selection_id, worker_id, day, used, day_limit)
  VALUES (%(selection)s, %(worker)s, %(day)s, 1, %(limit)s)
  ON CONFLICT (selection_id, worker_id, day) DO UPDATE SET used = honors_votedaycounter.used + 1
  WHERE honors_votedaycounter.used < honors_votedaycounter.day_limit
  RETURNING used, day_limit
),
ballot AS (
  INSERT INTO honors_vote (selection_id, candidate_id, worker_id, day, cast_at, status, signals, network, device_id,
                           review_note)
  SELECT %(selection)s, %(candidate)s, %(worker)s, %(day)s, %(at)s, %(status)s, %(signals)s::jsonb, %(network)s,
         %(device)s, '' FROM taken
  RETURNING id
)
SELECT taken.used, taken.day_limit, ballot.id FROM taken CROSS JOIN ballot
"""


def live_key(candidate_id: int) -> str:
    return f"honors:live:{candidate_id}"


def live_totals_bump(selection_id: int, counts: dict[int, int]) -> None:
    """Add counted votes to the live totals (after commit). Without Redis a missing cache key is rebuilt from the
    ledger."""
    if live.enabled():
        live.totals_bump(selection_id, counts)
        return
    for candidate_id, n in counts.items():
        try:
            cache.incr(live_key(candidate_id), n)
        except ValueError:
            exact = Vote.objects.filter(candidate_id=candidate_id, status=VoteStatus.COUNTED).count()
            cache.set(live_key(candidate_id), exact, timeout=None)


_VOTE_TARGET = (hotsql.Shape(Candidate, "c"), hotsql.Shape(Selection, "s"), hotsql.Shape(Union, "u"))


@lru_cache(maxsize=1)
def _vote_target_sql() -> str:
    """Candidate, selection and organising union (every column, to build the model instances), then the voter's
    admitted membership: worker id and the path of its union. Portable SQL (the embedded SQLite runs it too)."""
    mine = ("FROM members_membership m JOIN members_worker w ON w.id = m.worker_id "
            "JOIN orgs_union mu ON mu.id = m.union_id WHERE w.user_id = %s AND m.status = %s")
    return (f"SELECT {', '.join(shape.select() for shape in _VOTE_TARGET)}, "  # noqa: S608 - column names from the models
            f"(SELECT m.worker_id {mine} LIMIT 1), (SELECT mu.path {mine} LIMIT 1) "
            "FROM honors_candidate c JOIN honors_selection s ON s.id = c.selection_id "
            "JOIN orgs_union u ON u.id = s.union_id WHERE c.id = %s")


def _not_member() -> ValidationFailed:
    return ValidationFailed(_("仅在会会员可以投票，请先加入工会"), code="not_member",
                            fields={"member": _("仅在会会员可以投票")}, status=403)


def _vote_target(actor, candidate_id: int) -> tuple[Candidate, int]:
    """The candidate (with its selection and the selection's union) and the voter's admitted membership's worker, in
    one query (hand-written: the ORM spent five times the CPU of the query building and reading this one row).
    Refusals in the order of the rules: not a member, no such candidate, out of scope."""
    if not getattr(actor, "is_authenticated", False):
        raise _not_member()
    row = hotsql.fetch_one(_vote_target_sql(), [actor.pk, MembershipStatus.ADMITTED, actor.pk,
                                                 MembershipStatus.ADMITTED, candidate_id])
    if row is None:
        if member_in_good_standing(actor) is None:
            raise _not_member()
        raise NotFound(_("候选人不存在"))
    built, at = hotsql.build_all(list(_VOTE_TARGET), row)
    candidate, selection, union = built
    voter_worker_id, voter_union_path = row[at], row[at + 1]
    if voter_worker_id is None:
        raise _not_member()
    if candidate.status != CandidateStatus.PASSED:
        raise NotFound(_("候选人不存在"))
    selection.union = union
    candidate.selection = selection
    if not voter_union_path.startswith(union.path):  # Union.contains, on the path
        raise ValidationFailed(_("本次评选仅限本地区会员投票"), code="out_of_scope", status=403,
                               fields={"member": _("本次评选仅限%(union)s所属会员投票") % {"union": union.name}})
    return candidate, voter_worker_id


def _record_vote(*, selection: Selection, candidate: Candidate, worker_id: int, day: dt.date, at: dt.datetime,
                 status: str, signals: list[str], network: str, device_id: str) -> tuple[int, int, int] | None:
    """Take the allowance and write the ledger row: (used, day limit, vote id), or None when the day's votes are
    used up (then nothing is written)."""
    params = {"selection": selection.pk, "candidate": candidate.pk, "worker": worker_id, "day": day, "at": at,
              "limit": selection.votes_per_day, "status": status, "signals": json.dumps(signals),
              "network": network, "device": device_id}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CAST_VOTE, params)
            return cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:  # the embedded default: two statements, one transaction
        cursor.execute(_TAKE_ALLOWANCE, params)
        taken = cursor.fetchone()
        if taken is None:
            return None
        vote = Vote.objects.create(selection=selection, candidate=candidate, worker_id=worker_id, day=day,
                                   cast_at=at, status=status, signals=signals, network=network, device_id=device_id)
        return taken[0], taken[1], vote.pk


def vote_cast(actor, *, candidate_id: int, ip: str | None = None, device_id: str = "",
              at: dt.datetime | None = None) -> tuple[Vote, int]:
    """One vote by a member in good standing for a candidate in a selection's public vote, inside its window, within
    the day's allowance. Returns the vote (counted or quarantined) and the votes left today.

    Concurrency: the allowance is taken by one conditional upsert on the (selection, member, day) counter row (see
    _TAKE_ALLOWANCE), in the same statement as the ledger row (_CAST_VOTE), so a refused or failed vote takes nothing
    and two simultaneous votes of one member can never both pass the last allowance.

    Cost on PostgreSQL with Redis (besides the caller's authentication): one read (candidate, selection, union and
    the voter's membership), one write (allowance and ledger row; a single statement is its own transaction, so no
    BEGIN/COMMIT round trips: the function is not wrapped in transaction.atomic, and inside a caller's transaction it
    simply joins it), and two pipelined Redis round trips (the signal counts before the write; the time of day and the
    live total after commit). A device id adds the shared-device query."""
    at = at or timezone.now()
    candidate, worker_id = _vote_target(actor, candidate_id)
    selection = candidate.selection
    _require_stage(selection, Stage.PUBLIC_VOTE, pgettext("honors stage check", "投票"))
    if selection.vote_starts_at and at < selection.vote_starts_at:
        start = timezone.localtime(selection.vote_starts_at)
        raise ValidationFailed.field("vote_starts_at", _("投票尚未开始，开始时间%(start)s")
                                     % {"start": f"{start:%Y-%m-%d %H:%M}"}, code="outside_window")
    if selection.vote_ends_at and at >= selection.vote_ends_at:
        raise ValidationFailed.field("vote_ends_at", _("投票已结束"), code="outside_window")
    day = timezone.localdate(at)
    network = network_of(ip)
    device_id = (device_id or "")[:64]
    signals = _fraud_signals(selection=selection, candidate=candidate, worker_id=worker_id, user=actor,
                             network=network, device_id=device_id, day=day, at=at)
    status = VoteStatus.QUARANTINED if signals else VoteStatus.COUNTED
    counted_in_redis = live.enabled()
    try:
        taken = _record_vote(selection=selection, candidate=candidate, worker_id=worker_id, day=day, at=at,
                             status=status, signals=signals, network=network, device_id=device_id)
    except BaseException:
        if counted_in_redis:
            live.signals_give_back(selection_id=selection.pk, candidate_id=candidate.pk, network=network, at=at)
        raise
    if taken is None:
        if counted_in_redis:
            live.signals_give_back(selection_id=selection.pk, candidate_id=candidate.pk, network=network, at=at)
        per_day = {"n": selection.votes_per_day}
        raise ValidationFailed(_("今天的%(n)s票已经投完，明天再来") % per_day, code="daily_limit", status=429,
                               fields={"votes_per_day": _("每人每天最多%(n)s票，今日已用完") % per_day})
    used, limit, vote_id = taken
    vote = Vote(pk=vote_id, selection=selection, candidate=candidate, worker_id=worker_id, day=day, cast_at=at,
                status=status, signals=signals, network=network, device_id=device_id)
    counted = status == VoteStatus.COUNTED
    if counted_in_redis:
        # The vote is committed (its own statement): time of day and live total in one round trip. Inside a caller's
        # transaction the live total waits for that commit (a second round trip, tests and batch callers only).
        deferred = connection.in_atomic_block
        live.vote_recorded(selection_id=selection.pk, candidate_id=candidate.pk, worker_id=worker_id, at=at,
                           day=day, counted=counted and not deferred)
        if counted and deferred:
            transaction.on_commit(lambda: live_totals_bump(selection.pk, {candidate.pk: 1}))
    elif counted:
        transaction.on_commit(lambda: live_totals_bump(selection.pk, {candidate.pk: 1}))
    return vote, limit - used


@transaction.atomic
def votes_review(actor, *, selection_id: int, vote_ids: list[int], accept: bool, note: str = "") -> int:
    """A reviewer decides quarantined votes: accepted ones count, rejected ones stay in the ledger as rejected.
    A vote already decided is left as it is (two reviewers at once cannot count one vote twice: rows are locked)."""
    require_staff(actor, roles=REVIEWERS)
    selection = Selection.objects.select_related("union").filter(pk=selection_id).first()
    if selection is None or not in_scope(actor, selection.union):
        raise NotFound(_("评选不存在"))
    if not vote_ids:
        raise ValidationFailed.field("votes", _("请选择要复核的投票"))
    if not accept and not note.strip():
        raise ValidationFailed.field("note", _("判定无效须填写说明"))
    votes = list(Vote.objects.select_for_update().filter(selection=selection, pk__in=vote_ids,
                                                         status=VoteStatus.QUARANTINED).order_by("pk"))
    now = timezone.now()
    for v in votes:
        v.status = VoteStatus.COUNTED if accept else VoteStatus.REJECTED
        v.reviewed_by, v.reviewed_at, v.review_note = actor, now, note.strip()[:200]
    Vote.objects.bulk_update(votes, ["status", "reviewed_by", "reviewed_at", "review_note"])
    if accept and votes:
        per_candidate: dict[int, int] = {}
        for v in votes:
            per_candidate[v.candidate_id] = per_candidate.get(v.candidate_id, 0) + 1
        transaction.on_commit(lambda: live_totals_bump(selection.pk, per_candidate))
    audit_record(actor=actor, action=Action.APPROVE if accept else Action.REJECT, obj=selection,
                 union=selection.union, detail={"votes": len(votes)})
    return len(votes)


def live_totals_rebuild(*, selection_id: int) -> int:
    """Reset the live totals of a selection from the ledger (when the vote opens, and by the reconcile job)."""
    rows = dict(Vote.objects.filter(selection_id=selection_id, status=VoteStatus.COUNTED).values_list("candidate_id")
                .annotate(n=Count("id")).values_list("candidate_id", "n"))
    ids = list(Candidate.objects.filter(selection_id=selection_id).values_list("id", flat=True))
    if live.enabled():
        live.totals_replace(selection_id, {c: rows.get(c, 0) for c in ids})
    else:
        cache.set_many({live_key(c): rows.get(c, 0) for c in ids}, timeout=None)
    return len(ids)


# --- expert review --------------------------------------------------------------------------------------------------

@transaction.atomic
def criteria_set(actor, *, selection_id: int, criteria: list[dict]) -> list[Criterion]:
    """Replace the criteria (name, weight, max_score); weights must add up to 1. Refused once scoring has begun."""
    selection = _organiser_selection(actor, selection_id)
    if Score.objects.filter(candidate__selection=selection).exists():
        message = _("已有专家评分，不能再修改评审指标")
        raise Conflict(message, fields={"criteria": message})
    if not criteria:
        raise ValidationFailed.field("criteria", _("请至少设置一项评审指标"))
    cleaned, names = [], set()
    for i, item in enumerate(criteria):
        name = str(item.get("name", "")).strip()
        if not name or name in names:
            raise ValidationFailed.field(f"criteria.{i}.name", _("指标名称为空或重复"))
        names.add(name)
        weight = _decimal(item.get("weight"), f"criteria.{i}.weight")
        top = _decimal(item.get("max_score", 100), f"criteria.{i}.max_score")
        if weight <= 0 or top <= 0:
            raise ValidationFailed.field(f"criteria.{i}.weight", _("权重和满分应大于0"))
        cleaned.append(Criterion(selection=selection, name=name[:40], weight=weight, max_score=top, order=i))
    if sum(c.weight for c in cleaned) != 1:
        raise ValidationFailed.field("criteria", _("各项指标权重之和应为1"))
    Criterion.objects.filter(selection=selection).delete()
    return Criterion.objects.bulk_create(cleaned)


@transaction.atomic
def expert_add(actor, *, selection_id: int, user_id: int) -> Expert:
    from zhijia.accounts.models import User

    selection = _organiser_selection(actor, selection_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_union_staff:
        raise ValidationFailed.field("user", _("评审专家须为已登记的工作人员或评审专家账号"))
    expert, _created = Expert.objects.get_or_create(selection=selection, user=user)
    audit_record(actor=actor, action=Action.CREATE, obj=expert, union=selection.union)
    return expert


def _expert_for(actor, selection: Selection) -> Expert:
    expert = Expert.objects.filter(selection=selection, user=actor).first() if actor.is_authenticated else None
    if expert is None:
        raise PermissionDenied(_("您不是本次评选的评审专家"))
    return expert


@transaction.atomic
def conflict_declare(actor, *, candidate_id: int, reason: str) -> ExpertConflict:
    """An expert declares a conflict of interest with a candidate: their scores for the candidate, if any, are
    withdrawn and they may not score them."""
    candidate = _candidate_locked(candidate_id)
    expert = _expert_for(actor, candidate.selection)
    if not reason.strip():
        raise ValidationFailed.field("reason", _("请说明回避理由（如亲属、同事关系）"))
    conflict, _created = ExpertConflict.objects.get_or_create(expert=expert, candidate=candidate,
                                                       defaults={"reason": reason.strip()[:200]})
    Score.objects.filter(expert=expert, candidate=candidate).delete()
    return conflict


@transaction.atomic
def scores_submit(actor, *, candidate_id: int, scores: dict[str, float | int | str]) -> list[Score]:
    """An expert's scores for one candidate, one per criterion (by name), each from 0 to the criterion's maximum.
    The whole sheet is written or nothing is."""
    candidate = _candidate_locked(candidate_id)
    selection = candidate.selection
    expert = _expert_for(actor, selection)
    _require_stage(selection, Stage.EXPERT_REVIEW, pgettext("honors stage check", "专家评分"))
    if candidate.status != CandidateStatus.PASSED:
        raise ValidationFailed.field("candidate", _("该候选人未通过资料审核，不参加专家评审"))
    if ExpertConflict.objects.filter(expert=expert, candidate=candidate).exists():
        raise PermissionDenied(_("您已声明与该候选人存在利益冲突，须回避，不能评分"), code="recused",
                               fields={"expert": _("已回避，不能为该候选人评分")})
    criteria = {c.name: c for c in Criterion.objects.filter(selection=selection)}
    if not criteria:
        raise ValidationFailed.field("criteria", _("本次评选尚未设置评审指标"))
    if not isinstance(scores, dict):
        raise ValidationFailed.field("scores", _("评分格式应为 {指标: 分数}"))
    for name in scores:
        if name not in criteria:
            raise ValidationFailed.field(f"scores.{name}", _("没有名为“%(name)s”的评审指标") % {"name": name})
    for name in criteria:
        if name not in scores:
            raise ValidationFailed.field(f"scores.{name}", _("请为“%(name)s”打分") % {"name": name})
    values = {}
    for name, raw in scores.items():
        value = _decimal(raw, f"scores.{name}")
        top = criteria[name].max_score
        if not 0 <= value <= top:
            raise ValidationFailed.field(f"scores.{name}", _("“%(name)s”的分数应在0到%(max)s之间")
                                         % {"name": name, "max": f"{top.normalize():f}"}, code="out_of_range")
        values[name] = value.quantize(Decimal("0.01"))
    out = []
    for name, value in values.items():
        score, _created = Score.objects.update_or_create(expert=expert, candidate=candidate, criterion=criteria[name],
                                                  defaults={"value": value})
        out.append(score)
    return out


# --- public notice (公示) -------------------------------------------------------------------------------------------

@transaction.atomic
def objection_raise(actor, *, candidate_id: int, text: str, contact: str = "") -> Objection:
    candidate = Candidate.objects.select_related("selection").filter(pk=candidate_id).first()
    if candidate is None or candidate.outcome not in (Outcome.NAMED, Outcome.TOP) \
            or candidate.status != CandidateStatus.PASSED:
        raise NotFound(_("公示名单中没有该候选人"))
    selection = candidate.selection
    _require_stage(selection, Stage.PUBLIC_NOTICE, pgettext("honors stage check", "提出异议"))
    if selection.notice_ends_at and timezone.now() > selection.notice_ends_at:
        raise ValidationFailed.field("notice_ends_at", _("公示期已结束"))
    if len(text.strip()) < 5:
        raise ValidationFailed.field("text", _("请写明异议的事实和理由"))
    return Objection.objects.create(candidate=candidate, text=text.strip(), contact=contact.strip()[:60],
                                    raised_by=actor if getattr(actor, "is_authenticated", False) else None)


@transaction.atomic
def objection_resolve(actor, *, objection_id: int, upheld: bool, resolution: str) -> Objection:
    """Resolve an objection; an upheld one takes the candidate off the list (their place stays empty)."""
    require_staff(actor, roles=ORGANISERS)
    objection = (Objection.objects.select_for_update(of=("self",)).select_related("candidate__selection__union")
                 .filter(pk=objection_id).first())
    if objection is None or not in_scope(actor, objection.candidate.selection.union):
        raise NotFound(_("异议不存在"))
    if objection.status != ObjectionStatus.OPEN:
        raise Conflict(_("该异议已处理"), fields={"status": _("该异议已处理")})
    if not resolution.strip():
        raise ValidationFailed.field("resolution", _("请填写核查和处理意见"))
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution.strip()[:300], actor, timezone.now()
    objection.save()
    if upheld:
        candidate = objection.candidate
        candidate.status, candidate.outcome = CandidateStatus.DISQUALIFIED, Outcome.NONE
        candidate.save(update_fields=["status", "outcome"])
    audit_record(actor=actor, action=Action.UPDATE, obj=objection, union=objection.candidate.selection.union,
                 detail={"upheld": upheld})
    return objection


# --- honours --------------------------------------------------------------------------------------------------------

@transaction.atomic
def honour_record(actor, *, worker_id: int, kind: str, title: str, level: str, year: int, note: str = "") -> Honour:
    """Staff record an honour held by a worker who is a member inside their scope (e.g. a 劳模 named before the
    platform existed)."""
    scope = require_staff(actor, roles=NOMINATORS)
    worker = Worker.objects.filter(pk=worker_id).first()
    membership = current_membership(worker) if worker else None
    if worker is None or membership is None or not in_scope(actor, membership.union):
        raise ValidationFailed.field("worker", _("职工不存在或不在管辖范围内"))
    if kind not in HonourKind.values:
        raise ValidationFailed.field("kind", _("荣誉类别不正确"))
    if level not in HonourLevel.values:
        raise ValidationFailed.field("level", _("荣誉级别不正确"))
    if not 1950 <= year <= timezone.localdate().year:
        raise ValidationFailed.field("year", _("年度不正确"))
    title = title.strip() or HonourKind(kind).label
    try:
        with transaction.atomic():
            honour = Honour.objects.create(worker=worker, kind=kind, title=title[:80], level=level, year=year,
                                           union=scope, note=note.strip()[:200], recorded_by=actor)
    except IntegrityError:
        raise Conflict(_("该荣誉已登记"), fields={"title": _("该职工该年度已有此荣誉")})
    audit_record(actor=actor, action=Action.CREATE, obj=honour, union=scope)
    return honour



def worker_of(actor) -> Worker:
    worker = worker_for_user(actor)
    if worker is None:
        raise PermissionDenied(_("请先以职工身份登录"))
    return worker


def member_of_scope(selection: Selection, membership: Membership | None) -> bool:
    return bool(membership and membership.status == MembershipStatus.ADMITTED
                and selection.union.contains(membership.union))
