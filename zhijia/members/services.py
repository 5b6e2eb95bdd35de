"""Writes about workers and members: joining (兜底建), review, transfers, leaving, cards and personal-data reads.

Every public function is one use case in one transaction, takes the acting user first and checks scope itself
(orgs.selectors). Concurrency: a worker has at most one pending application and one current membership (conditional
unique constraints); two simultaneous submissions both pass the checks, one insert wins and the other gets the same
409 as a late one. Review, transfer and leave lock the rows they change (select_for_update, application/transfer
first, then membership), so two staff pressing "approve" at once admit the worker once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core import regions
from zhijia.core.crypto import keyed_hash
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, Throttled, ValidationFailed
from zhijia.core.identity import check_credit_code, normalize_phone, parse_id_number
from zhijia.members import routing
from zhijia.members.models import (
    ApplicationEvent,
    ApplicationStatus,
    CardRevocation,
    CardStatus,
    Channel,
    MemberCard,
    Membership,
    MembershipApplication,
    MembershipStatus,
    MembershipTransfer,
    RoutingRule,
    RoutingStrategy,
    TransferStatus,
    Worker,
    WorkerNotice,
    member_number_for,
)
from zhijia.orgs.models import Occupation, Union
from zhijia.orgs.selectors import in_scope, require_staff

# Staff who may apply on a worker's behalf (代办) and review applications.
APPLY_FOR_OTHERS_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF, Role.HOTLINE_AGENT)
REVIEW_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)


def _today() -> dt.date:
    return timezone.localdate()


def _notify(worker: Worker, text: str, link: str = "") -> None:
    WorkerNotice.objects.create(worker=worker, text=text[:300], link=link)


def _existing_conflict(worker: Worker) -> None:
    pending = (MembershipApplication.objects.select_related("union")
               .filter(worker=worker, status=ApplicationStatus.PENDING).first())
    if pending is not None:
        raise Conflict(_("已有待审核的入会申请（申请号 %(id)s，受理工会：%(union)s，"
                         "提交于 %(date)s），请勿重复申请") % {
                           "id": pending.pk, "union": pending.union.name,
                           "date": f"{timezone.localtime(pending.submitted_at):%Y-%m-%d}"},
                       code="application_exists",
                       fields={"id_number": _("已有待审核的入会申请 %(id)s") % {"id": pending.pk}})
    current = (Membership.objects.select_related("union")
               .filter(worker=worker, status=MembershipStatus.ADMITTED).first())
    if current is not None:
        raise Conflict(_("已是%(union)s会员（会员编号 %(number)s），如需更换工会请办理会员关系转接") % {
                           "union": current.union.name, "number": current.member_number}, code="already_member",
                       fields={"id_number": _("已是会员，会员编号 %(number)s") % {"number": current.member_number}})


def _occupation(value: str | None) -> str:
    if value not in Occupation.values:
        raise ValidationFailed.field("occupation", _("职业应为：快递员、外卖配送员、网约车司机、货车司机或其他"))
    return value


@transaction.atomic
def application_submit(actor, *, name: str, id_number: str, phone: str, occupation: str,
                       work_region_code: str | None = None, employer_credit_code: str | None = None,
                       employer_credit_code_confirmed: bool = False, employer_name: str = "",
                       lat: float | None = None, lng: float | None = None,
                       home_region_code: str | None = None) -> MembershipApplication:
    """入会申请: a worker applies for themself, or staff apply on a worker's behalf; routed at once (兜底建)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录"))
    on_behalf = actor.role != Role.WORKER
    if on_behalf:
        require_staff(actor, roles=APPLY_FOR_OTHERS_ROLES)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed.field("name", _("请填写姓名（不超过60字）"))
    facts = parse_id_number(id_number)
    phone = normalize_phone(phone)
    occupation = _occupation(occupation)
    credit = ""
    if employer_credit_code:
        credit, warning = check_credit_code(employer_credit_code)
        if warning and not employer_credit_code_confirmed:
            raise ValidationFailed(warning, code="credit_code_unconfirmed", fields={"employer_credit_code": warning})
    if work_region_code:
        code = regions.validate_region_code(work_region_code, field="work_region_code")
    elif lat is not None and lng is not None:
        code = routing.region_from_location(lat, lng)
    else:
        raise ValidationFailed.field("work_region_code", _("请选择工作地区，或允许获取所在位置"))
    home = regions.validate_region_code(home_region_code, field="home_region_code") if home_region_code else ""

    worker = Worker.objects.select_for_update().filter(id_number_hash=keyed_hash(facts.id_number)).first()
    if not on_behalf:
        own = Worker.objects.filter(user=actor).first()
        if own is not None and (worker is None or own.pk != worker.pk):
            raise ValidationFailed.field("id_number", _("身份证号与本账号登记的不一致"))
        if worker is not None and worker.user_id not in (None, actor.pk):
            raise ValidationFailed.field("id_number", _("该身份证号已绑定其他账号，请联系12351"))
    if worker is not None:
        _existing_conflict(worker)
    else:
        worker = Worker(id_number=facts.id_number, id_number_hash=keyed_hash(facts.id_number))
    worker.name, worker.phone, worker.phone_hash = name, phone, keyed_hash(phone)
    worker.gender, worker.birth_date, worker.occupation = facts.gender, facts.birth_date, occupation
    worker.employer_credit_code, worker.work_region_code = credit, code
    worker.employer_name = (employer_name or "").strip()[:120] or worker.employer_name
    worker.work_lat, worker.work_lng = lat, lng
    worker.home_region_code = home or worker.home_region_code
    if not on_behalf and worker.user_id is None:
        worker.user = actor
    try:
        with transaction.atomic():
            worker.save()
    except IntegrityError:
        # The same person was registered by a simultaneous request (unique keyed hash): answer as for a duplicate.
        existing = Worker.objects.filter(id_number_hash=worker.id_number_hash).first()
        if existing is not None:
            _existing_conflict(existing)
        raise Conflict(_("该身份证号的入会申请正在提交，请勿重复提交"), code="application_exists")

    route = routing.route(routing.RouteInput(work_region_code=code, occupation=occupation,
                                             employer_credit_code=credit))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(worker=worker, union=route.union, status=MembershipStatus.APPLIED)
            application = MembershipApplication.objects.create(
                worker=worker, union=route.union, membership=membership,
                channel=Channel.STAFF if on_behalf else Channel.APP, routing_reason=route.reason,
                routing_rule=route.rule, occupation=occupation, work_region_code=code, employer_credit_code=credit,
                submitted_by=actor)
    except IntegrityError:
        # A simultaneous submission for the same worker won the constraint: answer as for a late duplicate.
        _existing_conflict(worker)
        raise Conflict(_("已有待审核的入会申请，请勿重复申请"), code="application_exists")
    ApplicationEvent.objects.create(application=application, actor=actor, kind="submitted", note=route.reason)
    if on_behalf:
        audit_record(actor=actor, action=Action.CREATE, obj=application, union=route.union,
                     detail={"channel": "staff"})
    return application


