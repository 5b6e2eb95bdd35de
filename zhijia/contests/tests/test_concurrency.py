"""Real concurrent clients (threads, each with its own PostgreSQL connection): registrations against the capacity
and the entrant numbers, two clicks on "start exam", two advances of the same round."""

from __future__ import annotations

import pytest

from zhijia.conftest import require_postgres
from zhijia.core.testing import run_concurrently

pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("contests_concurrency"),
              pytest.mark.django_db(transaction=True)]




def test_concurrent_registrations_keep_the_capacity_and_unique_numbers(city, make_staff, make_worker_user):
    require_postgres()
    from zhijia.contests import services
    from zhijia.contests.models import Entry
    from zhijia.contests.tests.conftest import make_contest

    fs = make_staff("cfs", city.fangshan)
    contest = make_contest(fs, capacity=5)
    workers = [make_worker_user(i, union=city.community) for i in range(1, 13)]
    # each worker twice: a double click must not give two entries either
    fns = [(lambda w=w: services.entry_register(w, contest_id=contest.pk)) for w in workers for _ in range(2)]
    results = run_concurrently(len(fns), lambda i: fns[i]())
    assert results.count("ok") == 5, results
    assert set(results) <= {"ok", "full", "already_registered"}, results
    numbers = sorted(Entry.objects.filter(contest=contest).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]


def test_two_clicks_on_start_give_one_paper_and_two_advances_one_move(city, make_staff, make_worker_user):
    require_postgres()
    from zhijia.contests import services
    from zhijia.contests.models import Entry, ExamAttempt, RoundResult
    from zhijia.contests.tests.conftest import add_questions, make_contest, open_exam

    fs = make_staff("cfs", city.fangshan)
    contest = make_contest(fs)
    add_questions(fs, contest)
    prelim = open_exam(fs, contest.rounds.get(order=1))
    worker = make_worker_user(1, union=city.community)
    services.entry_register(worker, contest_id=contest.pk)
    results = run_concurrently(4, lambda i: services.exam_start(worker, round_id=prelim.pk))
    assert results == ["ok"] * 4
    assert ExamAttempt.objects.count() == 1

    ExamAttempt.objects.all().delete()
    prelim.__class__.objects.filter(pk=prelim.pk).update(exam_opens_at=None, exam_closes_at=None)
    services.round_update(fs, round_id=prelim.pk, advance_rule="min_score", advance_value=0)
    services.round_publish(fs, round_id=prelim.pk)
    RoundResult.objects.update(absent=False)
    results = run_concurrently(3, lambda i: services.round_advance(fs, round_id=prelim.pk))
    assert sorted(results) == ["conflict", "conflict", "ok"], results
    assert Entry.objects.get().reached_order == 2


@pytest.mark.parametrize("locked", [True, False], ids=["guarded", "control-without-the-lock"])
def test_registration_race_with_a_slow_write(city, make_staff, make_worker_user, monkeypatch, locked):
    """The write is slowed so every registration reads before any writes. With the contest row locked they queue
    and exactly the capacity gets in with numbers 1..5; the control, with row locks switched off, shows the race
    the lock prevents: everyone reads the same count and number, so places and numbers clash."""
    require_postgres()
    import time

    from django.db.models import QuerySet

    from zhijia.contests import services
    from zhijia.contests.models import Entry
    from zhijia.contests.tests.conftest import make_contest

    fs = make_staff("cfs", city.fangshan)
    contest = make_contest(fs, capacity=5)
    workers = [make_worker_user(i, union=city.community) for i in range(1, 9)]
    original = Entry.objects.create

    def slow_create(**kwargs):
        time.sleep(0.3)
        return original(**kwargs)

    monkeypatch.setattr(Entry.objects, "create", slow_create)
    if not locked:
        monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **k: self)
    results = run_concurrently(len(workers), lambda i: services.entry_register(workers[i], contest_id=contest.pk))
    numbers = sorted(Entry.objects.filter(contest=contest).values_list("number", flat=True))
    if locked:
        assert sorted(results) == ["full"] * 3 + ["ok"] * 5 and numbers == [1, 2, 3, 4, 5]
    else:
        # eight different workers, yet most are told they registered already: they all took number 1
        assert results.count("already_registered") >= 1 and numbers != [1, 2, 3, 4, 5], (results, numbers)
