import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.contests import selectors, services
from zhijia.contests.models import Entry, ExamAttempt, PracticeScore, Question, RoundResult, RoundStatus
from zhijia.contests.paper import paper_draw
from zhijia.contests.ranking import competition_ranks
from zhijia.contests.tests.conftest import make_contest, open_exam
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

D = Decimal


def register_all(world, n=None):
    return [services.entry_register(w, contest_id=world.contest.pk) for w in world.workers[:n]]


# --- registration ------------------------------------------------------------------------------------------------


def test_registration_numbers_entrants_and_refuses_twice_outside_window_and_non_members(world, make_worker_user):
    entries = register_all(world, 2)
    assert [e.number for e in entries] == [1, 2]
    # given a registered worker, when they register again, then a 409 naming the contest and nothing is written
    with pytest.raises(Conflict) as err:
        services.entry_register(world.workers[0], contest_id=world.contest.pk)
    assert "contest" in err.value.fields and "重复报名" in err.value.message
    late = timezone.now() + dt.timedelta(days=11)
    with pytest.raises(ValidationFailed) as err:
        services.entry_register(world.workers[2], contest_id=world.contest.pk, now=late)
    assert "registration" in err.value.fields and "报名时间" in err.value.message
    outsider = make_worker_user(50)  # a worker with no membership
    with pytest.raises(ValidationFailed) as err:
        services.entry_register(outsider, contest_id=world.contest.pk)
    assert "membership" in err.value.fields and "会员" in err.value.message
    haidian_member = make_worker_user(51, union=world.city.zhongguancun)
    with pytest.raises(ValidationFailed) as err:
        services.entry_register(haidian_member, contest_id=world.contest.pk)
    assert "房山区总工会" in err.value.message
    assert Entry.objects.count() == 2


def test_staff_registers_a_member_of_their_subtree_and_capacity_holds(world, make_worker_user):
    contest = make_contest(world.fs, capacity=1, title="限额比赛")
    entry = services.entry_register(world.fs, contest_id=contest.pk, worker_id=world.workers[0].worker.pk)
    assert entry.registered_by == world.fs
    with pytest.raises(Conflict) as err:
        services.entry_register(world.workers[1], contest_id=contest.pk)
    assert "capacity" in err.value.fields
    hd_member = make_worker_user(52, union=world.city.zhongguancun)
    with pytest.raises(NotFound):  # haidian staff cannot even see the contest
        services.entry_register(world.hd, contest_id=contest.pk, worker_id=hd_member.worker.pk)


# --- the theory exam ---------------------------------------------------------------------------------------------


def test_paper_is_drawn_by_category_counts_and_reproducible_from_the_seed(world):
    register_all(world, 3)
    rnd = open_exam(world.fs, world.rounds[0])
    attempts = [services.exam_start(w, round_id=rnd.pk) for w in world.workers[:3]]
    bank = services.bank_by_category(world.contest.pk)
    for attempt in attempts:
        cats = list(Question.objects.filter(pk__in=attempt.question_ids).values_list("category", flat=True))
        assert sorted(cats) == ["安全规范"] * 2 + ["调度业务"] * 3
        # anyone with the round's seed, the entry id and the bank draws the same paper
        seed, ids = paper_draw(round_seed=rnd.paper_seed, entry_id=attempt.entry_id, bank=bank, spec=rnd.paper_spec)
        assert (seed, ids) == (attempt.seed, attempt.question_ids)
    assert len({tuple(a.question_ids) for a in attempts}) > 1
    # a second click resumes the same paper
    again = services.exam_start(world.workers[0], round_id=rnd.pk)
    assert again.pk == attempts[0].pk and ExamAttempt.objects.count() == 3


def test_paper_draw_refuses_a_spec_the_bank_cannot_fill():
    with pytest.raises(ValidationFailed) as err:
        paper_draw(round_seed="x", entry_id=1, bank={"安全规范": [1, 2]}, spec={"安全规范": 3})
    assert "paper_spec" in err.value.fields and "题库题目不足" in err.value.message


def _answer_key(attempt):
    return dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("id", "answer"))