def _application_for_review(actor, application_id: int) -> MembershipApplication:
    require_staff(actor, roles=REVIEW_ROLES)
    application = (MembershipApplication.objects.select_for_update(of=("self",))
                   .select_related("union", "worker").filter(pk=application_id).first())
    if application is None or not in_scope(actor, application.union):
        raise NotFound(_("入会申请不存在"))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("该申请已处理（%(status)s）") % {"status": application.get_status_display()},
                       code="already_decided")
    return application


@transaction.atomic
def application_approve(actor, *, application_id: int) -> MembershipApplication:
    """Admit: the applied membership becomes admitted with a member number; the worker's e-card is then issued."""
    application = _application_for_review(actor, application_id)
    membership = Membership.objects.select_for_update().select_related("union").get(pk=application.membership_id)
    membership.status, membership.joined_on, membership.union = MembershipStatus.ADMITTED, _today(), application.union
    membership.member_number = member_number_for(membership)
    membership.save(update_fields=["status", "joined_on", "union", "member_number", "updated_at"])
    application.status, application.decided_by, application.decided_at = (ApplicationStatus.APPROVED, actor,
                                                                           timezone.now())
    application.save(update_fields=["status", "decided_by", "decided_at"])
    ApplicationEvent.objects.create(application=application, actor=actor, kind="approved")
    _card_issue(actor, membership, generation=1, reason="入会发卡")
    _notify(application.worker, f"您的入会申请已通过，欢迎加入{application.union.name}！会员编号 "
                                f"{membership.member_number}，电子会员卡已生成。", link="/w/members/card/")
    audit_record(actor=actor, action=Action.APPROVE, obj=application, union=application.union,
                 detail={"member_number": membership.member_number})
    return application


