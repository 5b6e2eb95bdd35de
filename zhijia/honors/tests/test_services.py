"""Selections through the services: stage order and permissions, the vote's rules and fraud signals, expert scoring
with a trimmed mean and weights checked against a hand-computed set, ties, the public notice, honours, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhijia.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from zhijia.honors import selectors, services
from zhijia.honors.models import (
    Candidate,
    CandidateStatus,
    Honour,
    Outcome,
    Stage,
    Vote,
    VoteDayCounter,
    VoteStatus,
)
from zhijia.honors.scoring import Row, rank_rows, trimmed_mean
from zhijia.honors.tests.conftest import STORY
from zhijia.members.models import Worker

# --- stage order and permissions ------------------------------------------------------------------------------------


def test_stages_run_in_order_and_each_waits_for_its_work(city, make_staff, member):
    staff = make_staff("fs", city.fangshan)
    now = timezone.now()
    s = services.selection_create(staff, title="最美出租汽车司机", votes_per_day=1,
                                  vote_starts_at=now - dt.timedelta(hours=1), vote_ends_at=now + dt.timedelta(days=1))
    assert s.stages == [st.value for st in Stage] and s.stage == Stage.NOMINATION
    # Given no candidate, when advancing, then it is refused and names why.
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk)
    assert "candidates" in e.value.fields
    a = services.candidate_nominate(staff, selection_id=s.pk, name="马玉芬", union_id=city.chengguan.pk, story=STORY)
    b = services.candidate_nominate(staff, selection_id=s.pk, name="王建生", union_id=city.couriers.pk, story=STORY)
    assert services.selection_advance(staff, selection_id=s.pk).stage == Stage.MATERIAL_REVIEW
    # Nominations are closed once review began.
    with pytest.raises(ValidationFailed) as e:
        services.candidate_nominate(staff, selection_id=s.pk, name="迟到者", union_id=city.chengguan.pk, story=STORY)
    assert e.value.fields == {"stage": e.value.message}
    services.candidate_review(staff, candidate_id=a.pk, checks=dict.fromkeys(s.checklist, True))
    with pytest.raises(ValidationFailed, match="1名候选人未完成资料审核"):
        services.selection_advance(staff, selection_id=s.pk)
    # A candidate who fails an item needs a reason.
    checks = dict.fromkeys(s.checklist, True) | {s.checklist[1]: False}
    with pytest.raises(ValidationFailed) as e:
        services.candidate_review(staff, candidate_id=b.pk, checks=checks)
    assert "reason" in e.value.fields and s.checklist[1] in e.value.message
    services.candidate_review(staff, candidate_id=b.pk, checks=checks, reason="事迹材料缺少单位证明")
    assert Candidate.objects.get(pk=b.pk).status == CandidateStatus.REJECTED
    assert services.selection_advance(staff, selection_id=s.pk).stage == Stage.PUBLIC_VOTE
    # The vote may not close before its end time, nor while votes wait in quarantine.
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk)
    assert "vote_ends_at" in e.value.fields
    fresh = services.vote_cast(member(1, city.chengguan), candidate_id=a.pk)[0]  # counted
    assert fresh.status == VoteStatus.COUNTED
    from zhijia.accounts.models import User

    newbie = member(2, city.chengguan)
    User.objects.filter(pk=newbie.pk).update(date_joined=timezone.now())
    newbie.refresh_from_db()
    assert services.vote_cast(newbie, candidate_id=a.pk)[0].status == VoteStatus.QUARANTINED
    later = now + dt.timedelta(days=2)
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk, at=later)
    assert "quarantine" in e.value.fields
    services.votes_review(staff, selection_id=s.pk, vote_ids=list(Vote.objects.filter(
        status=VoteStatus.QUARANTINED).values_list("pk", flat=True)), accept=True)
    assert services.selection_advance(staff, selection_id=s.pk, at=later).stage == Stage.EXPERT_REVIEW
    # Expert review waits for every expert's sheets.
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk, at=later)
    assert "scores" in e.value.fields


def test_only_organisers_in_scope_may_advance(city, make_staff, make_selection):
    s, _ = make_selection(stage=Stage.NOMINATION)
    for user, error in [(make_staff("gr", city.chengguan, role="grassroots_staff"), PermissionDenied),
                        (make_staff("rv", city.root, role="reviewer"), PermissionDenied),
                        (make_staff("hd", city.haidian), NotFound)]:
        with pytest.raises(error):
            services.selection_advance(user, selection_id=s.pk)
    # The municipal federation above the organiser may.
    assert services.selection_advance(make_staff("bj", city.root, role="municipal_admin"),
                                      selection_id=s.pk).stage == Stage.MATERIAL_REVIEW


def test_configured_stages_skip_the_public_vote(city, make_staff):
    staff = make_staff("fs", city.fangshan)
    with pytest.raises(ValidationFailed) as e:
        services.selection_create(staff, title="x", stages=["nomination", "expert_review", "material_review", "final"])
    assert "stages" in e.value.fields
    s = services.selection_create(staff, title="房山区先进工作者", honour_kind="advanced_worker",
                                  stages=["nomination", "material_review", "expert_review", "final"],
                                  vote_weight="0.3", expert_weight="0.7")
    assert (s.vote_weight, s.expert_weight) == (Decimal(0), Decimal(1))
    c = services.candidate_nominate(staff, selection_id=s.pk, name="张三", union_id=city.chengguan.pk, story=STORY)
    services.selection_advance(staff, selection_id=s.pk)
    services.candidate_review(staff, candidate_id=c.pk, checks=dict.fromkeys(s.checklist, True))
    assert services.selection_advance(staff, selection_id=s.pk).stage == Stage.EXPERT_REVIEW
    # Without a material review, nominations go straight on.
    quick = services.selection_create(staff, title="快评", stages=["nomination", "public_vote", "final"],
                                      vote_starts_at=timezone.now(), vote_ends_at=timezone.now() + dt.timedelta(1))
    c = services.candidate_nominate(staff, selection_id=quick.pk, name="李四", union_id=city.chengguan.pk,
                                    story=STORY)
    assert services.selection_advance(staff, selection_id=quick.pk).stage == Stage.PUBLIC_VOTE
    assert Candidate.objects.get(pk=c.pk).status == CandidateStatus.PASSED


def test_self_nomination_waits_for_the_union_endorsement(city, make_staff, member):
    staff = make_staff("fs", city.fangshan)
    s = services.selection_create(staff, title="最美快递员", stages=["nomination", "material_review", "final"],
                                  vote_weight=0, expert_weight=1)
    worker = member(1, city.couriers)
    c = services.candidate_self_nominate(worker, selection_id=s.pk, story=STORY)
    assert c.status == CandidateStatus.PENDING_ENDORSEMENT and c.self_nominated
    with pytest.raises(ValidationFailed):  # nothing endorsed yet
        services.selection_advance(staff, selection_id=s.pk)
    with pytest.raises(NotFound):  # a sibling district cannot endorse
        services.candidate_endorse(make_staff("hd", city.haidian), candidate_id=c.pk)
    services.candidate_endorse(make_staff("gr", city.couriers, role="grassroots_staff"), candidate_id=c.pk)
    assert Candidate.objects.get(pk=c.pk).status == CandidateStatus.NOMINATED
    with pytest.raises(DomainError):
        services.candidate_self_nominate(worker, selection_id=s.pk, story=STORY)


def test_nominating_union_must_lie_in_both_scopes(city, make_staff, make_selection):
    s, _ = make_selection(stage=Stage.NOMINATION)
    grassroots = make_staff("gr", city.chengguan, role="grassroots_staff")
    with pytest.raises(ValidationFailed) as e:  # 房山 couriers are not under 城关
        services.candidate_nominate(grassroots, selection_id=s.pk, name="李四", union_id=city.couriers.pk,
                                    story=STORY)
    assert "union" in e.value.fields
    services.candidate_nominate(grassroots, selection_id=s.pk, name="李四", union_id=city.community.pk, story=STORY)
    with pytest.raises(NotFound):
        services.candidate_nominate(make_staff("hd", city.haidian), selection_id=s.pk, name="王五",
                                    union_id=city.zhongguancun.pk, story=STORY)


# --- the vote -------------------------------------------------------------------------------------------------------


def test_vote_refusals_name_the_field_and_count_nothing(city, make_staff, make_selection, member, make_worker_user):
    s, (a, *_) = make_selection(votes_per_day=2)
    voter = member(1, city.chengguan)
    outsider = make_worker_user(2)  # a worker with no membership
    haidian = member(3, city.zhongguancun)
    cases = [
        (outsider, {}, "member", 403),
        (haidian, {}, "member", 403),
        (voter, {"at": s.vote_starts_at - dt.timedelta(minutes=1)}, "vote_starts_at", 400),
        (voter, {"at": s.vote_ends_at}, "vote_ends_at", 400),
    ]
    for user, kw, field, status in cases:
        with pytest.raises(DomainError) as e:
            services.vote_cast(user, candidate_id=a.pk, **kw)
        assert field in e.value.fields and e.value.status == status, (field, e.value.as_dict())
    assert Vote.objects.count() == 0 and VoteDayCounter.objects.count() == 0
    _, left = services.vote_cast(voter, candidate_id=a.pk)
    assert left == 1
    assert services.vote_cast(voter, candidate_id=a.pk)[1] == 0
    with pytest.raises(DomainError) as e:
        services.vote_cast(voter, candidate_id=a.pk)
    assert e.value.status == 429 and "votes_per_day" in e.value.fields and "2" in e.value.message
    assert Vote.objects.count() == 2
    # A new day brings a new allowance.
    assert services.vote_cast(voter, candidate_id=a.pk, at=timezone.now() + dt.timedelta(days=1))[1] == 1


@pytest.fixture(params=["redis", "ledger"])
def signals_backend(request, settings):
    """Run with the Redis counters (when configured) and with the ledger queries of the embedded default."""
    if request.param == "redis":
        from zhijia.conftest import require_redis

        require_redis()
    else:
        settings.REDIS_URL = ""
    return request.param


def test_live_totals_follow_the_ledger(city, make_selection, member, signals_backend):
    s, (a, b, _) = make_selection(votes_per_day=3)
    for i in range(3):
        services.vote_cast(member(10 + i, city.chengguan), candidate_id=a.pk)
    services.vote_cast(member(20, city.chengguan), candidate_id=b.pk)
    assert selectors.live_totals(s.pk, [a.pk, b.pk]) == {a.pk: 3, b.pk: 1}
    assert selectors.exact_totals(s) == {a.pk: 3, b.pk: 1}
    services.live_totals_rebuild(selection_id=s.pk)
    assert selectors.live_totals(s.pk, [a.pk, b.pk]) == {a.pk: 3, b.pk: 1}


def test_fraud_signals_quarantine_votes_for_a_reviewer(city, make_staff, make_selection, member, signals_backend):
    s, (a, b, _) = make_selection(votes_per_day=5, network_burst_limit=3, device_member_limit=2, lockstep_limit=2)
    staff = make_staff("fsr", city.fangshan, role="reviewer")
    # On a minute's start: the network burst is counted per clock minute, and the burst must fall in one.
    t0 = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)

    def cast(user, cand, seconds, **kw):
        return services.vote_cast(user, candidate_id=cand.pk, at=t0 + dt.timedelta(seconds=seconds), **kw)[0]

    # A burst from one /24: the fourth vote within a minute is held.
    net = [cast(member(100 + i, city.chengguan), a, i * 2, ip=f"10.1.2.{i + 1}") for i in range(4)]
    assert [v.status for v in net] == ["counted"] * 3 + ["quarantined"]
    assert net[3].signals == ["network_burst"] and net[3].network == "10.1.2.0/24"
    assert cast(member(110, city.chengguan), a, 9, ip="10.1.3.7").status == "counted"
    # One device, many members: the third member on one device is held.
    dev = [cast(member(120 + i, city.chengguan), b, 100 + 5 * i, device_id="dev-42") for i in range(3)]
    assert [v.status for v in dev] == ["counted", "counted", "quarantined"] and dev[2].signals == ["shared_device"]
    # Identical timing: the same second, the same candidate.
    same = [cast(member(130 + i, city.chengguan), b, 200) for i in range(3)]
    assert [v.status for v in same] == ["counted", "counted", "quarantined"] and same[2].signals == ["lockstep"]
    # Clockwork: a member voting at the same second of the day three days running.
    bot = member(140, city.chengguan)
    days = [cast(bot, a, 300 + 86400 * d + (d % 2)) for d in range(3)]
    assert [v.status for v in days] == ["counted", "counted", "quarantined"] and days[2].signals == ["clockwork"]
    # A brand-new account.
    from zhijia.accounts.models import User

    newbie = member(150, city.chengguan)
    User.objects.filter(pk=newbie.pk).update(date_joined=t0 - dt.timedelta(hours=2))
    newbie.refresh_from_db()
    assert cast(newbie, a, 400).signals == ["new_account"]
    # Held votes are not counted, nor deleted; a reviewer decides.
    held = list(Vote.objects.filter(status=VoteStatus.QUARANTINED).order_by("pk"))
    assert len(held) == 5
    counted_a = selectors.exact_totals(s)[a.pk]
    assert {v.pk for v in selectors.quarantine_list(user=staff, selection=s)} == {v.pk for v in held}
    with pytest.raises(ValidationFailed) as e:
        services.votes_review(staff, selection_id=s.pk, vote_ids=[held[0].pk], accept=False)
    assert "note" in e.value.fields
    assert services.votes_review(staff, selection_id=s.pk, vote_ids=[held[0].pk], accept=False,
                                 note="同一网段集中投票") == 1
    accepted = [v.pk for v in held[1:] if v.candidate_id == a.pk]
    services.votes_review(staff, selection_id=s.pk, vote_ids=accepted, accept=True)
    assert selectors.exact_totals(s)[a.pk] == counted_a + len(accepted)
    assert selectors.live_totals(s.pk, [a.pk])[a.pk] == counted_a + len(accepted)
    assert Vote.objects.filter(status=VoteStatus.REJECTED).count() == 1
    # Deciding again changes nothing.
    assert services.votes_review(staff, selection_id=s.pk, vote_ids=accepted, accept=False, note="x") == 0
    with pytest.raises(NotFound):
        services.votes_review(make_staff("hd", city.haidian), selection_id=s.pk, vote_ids=accepted, accept=True)


# --- expert review: a hand-computed set ------------------------------------------------------------------------------


def test_trimmed_mean_drops_extremes_from_five_experts():
    assert trimmed_mean([Decimal(x) for x in (86, 84, 66, 100, 52)]) == Decimal(236) / 3
    assert trimmed_mean([Decimal(x) for x in (50, 56, 44, 100)]) == Decimal("62.5")  # four: nothing dropped
    assert trimmed_mean([]) is None


def _panel(city, make_staff, s, n=5):
    experts = [make_staff(f"ex{i}", city.root, role="reviewer") for i in range(n)]
    organiser = s.created_by
    for e in experts:
        services.expert_add(organiser, selection_id=s.pk, user_id=e.pk)
    return experts


def test_expert_and_final_scores_match_the_hand_computed_set(city, make_staff, make_selection, member):
    # Given criteria A (weight 0.6, out of 100) and B (weight 0.4, out of 50), votes weigh 0.4 and experts 0.6.
    s, (x, y, z) = make_selection(vote_weight="0.4", expert_weight="0.6")
    staff = s.created_by
    services.criteria_set(staff, selection_id=s.pk, criteria=[{"name": "专业技能", "weight": "0.6"},
                                                              {"name": "服务水平", "weight": "0.4", "max_score": 50}])
    # x gets 2 votes, y 4, z none.
    for i, cand in enumerate([x, x, y, y, y, y]):
        services.vote_cast(member(200 + i, city.chengguan), candidate_id=cand.pk)
    from zhijia.honors.models import Selection

    Selection.objects.filter(pk=s.pk).update(vote_ends_at=timezone.now())
    s = services.selection_advance(staff, selection_id=s.pk)
    assert s.stage == Stage.EXPERT_REVIEW
    e = _panel(city, make_staff, s)
    # x: totals 86, 84, 66, 100, 52 → drop 100 and 52 → 78.667
    for expert, (a, b) in zip(e, [(90, 40), (80, 45), (70, 30), (100, 50), (60, 20)], strict=True):
        services.scores_submit(expert, candidate_id=x.pk, scores={"专业技能": a, "服务水平": b})
    # y: expert 5 declares a conflict; four totals 50, 56, 44, 100 → mean 62.5 (nothing dropped)
    services.conflict_declare(e[4], candidate_id=y.pk, reason="同一车队同事")
    with pytest.raises(PermissionDenied) as err:
        services.scores_submit(e[4], candidate_id=y.pk, scores={"专业技能": 90, "服务水平": 40})
    assert err.value.code == "recused" and "expert" in err.value.fields
    for expert, (a, b) in zip(e[:4], [(50, 25), (60, 25), (40, 25), (100, 50)], strict=True):
        services.scores_submit(expert, candidate_id=y.pk, scores={"专业技能": a, "服务水平": b})
    # z: every expert 0 on both.
    for expert in e:
        services.scores_submit(expert, candidate_id=z.pk, scores={"专业技能": 0, "服务水平": 0})
    results = {r["candidate_id"]: r for r in selectors.selection_results(user=staff, selection_id=s.pk)["items"]}
    assert results[x.pk]["expert_score"] == Decimal("78.667")
    assert results[y.pk]["expert_score"] == Decimal("62.500")
    # vote scores: x 2/4 → 50, y → 100; finals: x 0.4·50 + 0.6·78.667 = 67.200, y 0.4·100 + 0.6·62.5 = 77.500
    assert results[x.pk]["vote_score"] == Decimal("50.000") and results[y.pk]["vote_score"] == Decimal("100.000")
    assert results[x.pk]["final_score"] == Decimal("67.200")
    assert results[y.pk]["final_score"] == Decimal("77.500")
    assert (results[y.pk]["rank"], results[x.pk]["rank"], results[z.pk]["rank"]) == (1, 2, 3)
    assert results[x.pk]["votes"] == 2 and results[y.pk]["votes"] == 4


def test_scores_out_of_range_or_unknown_are_refused_whole(city, make_staff, make_selection):
    s, (x, *_) = make_selection()
    staff = s.created_by
    services.criteria_set(staff, selection_id=s.pk, criteria=[{"name": "专业技能", "weight": "0.5"},
                                                              {"name": "职业道德", "weight": "0.5"}])
    from zhijia.honors.models import Score, Selection

    Selection.objects.filter(pk=s.pk).update(vote_ends_at=timezone.now())
    services.selection_advance(staff, selection_id=s.pk)
    (expert,) = _panel(city, make_staff, s, n=1)
    for scores, field in [({"专业技能": 101, "职业道德": 80}, "scores.专业技能"),
                          ({"专业技能": 90, "职业道德": -1}, "scores.职业道德"),
                          ({"专业技能": 90}, "scores.职业道德"),
                          ({"专业技能": 90, "职业道德": 80, "颜值": 100}, "scores.颜值")]:
        with pytest.raises(ValidationFailed) as e:
            services.scores_submit(expert, candidate_id=x.pk, scores=scores)
        assert field in e.value.fields
    assert Score.objects.count() == 0
    with pytest.raises(PermissionDenied):  # not on the panel
        services.scores_submit(make_staff("other", city.root, role="reviewer"), candidate_id=x.pk,
                               scores={"专业技能": 90, "职业道德": 80})
    with pytest.raises(DomainError):  # criteria are frozen once scoring began
        services.scores_submit(expert, candidate_id=x.pk, scores={"专业技能": 90, "职业道德": 80})
        services.criteria_set(staff, selection_id=s.pk, criteria=[{"name": "a", "weight": 1}])


def test_ties_break_on_expert_score_then_votes_then_earlier_nomination():
    t = timezone.now()
    rows = [
        Row(candidate_id=1, votes=10, expert_score=Decimal(80), nominated_order=(t, 1)),
        # final 0.5·50 + 0.5·90 = 70 ... same as candidate 3 below, but a higher expert score
        Row(candidate_id=2, votes=5, expert_score=Decimal(90), nominated_order=(t, 2)),
        Row(candidate_id=3, votes=10, expert_score=Decimal(40), nominated_order=(t, 3)),
        # 4 and 5 equal in everything: the earlier nomination first
        Row(candidate_id=5, votes=5, expert_score=Decimal(50), nominated_order=(t - dt.timedelta(seconds=1), 5)),
        Row(candidate_id=4, votes=5, expert_score=Decimal(50), nominated_order=(t, 4)),
    ]
    ranked = rank_rows(rows, vote_weight=Decimal("0.5"), expert_weight=Decimal("0.5"))
    finals = {r.candidate_id: r.final_score for r in ranked}
    assert finals == {1: Decimal("90.000"), 2: Decimal("70.000"), 3: Decimal("70.000"), 5: Decimal("50.000"),
                      4: Decimal("50.000")}
    assert [r.candidate_id for r in ranked] == [1, 2, 3, 5, 4]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
    # Equal final and expert score: more votes first.
    rows = [Row(candidate_id=1, votes=4, expert_score=Decimal(60), nominated_order=(t, 1)),
            Row(candidate_id=2, votes=8, expert_score=Decimal(60), nominated_order=(t, 2))]
    assert [r.candidate_id for r in rank_rows(rows, vote_weight=Decimal(0), expert_weight=Decimal(1))] == [2, 1]


# --- shortlist, public notice, final list, honours ------------------------------------------------------------------


def test_shortlist_notice_objection_and_final_list_grant_honours(city, make_staff, member):
    staff = make_staff("fs", city.fangshan)
    s = services.selection_create(staff, title="最美出租汽车司机", honour_title="最美出租汽车司机",
                                  stages=["nomination", "material_review", "expert_review", "shortlist",
                                          "public_notice", "final"], shortlist_size=2, top_size=1, notice_days=5)
    workers = [Worker.objects.get(user=member(300 + i, city.chengguan)) for i in range(3)]
    cands = [services.candidate_nominate(staff, selection_id=s.pk, name=w.name, union_id=city.chengguan.pk,
                                         story=STORY, worker_id=w.pk) for w in workers]
    services.selection_advance(staff, selection_id=s.pk)
    for c in cands:
        services.candidate_review(staff, candidate_id=c.pk, checks=dict.fromkeys(s.checklist, True))
    services.selection_advance(staff, selection_id=s.pk)
    services.criteria_set(staff, selection_id=s.pk, criteria=[{"name": "综合", "weight": 1}])
    (expert,) = _panel(city, make_staff, s, n=1)
    for c, score in zip(cands, [70, 90, 80], strict=True):
        services.scores_submit(expert, candidate_id=c.pk, scores={"综合": score})
    s = services.selection_advance(staff, selection_id=s.pk)
    assert s.stage == Stage.SHORTLIST
    outcomes = {c.pk: (c.rank, c.outcome) for c in Candidate.objects.filter(selection=s)}
    assert outcomes == {cands[1].pk: (1, Outcome.TOP), cands[2].pk: (2, Outcome.NAMED), cands[0].pk: (3, "")}
    s = services.selection_advance(staff, selection_id=s.pk)
    assert s.stage == Stage.PUBLIC_NOTICE and s.notice_ends_at - s.notice_starts_at == dt.timedelta(days=5)
    with pytest.raises(NotFound):  # not on the list
        services.objection_raise(member(400, city.chengguan), candidate_id=cands[0].pk, text="有违规记录的举报")
    objection = services.objection_raise(member(401, city.chengguan), candidate_id=cands[2].pk,
                                         text="该司机去年有乘客投诉未处理", contact="13800000000")
    after = s.notice_ends_at + dt.timedelta(minutes=1)
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk)
    assert "notice_ends_at" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.selection_advance(staff, selection_id=s.pk, at=after)
    assert "objections" in e.value.fields
    with pytest.raises(ValidationFailed):
        services.objection_resolve(staff, objection_id=objection.pk, upheld=True, resolution="")
    services.objection_resolve(staff, objection_id=objection.pk, upheld=True, resolution="经核实投诉属实，取消入选")
    s = services.selection_advance(staff, selection_id=s.pk, at=after)
    assert s.stage == Stage.FINAL
    honours = Honour.objects.filter(selection=s)
    assert [(h.worker_id, h.title) for h in honours] == [(workers[1].pk, "最美出租汽车司机（十佳）")]
    assert selectors.worker_has_honour(workers[1], kinds=["title"])
    assert not selectors.worker_has_honour(workers[2])
    with pytest.raises(ValidationFailed):
        services.selection_advance(staff, selection_id=s.pk)


def test_staff_record_honours_within_scope(city, make_staff, member):
    staff = make_staff("fs", city.fangshan)
    w = Worker.objects.get(user=member(500, city.chengguan))
    h = services.honour_record(staff, worker_id=w.pk, kind="model_worker", title="北京市劳动模范", level="municipal",
                               year=2020)
    assert selectors.worker_honours(w) == [h]
    assert selectors.worker_has_honour(w, kinds=["model_worker"]) and not selectors.worker_has_honour(
        w, kinds=["advanced_worker"])
    with pytest.raises(DomainError):  # twice
        services.honour_record(staff, worker_id=w.pk, kind="model_worker", title="北京市劳动模范",
                               level="municipal", year=2020)
    with pytest.raises(ValidationFailed) as e:
        services.honour_record(make_staff("hd", city.haidian), worker_id=w.pk, kind="model_worker", title="x",
                               level="district", year=2020)
    assert "worker" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        services.honour_record(staff, worker_id=w.pk, kind="hero", title="x", level="district", year=2020)
    assert "kind" in e.value.fields
    assert list(selectors.honour_list(user=staff)) == [h]
    assert list(selectors.honour_list(user=make_staff("hd2", city.haidian))) == []


# --- scope ----------------------------------------------------------------------------------------------------------


def test_a_sibling_union_sees_nothing(city, make_staff, make_selection, member):
    s, (a, *_) = make_selection()
    services.vote_cast(member(600, city.chengguan), candidate_id=a.pk)
    hd = make_staff("hd", city.haidian)
    assert list(selectors.selection_list(user=hd)) == []
    for fn, kw in [(selectors.selection_get, {"selection_id": s.pk}),
                   (selectors.selection_results, {"selection_id": s.pk}),
                   (selectors.candidate_get, {"candidate_id": a.pk})]:
        with pytest.raises(NotFound):
            fn(user=hd, **kw)
    assert selectors.quarantine_count(user=hd) == 0
    # A street under the organiser sees the selection and only its own candidates.
    street = make_staff("cg", city.chengguan, role="grassroots_staff")
    assert [x.pk for x in selectors.selection_list(user=street)] == [s.pk]
    mine = selectors.candidate_list(user=street, selection=s)
    assert {c.union_id for c in mine} <= {city.chengguan.pk, city.community.pk} and mine.count() == 2


def test_a_vote_is_one_read_and_one_write(city, make_selection, member, signals_backend):
    """The vote path's cost is part of its contract (bench/vote_burst.py): the candidate, selection, union and the
    voter's membership in one query, the allowance and the ledger row in one statement; with Redis the signals add no
    SQL. A refused vote writes nothing and gives its signal counts back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s, (a, b, _) = make_selection(votes_per_day=1)
    voter = member(300, city.chengguan)
    with CaptureQueriesContext(connection) as q:
        vote, left = services.vote_cast(voter, candidate_id=a.pk, ip="10.9.8.7")
    assert vote.status == VoteStatus.COUNTED and left == 0
    statements = [x["sql"] for x in q.captured_queries]
    expected = 2 if signals_backend == "redis" else 5  # without Redis: network, same-second, clockwork from the ledger
    assert len(statements) == expected, statements
    assert "honors_votedaycounter" in statements[-1] and "honors_vote " in statements[-1]
    assert Vote.objects.get(pk=vote.pk).worker_id == vote.worker_id
    with pytest.raises(ValidationFailed) as e:
        services.vote_cast(voter, candidate_id=b.pk, ip="10.9.8.7")
    assert e.value.code == "daily_limit"
    assert Vote.objects.filter(selection=s).count() == 1
    if signals_backend == "redis":
        from zhijia.honors import live

        at = timezone.now()
        net, step, _ = live.signal_counts(selection_id=s.pk, candidate_id=b.pk, worker_id=vote.worker_id,
                                          network="10.9.8.0/24", at=at, day=timezone.localdate(at))
        assert net == 1 and step == 0  # the counted vote only; the refused one gave its counts back