def test_marking_scores_exact_answers_only(world):
    register_all(world, 1)
    rnd = open_exam(world.fs, world.rounds[0], spec={"调度业务": 4, "安全规范": 4})  # the whole bank: 10 points
    attempt = services.exam_start(world.workers[0], round_id=rnd.pk)
    assert attempt.max_points == 10
    key = _answer_key(attempt)
    by_text = {q.text: q for q in Question.objects.all()}
    answers = {str(qid): letters for qid, letters in key.items()}
    # wrong on the multiple choice 遇道路拥堵 (one letter short: no points) and on one true/false question
    answers[str(by_text["遇道路拥堵可以？"].pk)] = "AB"
    answers[str(by_text["可以超员运营。"].pk)] = "A"
    done = services.exam_answer(world.workers[0], round_id=rnd.pk, answers=answers, submit=True)
    assert (done.points, done.score) == (7, D("70.00"))
    with pytest.raises(Conflict):
        services.exam_answer(world.workers[0], round_id=rnd.pk, answers={}, submit=True)


def test_answers_after_the_deadline_are_refused_and_the_saved_ones_are_marked(world):
    register_all(world, 2)
    t0 = timezone.now()
    rnd = open_exam(world.fs, world.rounds[0], now=t0, minutes=20)
    attempt = services.exam_start(world.workers[0], round_id=rnd.pk, now=t0)
    assert attempt.deadline == t0 + dt.timedelta(minutes=20)
    key = _answer_key(attempt)
    first, *rest = attempt.question_ids
    services.exam_answer(world.workers[0], round_id=rnd.pk, answers={str(first): key[first]}, now=t0)
    # within the grace for the network: accepted
    grace = services.exam_grace()
    services.exam_answer(world.workers[0], round_id=rnd.pk, answers={str(rest[0]): key[rest[0]]},
                         now=attempt.deadline + grace - dt.timedelta(seconds=1))
    # past it: refused, nothing written
    with pytest.raises(Conflict) as err:
        services.exam_answer(world.workers[0], round_id=rnd.pk, answers={str(q): key[q] for q in rest},
                             submit=True, now=attempt.deadline + grace + dt.timedelta(seconds=1))
    assert err.value.code == "time_over" and "answers" in err.value.fields and "考试时间已到" in err.value.message
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and set(attempt.answers) == {str(first), str(rest[0])}
    # publishing marks the paper with what was saved
    with pytest.raises(Conflict):  # the exam window is still open
        services.round_publish(world.fs, round_id=rnd.pk, now=t0)
    services.round_publish(world.fs, round_id=rnd.pk, now=rnd.exam_closes_at + grace + dt.timedelta(seconds=1))
    attempt.refresh_from_db()
    points = dict(Question.objects.values_list("id", "points"))
    assert attempt.points == points[first] + points[rest[0]] and attempt.submitted_at == attempt.deadline
    result = RoundResult.objects.get(entry=attempt.entry)
    assert result.theory_score == attempt.score and not result.absent
    absent = RoundResult.objects.get(entry__worker=world.workers[1].worker)
    assert absent.absent and absent.total == 0


def test_the_deadline_never_passes_the_close_of_the_exam(world):
    register_all(world, 1)
    t0 = timezone.now()
    rnd = open_exam(world.fs, world.rounds[0], now=t0, minutes=30)
    late = rnd.exam_closes_at - dt.timedelta(minutes=10)
    attempt = services.exam_start(world.workers[0], round_id=rnd.pk, now=late)
    assert attempt.deadline == rnd.exam_closes_at
    services.entry_register(world.workers[1], contest_id=world.contest.pk)
    with pytest.raises(ValidationFailed) as err:
        services.exam_start(world.workers[1], round_id=rnd.pk, now=rnd.exam_opens_at - dt.timedelta(minutes=1))
    assert "round" in err.value.fields and "尚未开始" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        services.exam_start(world.workers[1], round_id=rnd.pk, now=rnd.exam_closes_at)
    assert "已截止" in err.value.message


def test_an_entrant_not_in_the_round_cannot_start_its_exam(world):
    register_all(world, 1)
    with pytest.raises(PermissionDenied):
        services.exam_start(world.workers[0], round_id=world.rounds[1].pk)