@transaction.atomic
def application_reject(actor, *, application_id: int, reason: str) -> MembershipApplication:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写驳回理由"))
    if len(reason) > 200:
        raise ValidationFailed.field("reason", _("驳回理由不超过200字"))
    application = _application_for_review(actor, application_id)
    membership_id = application.membership_id
    application.status, application.decided_by, application.decided_at = (ApplicationStatus.REJECTED, actor,
                                                                           timezone.now())
    application.reject_reason, application.membership = reason, None
    application.save(update_fields=["status", "decided_by", "decided_at", "reject_reason", "membership"])
    # The applied membership never became one: remove it so the worker may apply again.
    Membership.objects.filter(pk=membership_id, status=MembershipStatus.APPLIED).delete()
    ApplicationEvent.objects.create(application=application, actor=actor, kind="rejected", note=reason)
    _notify(application.worker, f"您的入会申请未通过：{reason}。如有疑问请致电12351。", link="/w/members/join/")
    audit_record(actor=actor, action=Action.REJECT, obj=application, union=application.union,
                 detail={"reason": reason})
    return application


@transaction.atomic
def application_reroute(actor, *, application_id: int, union_id: int, reason: str) -> MembershipApplication:
    """改派: send a pending application to another union (which may lie outside the caller's subtree)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写改派理由"))
    application = _application_for_review(actor, application_id)
    target = Union.objects.filter(pk=union_id).first()
    if target is None:
        raise ValidationFailed.field("union", _("目标工会不存在"))
    if target.pk == application.union_id:
        raise ValidationFailed.field("union", _("目标工会与当前受理工会相同"))
    old = application.union
    application.union = target
    application.routing_reason += f"\n{timezone.localtime():%Y-%m-%d %H:%M} 由{old.name}改派至{target.name}：{reason}。"
    application.save(update_fields=["union", "routing_reason"])
    Membership.objects.filter(pk=application.membership_id).update(union=target, updated_at=timezone.now())
    ApplicationEvent.objects.create(application=application, actor=actor, kind="rerouted",
                                    note=f"{old.name} → {target.name}：{reason}")
    audit_record(actor=actor, action=Action.UPDATE, obj=application, union=old,
                 detail={"reroute_from": old.pk, "reroute_to": target.pk, "reason": reason})
    return application


# --- Routing rules ----------------------------------------------------------------------------------------------


@transaction.atomic
def routing_rule_save(actor, *, rule_id: int | None = None, name: str, strategy: str, priority: int,
                      match_region_prefix: str = "", match_occupation: str = "", target_union_id: int | None = None,
                      is_active: bool = True) -> RoutingRule:
    """Add or change a routing step. Municipal and district staff only; a fixed target must be in their subtree."""
    scope = require_staff(actor, roles=(Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF))
    rule = RoutingRule() if rule_id is None else RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("分派规则不存在"))
    if strategy not in RoutingStrategy.values:
        raise ValidationFailed.field("strategy", _("分派方式不正确"))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", _("请填写规则名称"))
    if match_region_prefix and not (match_region_prefix.isdigit() and len(match_region_prefix) <= 12):
        raise ValidationFailed.field("match_region_prefix", _("地区代码前缀应为数字"))
    if match_occupation and match_occupation not in Occupation.values:
        raise ValidationFailed.field("match_occupation", _("职业不正确"))
    target = None
    if strategy == RoutingStrategy.FIXED:
        target = Union.objects.filter(pk=target_union_id).first() if target_union_id else None
        if target is None or not in_scope(actor, target):
            raise ValidationFailed.field("target_union", _("请选择本级或下级的指定工会"))
    if actor.role != Role.MUNICIPAL_ADMIN:
        # A district edits only rules confined to its own region.
        own = Union.objects.get(pk=scope.pk).region_code[:6]
        if not match_region_prefix.startswith(own) or (rule.pk and not rule.match_region_prefix.startswith(own)):
            raise PermissionDenied(_("区级只能维护本区范围（地区代码前缀以本区代码开头）的分派规则"))
    rule.name, rule.strategy, rule.priority = name[:80], strategy, max(0, int(priority))
    rule.match_region_prefix, rule.match_occupation, rule.target_union = match_region_prefix, match_occupation, target
    rule.is_active, rule.updated_by = bool(is_active), actor
    rule.save()
    audit_record(actor=actor, action=Action.UPDATE if rule_id else Action.CREATE, obj=rule, union=scope)
    return rule


# --- Transfers and leaving ---------------------------------------------------------------------------------------


def _sides(actor, transfer: MembershipTransfer) -> tuple[bool, bool]:
    if not getattr(actor, "is_union_staff", False):
        return False, False
    return in_scope(actor, transfer.from_union), in_scope(actor, transfer.to_union)


@transaction.atomic
def transfer_request(actor, *, membership_id: int | None = None, to_union_id: int, reason: str = "",
                     id_number: str | None = None) -> MembershipTransfer:
    """会员关系转接: asked by the member (for their own membership) or by staff of either union. The asking side's
    confirmation is given by asking; the other side confirms with transfer_confirm. The receiving union, which cannot
    see the member yet, names them by the exact ID number (found through the keyed hash; the request is audited)."""
    if actor.role == Role.WORKER:
        membership = (Membership.objects.select_for_update().select_related("union", "worker")
                      .filter(worker__user=actor, status=MembershipStatus.ADMITTED).first())
        if membership is None or (membership_id is not None and membership.pk != membership_id):
            raise NotFound(_("没有可转接的会籍"))
    else:
        require_staff(actor, roles=REVIEW_ROLES)
        qs = Membership.objects.select_for_update().select_related("union", "worker")
        if membership_id is None and id_number:
            facts = parse_id_number(id_number)
            qs = qs.filter(worker__id_number_hash=keyed_hash(facts.id_number))
            if not qs.filter(status=MembershipStatus.ADMITTED).exists():
                raise ValidationFailed.field("id_number", _("该身份证号没有在会的会籍，无法转接"
                                                            "（未入会的职工请直接申请入会）"))
        else:
            qs = qs.filter(pk=membership_id)
        membership = qs.filter(status=MembershipStatus.ADMITTED).first()
    target = Union.objects.filter(pk=to_union_id).first()
    if target is None:
        raise ValidationFailed.field("to_union", _("转入工会不存在"))
    if membership is None:
        raise NotFound(_("会籍不存在"))
    transfer = MembershipTransfer(membership=membership, from_union=membership.union, to_union=target,
                        reason=(reason or "").strip()[:200], requested_by=actor)
    from_side, to_side = _sides(actor, transfer)
    if actor.role != Role.WORKER and not (from_side or to_side):
        raise NotFound(_("会籍不存在"))
    if target.pk == membership.union_id:
        raise ValidationFailed.field("to_union", _("转入工会与当前所在工会相同"))
    now = timezone.now()
    if from_side:
        transfer.from_confirmed_by, transfer.from_confirmed_at = actor, now
    if to_side:
        transfer.to_confirmed_by, transfer.to_confirmed_at = actor, now
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise Conflict(_("该会员已有待确认的转接"), code="transfer_exists")
    if transfer.from_confirmed_at and transfer.to_confirmed_at:
        _transfer_complete(actor, transfer)
    audit_record(actor=actor, action=Action.CREATE, obj=transfer, union=membership.union,
                 detail={"to_union": target.pk})
    return transfer


def _transfer_complete(actor, transfer: MembershipTransfer) -> None:
    old = transfer.membership
    old.status, old.ended_on, old.end_reason = MembershipStatus.TRANSFERRED_OUT, _today(), f"转入{transfer.to_union}"
    old.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    new = Membership.objects.create(worker=old.worker, union=transfer.to_union, status=MembershipStatus.ADMITTED,
                                    joined_on=_today(), transferred_from=old)
    new.member_number = member_number_for(new)
    new.save(update_fields=["member_number"])
    _card_issue(actor, new, generation=1, reason="会员关系转接发卡")
    _cards_revoke_all(actor, old, reason="会员关系转接")
    transfer.status, transfer.new_membership, transfer.completed_at = TransferStatus.COMPLETED, new, timezone.now()
    transfer.save(update_fields=["status", "new_membership", "completed_at"])
    _notify(old.worker, f"您的会员关系已由{transfer.from_union.name}转入{transfer.to_union.name}，"
                        f"新会员编号 {new.member_number}，电子会员卡已更新。", link="/w/members/card/")


def _transfer_locked(actor, transfer_id: int) -> tuple[MembershipTransfer, bool, bool]:
    require_staff(actor, roles=REVIEW_ROLES)
    transfer = (MembershipTransfer.objects.select_for_update(of=("self",)).select_related("from_union", "to_union")
                .filter(pk=transfer_id).first())
    if transfer is None:
        raise NotFound(_("转接不存在"))
    from_side, to_side = _sides(actor, transfer)
    if not (from_side or to_side):
        raise NotFound(_("转接不存在"))
    if transfer.status != TransferStatus.PENDING:
        raise Conflict(_("该转接已处理（%(status)s）") % {"status": transfer.get_status_display()},
                       code="already_decided")
    return transfer, from_side, to_side


@transaction.atomic
def transfer_confirm(actor, *, transfer_id: int) -> MembershipTransfer:
    transfer, from_side, to_side = _transfer_locked(actor, transfer_id)
    now = timezone.now()
    if from_side and not transfer.from_confirmed_at:
        transfer.from_confirmed_by, transfer.from_confirmed_at = actor, now
    if to_side and not transfer.to_confirmed_at:
        transfer.to_confirmed_by, transfer.to_confirmed_at = actor, now
    transfer.save(update_fields=["from_confirmed_by", "from_confirmed_at", "to_confirmed_by", "to_confirmed_at"])
    if transfer.from_confirmed_at and transfer.to_confirmed_at:
        transfer.membership = Membership.objects.select_for_update().select_related("worker").get(
            pk=transfer.membership_id)
        if transfer.membership.status != MembershipStatus.ADMITTED:
            raise Conflict(_("该会籍已不在会，无法转接"), code="not_admitted")
        _transfer_complete(actor, transfer)
    audit_record(actor=actor, action=Action.APPROVE, obj=transfer, union=transfer.from_union)
    return transfer


@transaction.atomic
def transfer_refuse(actor, *, transfer_id: int, reason: str) -> MembershipTransfer:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写拒绝理由"))
    transfer, _from_side, _to_side = _transfer_locked(actor, transfer_id)
    transfer.status, transfer.refuse_reason = TransferStatus.REFUSED, reason[:200]
    transfer.save(update_fields=["status", "refuse_reason"])
    _notify(transfer.membership.worker, f"您申请的会员关系转接（转入{transfer.to_union.name}）未获同意：{reason}")
    audit_record(actor=actor, action=Action.REJECT, obj=transfer, union=transfer.from_union,
                 detail={"reason": reason})
    return transfer


@transaction.atomic
def membership_leave(actor, *, membership_id: int | None = None, reason: str = "") -> Membership:
    """退会: by the member themself, or by staff of the member's union. Revokes the e-card."""
    qs = Membership.objects.select_for_update(of=("self",)).select_related("union", "worker")
    if actor.role == Role.WORKER:
        membership = qs.filter(worker__user=actor, status=MembershipStatus.ADMITTED).first()
    else:
        require_staff(actor, roles=REVIEW_ROLES)
        membership = qs.filter(pk=membership_id, status=MembershipStatus.ADMITTED).first()
        if membership is not None and not in_scope(actor, membership.union):
            membership = None
    if membership is None:
        raise NotFound(_("会籍不存在"))
    membership.status, membership.ended_on = MembershipStatus.LEFT, _today()
    membership.end_reason = (reason or "").strip()[:200] or "本人申请退会"
    membership.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    MembershipTransfer.objects.filter(membership=membership, status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED)
    _cards_revoke_all(actor, membership, reason="退会")
    _notify(membership.worker, f"您已退出{membership.union.name}。")
    audit_record(actor=actor, action=Action.UPDATE, obj=membership, union=membership.union,
                 detail={"left": True, "reason": membership.end_reason})
    return membership


