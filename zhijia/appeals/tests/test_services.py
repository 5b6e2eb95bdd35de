"""The closed loop through the real services: intake, dispatch, handling, callback, reopen, merge, deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from zhijia.appeals import selectors, services
from zhijia.appeals.models import Appeal, AppealEvent, DispatchRule, Notification, Status
from zhijia.core import workcalendar as wc
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db
TZ = wc.SHANGHAI


def at(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=TZ)


def walk_to(desk, appeal, status):
    """Move an appeal along the happy path until it reaches `status`."""
    h = desk.handlers[0]
    steps = [
        ("dispatched", lambda: services.appeal_dispatch(desk.agent, appeal_id=appeal.pk,
                                                        union_id=desk.city.chengguan.pk)),
        ("accepted", lambda: services.appeal_accept(h, appeal_id=appeal.pk)),
        ("in_progress", lambda: services.appeal_message_add(h, appeal_id=appeal.pk, kind="contact", text="已电话联系")),
        ("answered", lambda: services.appeal_answer(h, appeal_id=appeal.pk, answer="已协调企业支付")),
        ("closed", lambda: services.appeal_close(h, appeal_id=appeal.pk, outcome="resolved")),
    ]
    for name, step in steps:
        step()
        if name == status:
            break
    appeal.refresh_from_db()
    return appeal


def test_intake_gives_a_readable_number_and_deadlines(desk, intake):
    a = intake(received_at=at("2025-11-21 10:00"))  # a Friday
    assert a.number == "12351-20251121-00001"
    assert a.status == Status.RECEIVED
    assert a.receiving_union == desk.city.root and a.handling_union == desk.city.root
    # Ordinary: contact within 1 working day (Monday), handle within 5 (next Friday)
    assert a.respond_by == at("2025-11-24 17:30")
    assert a.resolve_by == at("2025-11-28 17:30")
    b = intake(received_at=at("2025-11-21 11:00"))
    assert b.number == "12351-20251121-00002"
    assert AppealEvent.objects.filter(appeal=a, action="receive").count() == 1


def test_urgent_case_runs_around_the_clock_over_a_weekend(intake):
    a = intake(urgency="urgent", received_at=at("2025-11-21 22:00"))  # Friday night
    assert a.respond_by == at("2025-11-22 00:00")
    assert a.resolve_by == at("2025-11-22 22:00")  # Saturday, not Monday


def test_consultation_has_two_working_days(intake):
    a = intake(category="policy", received_at=at("2025-09-30 10:00"))
    assert a.resolve_by == at("2025-10-10 17:30")  # 9 and 10 October, after the National Day break


def test_every_legal_transition_and_its_event(desk, intake):
    a = walk_to(desk, intake(), "closed")
    actions = list(a.events.values_list("action", flat=True))
    assert actions == ["receive", "dispatch", "accept", "start", "answer", "close"]
    assert a.handler in desk.handlers
    assert a.responded_at is not None
    services.appeal_callback(desk.agent, appeal_id=a.pk, resolved=False, satisfied=False, comment="钱没到")
    services.appeal_reopen(desk.worker_user, appeal_id=a.pk, reason="企业仍未支付")
    a.refresh_from_db()
    assert a.status == Status.ACCEPTED and a.reopen_count == 1 and a.handling_union == desk.city.chengguan
    assert a.resolve_by > dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("status,action", [
    ("received", "accept"), ("received", "close"), ("received", "resume"), ("dispatched", "answer"),
    ("dispatched", "close"), ("accepted", "dispatch"), ("accepted", "resume"), ("answered", "wait"),
    ("answered", "accept"), ("closed", "answer"), ("closed", "dispatch"), ("closed", "wait"),
])
def test_illegal_transitions_are_refused_and_change_nothing(desk, intake, status, action):
    a = intake()
    if status != "received":
        walk_to(desk, a, status)
    h = desk.handlers[0] if status != "received" else desk.agent
    before = a.events.count()
    calls = {
        "accept": lambda: services.appeal_accept(h, appeal_id=a.pk),
        "close": lambda: services.appeal_close(h, appeal_id=a.pk, outcome="resolved"),
        "resume": lambda: services.appeal_resume(h, appeal_id=a.pk),
        "answer": lambda: services.appeal_answer(h, appeal_id=a.pk, answer="x") if status != "received" else None,
        "dispatch": lambda: services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk),
        "wait": lambda: services.appeal_wait(h, appeal_id=a.pk, note="补材料"),
    }
    with pytest.raises((Conflict, PermissionDenied)):
        calls[action]()
    a.refresh_from_db()
    assert a.status == status
    assert a.events.count() == before


def test_callback_on_an_open_case_is_refused(desk, intake):
    a = walk_to(desk, intake(), "answered")
    with pytest.raises(Conflict) as exc:
        services.appeal_callback(desk.agent, appeal_id=a.pk, resolved=True, satisfied=True)
    assert exc.value.code == "not_closed"


def test_first_contact_resolution_by_the_agent(desk, intake):
    a = intake(category="policy")
    services.appeal_answer(desk.agent, appeal_id=a.pk, answer="入会可在App申请", close_now=True)
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.outcome == "first_contact" and a.handler == desk.agent


def test_return_once_with_a_reason_and_the_parent_redispatches(desk, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    with pytest.raises(ValidationFailed):
        services.appeal_return(desk.handlers[0], appeal_id=a.pk, reason="")
    services.appeal_return(desk.handlers[0], appeal_id=a.pk, reason="不属本街道，在良乡")
    a.refresh_from_db()
    # 首接负责 until accepted: back with the parent of the unit (房山区总工会), which re-dispatches
    assert a.status == Status.RECEIVED and a.handling_union == desk.city.fangshan and a.return_count == 1
    services.appeal_dispatch(desk.fangshan, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    with pytest.raises(Conflict) as exc:
        services.appeal_return(desk.handlers[0], appeal_id=a.pk, reason="再退")
    assert exc.value.code == "already_returned"


def test_pause_stops_the_clock(desk, intake, monkeypatch):
    a = walk_to(desk, intake(received_at=at("2025-11-17 10:00")), "in_progress")  # Monday
    resolve_by = a.resolve_by
    assert resolve_by == at("2025-11-24 17:30")
    # Waiting for the worker from Tuesday 10:00 to Wednesday 10:00: 8.5 working hours (one whole working day at
    # 09:00–17:30) stand still
    monkeypatch.setattr(services, "_now", lambda: at("2025-11-18 10:00"))
    services.appeal_wait(desk.handlers[0], appeal_id=a.pk, note="请职工补充工资条")
    monkeypatch.setattr(services, "_now", lambda: at("2025-11-19 10:00"))
    services.appeal_resume(desk.handlers[0], appeal_id=a.pk)
    a.refresh_from_db()
    assert a.status == Status.IN_PROGRESS
    assert a.resolve_by == at("2025-11-25 17:30")


def test_dispatch_rules_most_specific_wins(desk, intake):
    DispatchRule.objects.create(category=None, region_prefix="110111", handling_union=desk.city.fangshan,
                                owner_union=desk.city.root)
    services.dispatch_rule_save(desk.admin, category="wage_arrears", region_prefix="110111001",
                                handling_union_id=desk.city.chengguan.pk)
    a = intake(region_code="110111001000")
    b = intake(region_code="110111002000", category="hardship")
    services.appeal_dispatch(desk.agent, appeal_id=a.pk)
    services.appeal_dispatch(desk.agent, appeal_id=b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.handling_union == desk.city.chengguan
    assert b.handling_union == desk.city.fangshan


def test_app_intake_is_dispatched_by_rule_at_once(desk):
    services.dispatch_rule_save(desk.admin, category=None, region_prefix="110111",
                                handling_union_id=desk.city.chengguan.pk)
    a = services.appeal_create(desk.worker_user, channel="app", category="hardship", urgency="normal",
                               text="家中困难").appeal
    assert a.status == Status.DISPATCHED and a.handling_union == desk.city.chengguan
    assert a.number.startswith("APP-")


def test_round_robin_is_fair(desk, intake):
    for _ in range(9):
        a = intake()
        services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    counts = sorted(Appeal.objects.values_list("handler", flat=True))
    assert [counts.count(h.pk) for h in desk.handlers] == [3, 3, 3]


def test_least_loaded_fills_the_emptiest_handler(desk, intake):
    services.dispatch_rule_save(desk.admin, category=None, region_prefix="110111",
                                handling_union_id=desk.city.chengguan.pk, assign_mode="least_loaded")
    # handler 0 already carries two open cases
    for _ in range(2):
        a = intake()
        Appeal.objects.filter(pk=a.pk).update(handler=desk.handlers[0])
    picked = []
    for _ in range(4):
        a = intake()
        services.appeal_dispatch(desk.agent, appeal_id=a.pk)
        a.refresh_from_db()
        picked.append(a.handler_id)
    assert picked.count(desk.handlers[0].pk) == 0
    assert sorted(picked) == sorted([desk.handlers[1].pk, desk.handlers[2].pk] * 2)


def test_reminder_then_escalation_to_the_parent_unit(desk, intake):
    a = intake(received_at=at("2025-11-17 10:00"))
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    # Two hours before the response limit (Tue 17:30): a reminder to the handler
    counts = services.deadline_sweep(now=at("2025-11-18 16:00"))
    assert counts == {"reminded": 1, "escalated": 0}
    a.refresh_from_db()
    assert Notification.objects.filter(user=a.handler, appeal=a, text__contains="到达响应期限").exists()
    # Past it: escalated once to 房山区总工会, whose staff are told; a second sweep does nothing more
    assert services.deadline_sweep(now=at("2025-11-18 18:00")) == {"reminded": 0, "escalated": 1}
    assert services.deadline_sweep(now=at("2025-11-18 19:00")) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(user=desk.fangshan, appeal=a, text__startswith="督办").exists()
    assert a.events.filter(action="escalate", union=desk.city.fangshan).count() == 1
    assert selectors.appeal_list(user=desk.fangshan, overdue=True).filter(pk=a.pk).exists()


def test_waiting_cases_are_not_escalated(desk, intake, monkeypatch):
    a = walk_to(desk, intake(received_at=at("2025-11-17 10:00")), "in_progress")
    monkeypatch.setattr(services, "_now", lambda: at("2025-11-18 10:00"))
    services.appeal_wait(desk.handlers[0], appeal_id=a.pk, note="等材料")
    assert services.deadline_sweep(now=at("2025-12-30 10:00")) == {"reminded": 0, "escalated": 0}


def test_unrated_after_the_window_never_counts_as_satisfied(desk, intake):
    a = walk_to(desk, intake(), "closed")
    Appeal.objects.filter(pk=a.pk).update(closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    assert services.rating_expire_sweep() == 1
    r = selectors.rates(user=desk.admin, union_id=None, period=selectors.period_parse(None, None))
    assert r["satisfied"] == 0 and r["rated"] == 0


def test_three_rates_on_a_hand_counted_set(desk, intake):
    """Six cases handled by 城关街道 this month:
    1 closed, rated resolved+satisfied, responded in time
    2 closed, rated unresolved+unsatisfied, responded in time
    3 closed, rated resolved but unsatisfied, responded late
    4 closed, not yet rated, responded in time
    5 open, never responded (deadline passed)
    6 merged into 5: left out
    Expected: received 5, in time 3 → 60%; rated 3, resolved 2 → 66.67%; satisfied 1 → 33.33%."""
    cases = [walk_to(desk, intake(), "closed") for _ in range(4)]
    late = cases[2]
    Appeal.objects.filter(pk=late.pk).update(responded_at=late.respond_by + dt.timedelta(hours=1))
    for a, (res, sat) in zip(cases[:3], [(True, True), (False, False), (True, False)], strict=True):
        services.appeal_callback(desk.agent, appeal_id=a.pk, resolved=res, satisfied=sat)
    open_case = walk_to(desk, intake(), "accepted")
    Appeal.objects.filter(pk=open_case.pk).update(respond_by=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    dup = walk_to(desk, intake(), "accepted")
    services.appeal_merge(desk.fangshan, appeal_id=dup.pk, into_id=open_case.pk)

    r = selectors.rates(user=desk.fangshan, union_id=desk.city.chengguan.pk, period=selectors.period_parse(None, None))
    assert (r["received"], r["responded_in_time"], r["rated"], r["resolved"], r["satisfied"]) == (5, 3, 3, 2, 1)
    assert (r["response_rate"], r["resolution_rate"], r["satisfaction_rate"]) == (0.6, 0.6667, 0.3333)
    # The numbers open the cases behind them
    period = selectors.period_parse(None, None)
    assert set(selectors.rates_cases(user=desk.fangshan, union_id=desk.city.chengguan.pk, period=period,
                                     measure="satisfied").values_list("pk", flat=True)) == {cases[0].pk}
    assert selectors.rates_cases(user=desk.fangshan, union_id=None, period=period,
                                 measure="not_responded_in_time").count() == 2
    # The district's ranking rolls 城关街道 up
    ranking = selectors.rates_ranking(user=desk.fangshan, union_id=None, period=period)
    assert [(row["union_name"], row["received"]) for row in ranking] == [("城关街道总工会", 5)]


def test_a_sibling_district_sees_nothing(desk, intake):
    a = intake()
    services.appeal_dispatch(desk.agent, appeal_id=a.pk, union_id=desk.city.chengguan.pk)
    period = selectors.period_parse(None, None)
    assert selectors.appeal_list(user=desk.fangshan).filter(pk=a.pk).exists()
    assert not selectors.appeal_list(user=desk.haidian).exists()
    with pytest.raises(NotFound):
        selectors.appeal_get(user=desk.haidian, appeal_id=a.pk)
    with pytest.raises(NotFound):
        selectors.rates(user=desk.haidian, union_id=desk.city.fangshan.pk, period=period)
    assert selectors.rates(user=desk.haidian, union_id=None, period=period)["received"] == 0
    with pytest.raises(NotFound):
        services.appeal_accept(desk.haidian, appeal_id=a.pk)


def test_duplicates_are_flagged_and_merged(desk, intake):
    first = intake()
    second = intake(category="wage_arrears_platform")  # a sub-category of the same top category
    assert list(services.likely_duplicates(worker=desk.worker, category=second.category, exclude_id=second.pk)) \
        == [first]
    services.appeal_merge(desk.agent, appeal_id=second.pk, into_id=first.pk)
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first
    assert first.messages.filter(text__contains=second.number).exists()


def test_unknown_worker_is_created_from_the_id_number(desk):
    from zhijia.members.selectors import worker_find_by_phone

    a = services.appeal_create(desk.agent, channel="hotline_12351", category="policy", urgency="normal",
                               text="咨询", worker_phone="13900001111", worker_id_number="11010519491231002X",
                               worker_name="李四").appeal
    assert a.worker.name == "李四" and a.worker.birth_date == dt.date(1949, 12, 31) and a.worker.gender == "F"
    assert worker_find_by_phone("13900001111") == a.worker
    with pytest.raises(ValidationFailed) as exc:
        services.appeal_create(desk.agent, channel="hotline_12351", category="policy", urgency="normal",
                               text="咨询", worker_id_number="110105194912310021", worker_name="王五")
    assert "worker_id_number" in exc.value.fields


@pytest.mark.parametrize("field,kw", [
    ("category", {"category": "nope"}), ("channel", {"channel": "fax"}), ("text", {"text": "  "}),
    ("text", {"text": "字" * 4001}), ("urgency", {"urgency": "now"}),
])
def test_bad_input_is_refused_and_writes_nothing(desk, intake, field, kw):
    with pytest.raises(ValidationFailed) as exc:
        intake(**kw)
    assert field in exc.value.fields
    assert Appeal.objects.count() == 0


def test_limits_and_working_hours_are_data(desk, intake):
    import datetime as _dt

    # Given 城关街道 works 08:00–20:00 and ordinary wage-arrears cases must be contacted within 4 working hours
    services.working_hours_save(desk.fangshan, union_id=desk.city.chengguan.pk, start=_dt.time(8), end=_dt.time(20))
    services.time_limit_save(desk.admin, category="wage_arrears", urgency="normal", respond_amount=4,
                             respond_unit="work_hours", resolve_amount=3, resolve_unit="workdays")
    # When a grassroots agent of 城关 receives one on Friday at 18:00
    agent = desk.handlers[0]
    a = intake(actor=agent, received_at=at("2025-11-21 18:00"))
    # Then two hours count on Friday evening and two on Monday from 08:00; sub-categories inherit the limit
    assert a.respond_by == at("2025-11-24 10:00")
    assert a.resolve_by == at("2025-11-26 20:00")
    b = intake(actor=agent, category="wage_arrears_platform", received_at=at("2025-11-21 18:00"))
    assert b.respond_by == a.respond_by
    with pytest.raises(PermissionDenied):
        services.time_limit_save(desk.fangshan, category=None, urgency="normal", respond_amount=1,
                                 respond_unit="workdays", resolve_amount=1, resolve_unit="workdays")
    with pytest.raises(NotFound):
        services.working_hours_save(desk.haidian, union_id=desk.city.chengguan.pk, start=_dt.time(8),
                                    end=_dt.time(9))