# --- ranks, weights, advancement ---------------------------------------------------------------------------------


def test_competition_ranks_share_equal_totals():
    assert competition_ranks([D(90), D(95), D(80), D(90)]) == [2, 1, 4, 2]
    assert competition_ranks([D(1), D(1), D(1)]) == [1, 1, 1]
    assert competition_ranks([]) == []


def _score_round(world, rnd, theory: dict[int, str], practice: dict[int, list[str]], judges):
    """Theory scores set on attempts directly (the exam has its own tests); practice through the judges."""
    entries = {e.number: e for e in Entry.objects.filter(contest=world.contest)}
    now = timezone.now()
    for number, score in theory.items():
        ExamAttempt.objects.create(round=rnd, entry=entries[number], seed="s", question_ids=[], started_at=now,
                                   deadline=now + dt.timedelta(minutes=1), submitted_at=now, points=0,
                                   score=D(score))
    for number, scores in practice.items():
        for judge, s in zip(judges, scores, strict=False):
            services.practice_score_enter(judge, round_id=rnd.pk, entry_id=entries[number].pk, score=s)
    return entries


def test_weights_on_a_hand_computed_set_and_ties_share_a_rank(world, make_staff):
    register_all(world, 5)
    judge = make_staff("judge1", world.city.haidian, role="reviewer")
    services.judge_assign(world.fs, contest_id=world.contest.pk, user_id=judge.pk)
    # The preliminary round is theory only; take all five to the semifinal.
    prelim, semi = world.rounds[0], world.rounds[1]
    services.round_update(world.fs, round_id=prelim.pk, advance_rule="min_score", advance_value=0)
    _score_round(world, prelim, {1: "50", 2: "60", 3: "70", 4: "80", 5: "90"}, {}, [])
    services.round_publish(world.fs, round_id=prelim.pk)
    assert services.round_advance(world.fs, round_id=prelim.pk) == 5
    # Semifinal: theory 40%, practice 60% of a maximum of 50 points (scaled to 100), two judges averaged.
    services.round_update(world.fs, round_id=semi.pk, practice_max=50)
    _score_round(world, semi,
                 theory={1: "80", 2: "100", 3: "90", 4: "70"},
                 practice={1: ["45", "35"], 2: ["25", "25"], 3: ["40", "40"], 4: ["41", "39"], 5: ["30", "30"]},
                 judges=[world.reviewer, judge])
    services.round_publish(world.fs, round_id=semi.pk)
    got = {r.entry.number: (r.theory_score, r.practice_score, r.total, r.rank)
           for r in RoundResult.objects.filter(round=semi).select_related("entry")}
    # 1: 0.4*80 + 0.6*(40/50*100) = 32 + 48 = 80
    # 2: 0.4*100 + 0.6*(25/50*100) = 40 + 30 = 70
    # 3: 0.4*90 + 0.6*(40/50*100) = 36 + 48 = 84
    # 4: 0.4*70 + 0.6*(40/50*100) = 28 + 48 = 76
    # 5: no paper: 0.4*0 + 0.6*(30/50*100) = 36
    assert got == {1: (D("80.00"), D("40.00"), D("80.00"), 2), 2: (D("100.00"), D("25.00"), D("70.00"), 4),
                   3: (D("90.00"), D("40.00"), D("84.00"), 1), 4: (D("70.00"), D("40.00"), D("76.00"), 3),
                   5: (D("0.00"), D("30.00"), D("36.00"), 5)}


def _prelim_with(world, totals: list[str]):
    register_all(world, len(totals))
    prelim = world.rounds[0]
    _score_round(world, prelim, {i + 1: t for i, t in enumerate(totals)}, {}, [])
    return prelim