# --- Cards and personal data ------------------------------------------------------------------------------------


# 电子会员卡. Every card is a MemberCard row (serial = member number + generation). Writes lock the membership row
# first (select_for_update), so two re-issues of the same card at once run one after the other; the conditional unique
# constraint "one active card per membership" holds whatever happens.

REISSUE_REASONS = {"lost": "手机丢失或更换", "compromised": "二维码被他人使用或泄露", "damaged": "卡面信息有误",
                   "other": "其他"}


def _card_end(actor, card: MemberCard, *, status: str, reason: str) -> None:
    """End one card; a replaced or revoked card goes on the revocation list (an expired one needs not)."""
    card.status, card.ended_at, card.end_reason = status, timezone.now(), reason[:100]
    card.save(update_fields=["status", "ended_at", "end_reason"])
    if status != CardStatus.EXPIRED:
        CardRevocation.objects.get_or_create(member_number=card.member_number, generation=card.generation,
                                             defaults={"reason": reason[:100], "revoked_by": actor})


def _card_issue(actor, membership: Membership, *, generation: int, reason: str) -> MemberCard:
    now = timezone.now()
    return MemberCard.objects.create(
        membership=membership, member_number=membership.member_number, generation=generation,
        issued_at=now.replace(microsecond=0), issue_reason=reason[:100],
        expires_on=timezone.localdate(now) + dt.timedelta(days=settings.CARD_VALID_DAYS),
        issued_by=actor if getattr(actor, "is_authenticated", False) else None)


