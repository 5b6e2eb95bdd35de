"""Caps hold under concurrent entries, with real concurrent clients on PostgreSQL (each thread its own connection)."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from zhijia.challenge import services
from zhijia.challenge.models import ExerciseEntry, Participant, PointEntry
from zhijia.challenge.tests.conftest import photo
from zhijia.conftest import require_postgres
from zhijia.core.errors import DomainError

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _race(calls):
    """Run the calls at the same moment, one thread (and one database connection) each."""
    results: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(calls))

    def run(fn):
        try:
            start.wait(timeout=10)
            entry = fn()
            outcome = f"{entry.status}:{entry.points_awarded}"
        except DomainError as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(results)


def _walk(user, challenge, steps):
    return lambda: services.exercise_log(user, challenge_id=challenge.pk, date=timezone.localdate(), kind="walk",
                                         steps=steps)


def _totals(challenge):
    participant = Participant.objects.get(challenge=challenge)
    ledger = PointEntry.objects.filter(participant=participant).aggregate(s=Sum("points"))["s"] or 0
    return participant.total_points, ledger


def test_eight_entries_at_once_never_pass_the_daily_cap(transactional_db, joined, challenge):
    """Walk: 15,000 steps = 30 points, cap 40 a day. Eight at once: one earns 30, one 10, six are refused."""
    require_postgres()
    results = _race([_walk(joined, challenge, 15000) for _ in range(8)])
    assert results == ["counted:10", "counted:30"] + ["daily_cap_reached"] * 6
    assert _totals(challenge) == (40, 40)
    assert ExerciseEntry.objects.count() == 2


def test_control_without_the_day_lock_the_cap_is_broken(transactional_db, joined, challenge, monkeypatch):
    """Control: with the day row read without a lock, two clients that meet after the read (a barrier) both see
    an empty day and both earn 30: 60 > 40. The race is real, and the lock is what prevents it."""
    require_postgres()
    from zhijia.challenge.models import ParticipantDay

    def unlocked(participant, day):
        ParticipantDay.objects.bulk_create([ParticipantDay(participant=participant, date=day)],
                                           ignore_conflicts=True)
        return ParticipantDay.objects.get(participant=participant, date=day)

    # The day row exists before the race (else the second insert waits on the first's uncommitted one).
    ParticipantDay.objects.create(participant=Participant.objects.get(challenge=challenge),
                                  date=timezone.localdate())
    met = threading.Barrier(2)
    monkeypatch.setattr(services, "_lock_day", unlocked)
    monkeypatch.setattr(services, "_after_day_lock", lambda: met.wait(timeout=10))
    results = _race([_walk(joined, challenge, 15000) for _ in range(2)])
    assert results == ["counted:30", "counted:30"]
    assert _totals(challenge)[0] == 60


def test_same_photo_from_two_workers_at_once_one_is_flagged(transactional_db, city, challenge, make_worker_user):
    require_postgres()
    users = [make_worker_user(i, union=city.community) for i in (1, 2)]
    for u in users:
        services.challenge_join(u, challenge_id=challenge.pk)
    results = _race([lambda u=u: services.exercise_log(u, challenge_id=challenge.pk, date=timezone.localdate(),
                                                       kind="walk", steps=5000, photo=photo()) for u in users])
    assert results == ["counted:10", "flagged:0"]


def test_quiz_answers_at_once_respect_the_quiz_cap(transactional_db, joined, challenge):
    """Five correct answers sent at once with a quiz cap of 5 (2 a question): 5 points in all, never more."""
    require_postgres()
    challenge.quiz_daily_cap = 5
    challenge.save()
    _, _, questions = services.quiz_draw(joined, challenge_id=challenge.pk)
    answers: list[int] = []
    start = threading.Barrier(len(questions))

    def answer(q):
        try:
            start.wait(timeout=10)
            answers.append(services.quiz_answer(joined, challenge_id=challenge.pk, question_id=q.pk,
                                                choice=0).points_awarded)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [0, 0, 1, 2, 2]
    assert _totals(challenge) == (5, 5)