@pytest.mark.parametrize(("rule", "value", "advanced"), [
    ("top_n", 2, {1, 2, 3}),            # 95, 90, 90 share ranks 1, 2, 2: the tie at the boundary goes through
    ("top_n", 1, {1}),
    ("top_percent", 50, {1, 2, 3}),     # ceil(50% of 5 present) = 3
    ("top_percent", 20, {1}),           # ceil(20% of 5) = 1
    ("min_score", 85, {1, 2, 3}),
])
def test_advancement_rules(world, rule, value, advanced):
    prelim = _prelim_with(world, ["95", "90", "90", "80", "60", ])
    services.entry_register(world.workers[5], contest_id=world.contest.pk)  # never sits the exam: absent
    services.round_update(world.fs, round_id=prelim.pk, advance_rule=rule, advance_value=value)
    services.round_publish(world.fs, round_id=prelim.pk)
    ranks = dict(RoundResult.objects.filter(round=prelim).values_list("entry__number", "rank"))
    assert ranks == {1: 1, 2: 2, 3: 2, 4: 4, 5: 5, 6: 6}
    assert services.round_advance(world.fs, round_id=prelim.pk) == len(advanced)
    assert set(Entry.objects.filter(reached_order=2).values_list("number", flat=True)) == advanced
    assert set(RoundResult.objects.filter(round=prelim, advanced=True).values_list("entry__number", flat=True)) \
        == advanced


def test_advance_happens_once_in_order_and_all_or_nothing(world):
    prelim = _prelim_with(world, ["95", "90"])
    with pytest.raises(Conflict):  # results first
        services.round_advance(world.fs, round_id=prelim.pk)
    with pytest.raises(Conflict):  # the semifinal cannot publish before the preliminary advanced
        services.round_publish(world.fs, round_id=world.rounds[1].pk)
    services.round_update(world.fs, round_id=prelim.pk, advance_rule="min_score", advance_value=99)
    services.round_publish(world.fs, round_id=prelim.pk)
    with pytest.raises(ValidationFailed) as err:
        services.round_advance(world.fs, round_id=prelim.pk)
    assert "advance_value" in err.value.fields
    assert not Entry.objects.filter(reached_order=2).exists()
    assert world.rounds[0].__class__.objects.get(pk=prelim.pk).status == RoundStatus.PUBLISHED
    with pytest.raises(Conflict):  # settings are frozen once published
        services.round_update(world.fs, round_id=prelim.pk, advance_value=50)


def test_round_settings_are_validated(world):
    with pytest.raises(ValidationFailed) as err:
        services.round_update(world.fs, round_id=world.rounds[1].pk, theory_weight=50, practice_weight=60)
    assert "theory_weight" in err.value.fields and "100" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        services.round_update(world.fs, round_id=world.rounds[1].pk, advance_rule="top_percent", advance_value=120)
    assert "advance_value" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        make_contest(world.fs, rounds=[{"stage": "final"}, {"stage": "preliminary"}])
    assert "rounds" in err.value.fields


# --- judges ------------------------------------------------------------------------------------------------------


def test_judge_permissions_range_and_audited_corrections(world, make_staff):
    register_all(world, 1)
    prelim = _advance_everyone(world)
    semi = world.rounds[1]
    entry = Entry.objects.get(number=1)
    assert prelim.status == RoundStatus.ADVANCED
    # the organiser's district staff are not judges; a reviewer of a sibling district is not either
    for outsider in (world.fs, world.hd_reviewer, world.hd):
        with pytest.raises(PermissionDenied):
            services.practice_score_enter(outsider, round_id=semi.pk, entry_id=entry.pk, score=80)
    # a reviewer of the organiser's subtree may; so may an assigned judge from elsewhere
    services.practice_score_enter(world.reviewer, round_id=semi.pk, entry_id=entry.pk, score="88.5")
    services.judge_assign(world.fs, contest_id=world.contest.pk, user_id=world.hd.pk)
    services.practice_score_enter(world.hd, round_id=semi.pk, entry_id=entry.pk, score=90)
    # out of range: refused naming the field, nothing written
    with pytest.raises(ValidationFailed) as err:
        services.practice_score_enter(world.hd, round_id=semi.pk, entry_id=entry.pk, score=101, reason="x")
    assert "score" in err.value.fields and "0到100" in err.value.message
    # a second score without a reason is refused; with one it is a correction, audited with the old value
    with pytest.raises(Conflict) as err:
        services.practice_score_enter(world.reviewer, round_id=semi.pk, entry_id=entry.pk, score=70)
    assert "reason" in err.value.fields
    assert PracticeScore.objects.get(judge=world.reviewer).score == D("88.50")
    fixed = services.practice_score_enter(world.reviewer, round_id=semi.pk, entry_id=entry.pk, score=70,
                                          reason="误录，按评分表更正")
    assert (fixed.score, fixed.corrections) == (D("70.00"), 1)
    event = AuditEvent.objects.filter(object_type="contests.practicescore", action="update").get()
    assert event.detail["old"] == "88.50" and event.detail["new"] == "70.00" and "误录" in event.detail["reason"]
    assert PracticeScore.objects.count() == 2