def _cards_revoke_all(actor, membership: Membership, *, reason: str) -> None:
    """Leaving or moving: the active card is revoked. A membership that never opened its card page has no rows,
    but a token of generation 1 may exist from before cards had rows: its serial is revoked too."""
    if not membership.member_number:
        return
    active = MemberCard.objects.select_for_update().filter(membership=membership, status=CardStatus.ACTIVE).first()
    if active is not None:
        _card_end(actor, active, status=CardStatus.REVOKED, reason=reason)
    elif not MemberCard.objects.filter(membership=membership).exists():
        CardRevocation.objects.get_or_create(member_number=membership.member_number, generation=1,
                                             defaults={"reason": reason[:100], "revoked_by": actor})


def _card_membership(actor, membership_id: int | None) -> Membership:
    """The admitted membership whose card the actor may handle, locked: the member themself, or reviewers in scope."""
    qs = Membership.objects.select_for_update(of=("self",)).select_related("union", "worker")
    if getattr(actor, "role", None) == Role.WORKER:
        membership = qs.filter(worker__user=actor, status=MembershipStatus.ADMITTED).first()
        if membership is None or (membership_id is not None and membership.pk != membership_id):
            raise NotFound(_("您还不是在会会员"))
        return membership
    require_staff(actor, roles=REVIEW_ROLES)
    membership = qs.filter(pk=membership_id).first()
    if membership is None or not in_scope(actor, membership.union):
        raise NotFound(_("会籍不存在"))
    if membership.status != MembershipStatus.ADMITTED or not membership.member_number:
        raise Conflict(_("该会员不在会，没有可用的电子会员卡"), code="not_admitted")
    return membership


