"""Demo appeals: two years of cases over the demo city's districts in realistic proportions (channels, categories,
urgency, outcomes and ratings), so the three-rates pages and rankings mean something. About 3,000 cases by default,
bulk-written; idempotent (a second run adds nothing)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from zhijia.accounts.models import Role, User
from zhijia.appeals.defaults import ensure_defaults
from zhijia.appeals.models import (
    CHANNEL_PREFIX,
    Appeal,
    AppealEvent,
    AppealNumberCounter,
    Category,
    DeliveryAttempt,
    DispatchRule,
    OutboxMessage,
    OutboxStatus,
    RatingStatus,
    Status,
    TimeLimit,
)
from zhijia.appeals.services import deadline_after
from zhijia.core import workcalendar
from zhijia.members.models import Worker
from zhijia.orgs.models import Kind, Level, Union

CHANNELS = [("hotline_12351", 45), ("hotline_12345", 20), ("app", 20), ("mailbox", 5), ("walk_in", 5),
            ("forum", 3), ("visit", 2)]
CATEGORIES = [("wage_arrears", 14), ("wage_arrears_platform", 5), ("wage_arrears_project", 3), ("labour_dispute", 8),
              ("labour_contract", 5), ("work_injury", 3), ("dismissal", 2), ("social_insurance", 12), ("policy", 15),
              ("policy_membership", 6), ("policy_benefits", 4), ("psychological", 5), ("hardship", 8), ("rights", 3),
              ("legal_aid", 2), ("suggestion", 3), ("praise", 2)]
TEXTS = {
    "wage": ["所在快递站点拖欠两个月工资，共计约{n}元，多次催要未果", "工地包工头拖欠工资{n}元，春节前急需",
             "外卖平台站点扣发配送费{n}元，不给说明"],
    "labour": ["公司未签劳动合同，想了解如何维权", "送件途中摔伤，公司不给申报工伤", "被无故辞退，未支付经济补偿"],
    "social": ["单位没有给缴纳社保，如何补缴", "灵活就业人员怎么参加医保", "新就业形态职业伤害保障怎么申请"],
    "policy": ["想了解如何加入工会", "会员普惠活动怎么报名", "户外劳动者驿站在哪里，几点开门"],
    "psychological": ["最近工作压力很大，睡不好，想找人聊聊", "与家人关系紧张，希望获得心理疏导"],
    "hardship": ["家中老人重病，生活困难，申请帮扶", "孩子上学费用困难，能否申请助学"],
    "rights": ["希望工会帮助与平台协商派单规则", "需要法律援助，申请代理劳动仲裁"],
    "suggestion": ["建议在物流园附近增设暖心驿站", "建议App增加语音提交诉求"],
    "praise": ["感谢城关街道工会帮我追回工资", "热线工作人员耐心细致，表示感谢"],
}


def _text_for(code: str, rnd: random.Random) -> str:
    key = next(k for k in TEXTS if code.startswith(k) or (k == "labour" and code in (
        "labour_dispute", "labour_contract", "work_injury", "dismissal")) or (k == "social" and code.startswith(
            "social")) or (k == "rights" and code == "legal_aid"))
    return rnd.choice(TEXTS[key]).format(n=rnd.randrange(3, 40) * 1000)


def _pick(rnd: random.Random, weighted):
    return rnd.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


@transaction.atomic
def seed(stdout, options) -> None:
    ensure_defaults(Category, TimeLimit)
    total = int(options.get("appeals", 3000) or 3000)
    if Appeal.objects.count() >= total // 2:
        stdout.write(f"  appeals: {Appeal.objects.count()} (already seeded)")
        return
    rnd = random.Random(12351)
    root = Union.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        return
    districts = list(Union.objects.filter(parent=root, level=Level.DISTRICT, kind=Kind.FEDERATION).order_by("id"))
    streets: dict[int, list[Union]] = {}
    for s in Union.objects.filter(parent__in=districts, level__in=[Level.STREET, Level.TOWNSHIP]).order_by("id"):
        streets.setdefault(s.parent_id, []).append(s)
    for d in districts:
        DispatchRule.objects.get_or_create(category=None, region_prefix=d.region_code, owner_union=root,
                                           defaults={"handling_union": d})
    agent = User.objects.filter(role=Role.HOTLINE_AGENT).order_by("id").first()
    grassroots = {u.union_id: u for u in User.objects.filter(role=Role.GRASSROOTS_STAFF)}
    workers = list(Worker.objects.order_by("id").values_list("id", "work_region_code")[:5000])
    if not workers or not districts:
        return
    cats = {c.code: c for c in Category.objects.select_related("parent")}
    limits = {(lim.category_id, lim.urgency): lim for lim in TimeLimit.objects.all()}
    # Each district performs differently, so the ranking has something to rank.
    quality = {d.pk: (rnd.uniform(0.78, 0.99), rnd.uniform(0.80, 0.97), rnd.uniform(0.85, 0.99)) for d in districts}
    now = dt.datetime.now(dt.UTC)
    counters: dict[tuple[str, dt.date], int] = {
        (c.prefix, c.day): c.last for c in AppealNumberCounter.objects.all()}
    appeals, plan = [], []
    hours = workcalendar.DEFAULT_HOURS
    for i in range(total):
        # More recent months are busier (the platform grows); office hours dominate.
        age_days = int(730 * (rnd.random() ** 1.6))
        local = (now - dt.timedelta(days=age_days)).astimezone(workcalendar.SHANGHAI).replace(
            hour=rnd.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 21]), minute=rnd.randrange(60))
        received = min(local.astimezone(dt.UTC), now - dt.timedelta(minutes=5))
        worker_id, region = workers[0] if i < 3 else rnd.choice(workers)
        district = next((d for d in districts if (region or "").startswith(d.region_code)), rnd.choice(districts))
        unit = rnd.choice(streets.get(district.pk) or [district]) if rnd.random() < 0.7 else district
        code = _pick(rnd, CATEGORIES)
        cat = cats[code]
        urgent = (code.startswith("wage") and rnd.random() < 0.35) or rnd.random() < 0.03
        urgency = "urgent" if urgent else "normal"
        lim = limits.get((cat.pk, urgency)) or limits.get((cat.parent_id, urgency)) or limits[(None, urgency)]
        channel = _pick(rnd, CHANNELS)
        day = received.astimezone(workcalendar.SHANGHAI).date()
        key = (CHANNEL_PREFIX[channel], day)
        counters[key] = counters.get(key, 0) + 1
        respond_by = deadline_after(received, lim.respond_amount, lim.respond_unit, hours)
        resolve_by = deadline_after(received, lim.resolve_amount, lim.resolve_unit, hours)
        q_resp, q_res, q_sat = quality[district.pk]
        in_time = rnd.random() < q_resp
        responded = received + (respond_by - received) * (rnd.uniform(0.1, 0.9) if in_time else rnd.uniform(1.1, 2))
        a = Appeal(number=f"{key[0]}-{day:%Y%m%d}-{counters[key]:05d}", channel=channel,
                   external_number=f"BJ12345-{day:%Y%m%d}-{i:06d}" if channel == "hotline_12345" else None,
                   category=cat, urgency=urgency, worker_id=worker_id, text=_text_for(code, rnd),
                   region_code=unit.region_code, receiving_union=root, handling_union=unit,
                   handler=grassroots.get(unit.pk), received_by=agent if channel == "hotline_12351" else None,
                   received_at=received, respond_by=respond_by, resolve_by=resolve_by,
                   respond_unit=lim.respond_unit, resolve_unit=lim.resolve_unit, rating_status=RatingStatus.PENDING)
        finished = resolve_by < now or rnd.random() < 0.4
        if responded > now:
            a.status = Status.DISPATCHED
        elif not finished:
            a.status, a.responded_at, a.accepted_at = rnd.choice([Status.ACCEPTED, Status.IN_PROGRESS,
                                                                  Status.IN_PROGRESS, Status.WAITING]), responded, \
                responded
            if a.status == Status.WAITING:
                a.paused_at = responded
        else:
            a.status, a.responded_at, a.accepted_at = Status.CLOSED, responded, received + (responded - received) / 2
            a.answered_at = min(responded + (resolve_by - responded) * rnd.uniform(0.2, 1.1), now)
            a.closed_at = a.answered_at
            a.answer = "已联系职工并协调相关单位处理，详见沟通记录。"
            a.outcome = "resolved" if rnd.random() < q_res else rnd.choice(["explained", "unresolvable"])
            roll = rnd.random()
            if roll < 0.82 and a.closed_at < now - dt.timedelta(hours=2):
                a.rating_status, a.rated_at = RatingStatus.RATED, a.closed_at + dt.timedelta(days=rnd.randrange(1, 4))
                a.rated_at = min(a.rated_at, now)
                a.rating_resolved = a.outcome == "resolved" and rnd.random() < 0.97
                a.rating_satisfied = rnd.random() < (q_sat if a.rating_resolved else 0.35)
            elif a.closed_at < now - dt.timedelta(days=7):
                a.rating_status = RatingStatus.UNRATED
        a.reminded_respond = a.escalated_respond = a.responded_at is not None and a.responded_at > respond_by
        appeals.append(a)
        plan.append(a)
    Appeal.objects.bulk_create(appeals, batch_size=1000)
    events = []
    for a in plan:
        events.append(AppealEvent(appeal=a, action="receive", from_status="", to_status=Status.RECEIVED,
                                  actor=a.received_by, actor_name=str(a.received_by or "系统"), union=root,
                                  note="受理", at=a.received_at))
        events.append(AppealEvent(appeal=a, action="dispatch", from_status=Status.RECEIVED,
                                  to_status=Status.DISPATCHED, actor_name="系统", union=root,
                                  note=f"派至{a.handling_union.name}", at=a.received_at + dt.timedelta(minutes=3)))
        if a.accepted_at:
            events.append(AppealEvent(appeal=a, action="accept", from_status=Status.DISPATCHED,
                                      to_status=Status.ACCEPTED, actor_name=str(a.handler or a.handling_union.name),
                                      union=a.handling_union, at=a.accepted_at))
        if a.status == Status.CLOSED:
            events.append(AppealEvent(appeal=a, action="answer", from_status=Status.IN_PROGRESS,
                                      to_status=Status.ANSWERED, actor_name=str(a.handler or a.handling_union.name),
                                      union=a.handling_union, note=a.answer, at=a.answered_at))
            events.append(AppealEvent(appeal=a, action="close", from_status=Status.ANSWERED, to_status=Status.CLOSED,
                                      actor_name=str(a.handler or a.handling_union.name), union=a.handling_union,
                                      at=a.closed_at))
    AppealEvent.objects.bulk_create(events, batch_size=2000)
    AppealNumberCounter.objects.bulk_create(
        [AppealNumberCounter(prefix=prefix, day=day, last=last) for (prefix, day), last in counters.items()],
        update_conflicts=True, unique_fields=["prefix", "day"], update_fields=["last"], batch_size=2000)
    _seed_outbox([a for a in plan if a.channel == "hotline_12345"][-40:], now)
    stdout.write(f"  appeals: {len(appeals)} over two years, {len(events)} events")


def _seed_outbox(appeals: list[Appeal], now: dt.datetime) -> None:
    """The 12345 delivery log: most status changes delivered, a few retrying after failures, one given up."""
    for i, a in enumerate(appeals):
        msg = OutboxMessage.objects.create(appeal=a, next_attempt_at=now, payload={
            "external_number": a.external_number, "number": a.number, "status": a.status, "action": "dispatch",
            "at": a.received_at.isoformat(), "handling_union": a.handling_union.name})
        if i % 13 == 5:
            msg.status, msg.attempts, msg.last_error = OutboxStatus.FAILED, 8, "URLError: 12345 接口超时"
            DeliveryAttempt.objects.create(message=msg, ok=False, detail=msg.last_error)
        elif i % 7 == 3:
            msg.attempts, msg.last_error = 2, "HTTP 502"
            msg.next_attempt_at = now + dt.timedelta(minutes=1)
            DeliveryAttempt.objects.create(message=msg, ok=False, detail="HTTP 502")
        else:
            msg.status, msg.attempts, msg.delivered_at = OutboxStatus.DELIVERED, 1, a.received_at
            DeliveryAttempt.objects.create(message=msg, ok=True, detail="已送达")
        msg.save()