def _advance_everyone(world):
    prelim = world.rounds[0]
    services.round_update(world.fs, round_id=prelim.pk, advance_rule="min_score", advance_value=0)
    entries = Entry.objects.filter(contest=world.contest)
    now = timezone.now()
    for e in entries:
        ExamAttempt.objects.create(round=prelim, entry=e, seed="s", question_ids=[], started_at=now,
                                   deadline=now + dt.timedelta(minutes=1), submitted_at=now, points=0, score=50)
    services.round_publish(world.fs, round_id=prelim.pk)
    services.round_advance(world.fs, round_id=prelim.pk)
    prelim.refresh_from_db()
    return prelim


# --- scope -------------------------------------------------------------------------------------------------------


def test_a_sibling_unions_staff_sees_nothing(world):
    register_all(world, 2)
    assert list(selectors.contest_list(user=world.hd)) == []
    for call in (lambda: selectors.contest_get(user=world.hd, contest_id=world.contest.pk),
                 lambda: selectors.entry_list(user=world.hd, contest_id=world.contest.pk),
                 lambda: selectors.ranking(user=world.hd, round_id=world.rounds[0].pk),
                 lambda: services.round_publish(world.hd, round_id=world.rounds[0].pk),
                 lambda: services.question_create(world.hd, contest_id=world.contest.pk, category="x",
                                                  kind="true_false", text="x", answer="A")):
        with pytest.raises(NotFound):
            call()
    assert selectors.contest_stats(user=world.hd) == {"contests": 0, "entries": 0}
    assert selectors.contest_stats(user=world.fs) == {"contests": 1, "entries": 2}


# --- the final and the certificates ------------------------------------------------------------------------------


def test_final_publication_issues_verifiable_certificates_that_render(world):
    register_all(world, 3)
    _advance_everyone(world)
    semi, final = world.rounds[1], world.rounds[2]
    services.round_update(world.fs, round_id=semi.pk, advance_rule="top_n", advance_value=2)
    _score_round(world, semi, {1: "90", 2: "80", 3: "70"}, {1: ["90"], 2: ["80"], 3: ["70"]}, [world.reviewer])
    services.round_publish(world.fs, round_id=semi.pk)
    assert services.round_advance(world.fs, round_id=semi.pk) == 2
    _score_round(world, final, {1: "70", 2: "90"}, {1: ["70"], 2: ["95"]}, [world.reviewer])
    services.round_publish(world.fs, round_id=final.pk)
    with pytest.raises(Conflict):
        services.round_advance(world.fs, round_id=final.pk)
    from zhijia.contests.models import Certificate

    certs = {c.entry.number: c for c in Certificate.objects.select_related("entry")}
    assert set(certs) == {1, 2} and (certs[2].rank, certs[2].award) == (1, "第1名")
    assert selectors.certificate_verify(number=certs[2].number) == certs[2]
    forged = certs[2].number[:-1] + ("0" if certs[2].number[-1] != "0" else "1")
    assert selectors.certificate_verify(number=forged) is None
    from zhijia.contests.certificate import contest_certificate_pdf

    pdf = contest_certificate_pdf(selectors.certificate_get(user=world.workers[1], entry_id=certs[2].entry_id))
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    with pytest.raises(NotFound):  # another entrant's certificate
        selectors.certificate_get(user=world.workers[0], entry_id=certs[2].entry_id)
    mine = selectors.entry_list_own(user=world.workers[1])
    assert mine[0]["certificate"] == certs[2] and mine[0]["stages"][2]["result"].rank == 1