@transaction.atomic
def card_current(actor, *, membership_id: int | None = None) -> MemberCard:
    """The member's card as it stands: issued on first use (generation 1), renewed when it has expired, left as it
    is when staff revoked it (then only staff re-issue). Idempotent; the latest generation is returned."""
    membership = _card_membership(actor, membership_id)
    latest = MemberCard.objects.filter(membership=membership).order_by("-generation").first()
    if latest is None:
        # Generation 1 may have been revoked before cards had rows (a legacy token); start after it then.
        revoked_first = CardRevocation.objects.filter(member_number=membership.member_number, generation=1).exists()
        return _card_issue(actor, membership, generation=2 if revoked_first else 1,
                           reason="入会发卡" if not revoked_first else "补发（旧卡已注销）")
    if latest.status == CardStatus.ACTIVE and latest.expires_on < timezone.localdate():
        _card_end(actor, latest, status=CardStatus.EXPIRED, reason="到期换发")
        return _card_issue(actor, membership, generation=latest.generation + 1, reason="到期换发")
    return latest


@transaction.atomic
def card_reissue(actor, *, membership_id: int | None = None, reason: str, note: str = "") -> MemberCard:
    """补发: a new card (next generation) for a lost phone or a QR someone else has used; the old card's serial goes on
    the revocation list at once, so its QR verifies as revoked everywhere, offline scanners once they refresh the
    list. The member may do it themself (at most CARD_REISSUE_DAILY_LIMIT a day; not after staff revoked the card);
    reviewers in scope may do it for any admitted member (also to restore a revoked card). Audited."""
    if reason not in REISSUE_REASONS:
        raise ValidationFailed.field("reason", _("请选择补发原因：手机丢失或更换、二维码被他人使用或泄露、"
                                                 "卡面信息有误或其他"))
    note = (note or "").strip()
    if reason == "other" and not note:
        raise ValidationFailed.field("note", _("原因为“其他”时请填写说明"))
    membership = _card_membership(actor, membership_id)
    by_member = actor.role == Role.WORKER
    cards_qs = MemberCard.objects.select_for_update().filter(membership=membership)
    latest = cards_qs.order_by("-generation").first()
    if by_member:
        if latest is not None and latest.status == CardStatus.REVOKED:
            raise Conflict(_("您的电子会员卡已被工会注销，请联系所在工会办理"), code="card_revoked")
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        today = cards_qs.filter(issued_at__gte=start, generation__gt=1).count()
        if today >= settings.CARD_REISSUE_DAILY_LIMIT:
            raise Throttled(_("今天已补发%(n)s次，请明天再试或联系所在工会") % {"n": today}, code="reissue_limit")
    text = REISSUE_REASONS[reason] + (f"：{note[:60]}" if note else "")
    if latest is None:
        # No row yet: the card shown so far (if any) was generation 1, signed before rows existed.
        CardRevocation.objects.get_or_create(member_number=membership.member_number, generation=1,
                                             defaults={"reason": f"补发：{text}"[:100], "revoked_by": actor})
        old_serial, generation = f"{membership.member_number}-1", 2
    else:
        if latest.status == CardStatus.ACTIVE:
            _card_end(actor, latest, status=CardStatus.REPLACED, reason=f"补发：{text}")
        old_serial, generation = latest.serial, latest.generation + 1
    card = _card_issue(actor, membership, generation=generation, reason=f"补发：{text}")
    audit_record(actor=actor, action=Action.UPDATE, obj=membership, union=membership.union,
                 detail={"card_reissued": card.serial, "revoked": old_serial, "reason": text,
                         "by": "member" if by_member else "staff"})
    if not by_member:
        _notify(membership.worker, f"工会已为您补发电子会员卡（原因：{text}），旧卡二维码已作废。",
                link="/w/members/card/")
    return card


@transaction.atomic
def card_revoke(actor, *, membership_id: int, reason: str) -> CardRevocation:
    """注销: staff revoke the member's card without a replacement (misuse); only staff can re-issue it then."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("请填写注销理由"))
    require_staff(actor, roles=REVIEW_ROLES)
    exists = Membership.objects.filter(pk=membership_id).select_related("union").first()
    if exists is None or not in_scope(actor, exists.union) or not exists.member_number:
        raise NotFound(_("会籍不存在"))
    membership = Membership.objects.select_for_update(of=("self",)).select_related("union").get(pk=membership_id)
    if membership.status != MembershipStatus.ADMITTED:
        raise Conflict(_("该会员已不在会，会员卡已随退会或转出注销"), code="not_admitted")
    latest = MemberCard.objects.select_for_update().filter(membership=membership).order_by("-generation").first()
    if latest is None:
        latest = _card_issue(actor, membership, generation=1, reason="入会发卡")
    if latest.status != CardStatus.ACTIVE:
        raise Conflict(_("该会员卡已注销"), code="already_revoked")
    _card_end(actor, latest, status=CardStatus.REVOKED, reason=reason)
    audit_record(actor=actor, action=Action.UPDATE, obj=membership, union=membership.union,
                 detail={"card_revoked": latest.serial, "reason": reason})
    return CardRevocation.objects.get(member_number=latest.member_number, generation=latest.generation)


@transaction.atomic
def worker_pii_reveal(actor, *, worker_id: int, ip: str | None = None) -> Worker:
    """Unmasked ID number and phone for a role allowed to see them; each look is written to the audit log."""
    scope = require_staff(actor)
    if not actor.may_see_pii:
        raise PermissionDenied(_("当前角色不能查看完整个人信息"))
    worker = Worker.objects.filter(pk=worker_id, memberships__union__path__startswith=scope.path).distinct().first()
    if worker is None:
        worker = Worker.objects.filter(pk=worker_id, applications__union__path__startswith=scope.path).first()
    if worker is None:
        raise NotFound(_("职工不存在"))
    membership = worker.memberships.select_related("union").order_by("-id").first()
    audit_record(actor=actor, action=Action.VIEW_PII, obj=worker, union=membership.union if membership else scope,
                 ip=ip, detail={"fields": ["id_number", "phone"]})
    return worker
