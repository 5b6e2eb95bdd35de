import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.challenge import selectors, services
from zhijia.challenge.models import (
    ExerciseEntry,
    Participant,
    PhotoFingerprint,
    PointEntry,
    Prize,
    QuizAnswer,
)
from zhijia.challenge.tests.conftest import make_challenge, photo
from zhijia.conftest import require_postgres
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

TODAY = timezone.localdate


def log(user, challenge, **kw):
    kw.setdefault("date", TODAY())
    kw.setdefault("kind", "walk")
    return services.exercise_log(user, challenge_id=challenge.pk, **kw)


def ledger_total(user, challenge) -> int:
    return PointEntry.objects.filter(participant__worker__user=user, challenge=challenge).aggregate(
        s=Sum("points"))["s"] or 0


def total(user, challenge) -> int:
    return Participant.objects.get(worker__user=user, challenge=challenge).total_points


# --- Joining ------------------------------------------------------------------------------------------------------


def test_a_member_joins_once(worker, challenge):
    p = services.challenge_join(worker, challenge_id=challenge.pk)
    assert p.union.name == "某社区工会" and p.total_points == 0
    with pytest.raises(Conflict):
        services.challenge_join(worker, challenge_id=challenge.pk)


def test_non_member_and_member_elsewhere_cannot_join(city, make_worker_user, challenge):
    outsider = make_worker_user(2)  # a worker, not a member
    with pytest.raises(PermissionDenied):
        services.challenge_join(outsider, challenge_id=challenge.pk)
    haidian_member = make_worker_user(3, union=city.zhongguancun)  # 房山's challenge is not theirs
    with pytest.raises(NotFound):
        services.challenge_join(haidian_member, challenge_id=challenge.pk)
    assert not Participant.objects.exists()


# --- Exercise and caps --------------------------------------------------------------------------------------------


def test_points_by_rule_and_the_kind_cap(joined, challenge):
    """Walk: 2 points per 1,000 steps, at most 40 a day. 15,000 steps → 30; 10,000 more → 10 (up to the cap);
    then the day is capped: a clear 409 and nothing written."""
    assert log(joined, challenge, steps=15000).points_awarded == 30
    second = log(joined, challenge, steps=10000)
    assert (second.points_claimed, second.points_awarded) == (20, 10)
    with pytest.raises(Conflict) as exc:
        log(joined, challenge, steps=1000)
    assert exc.value.code == "daily_cap_reached" and exc.value.status == 409
    assert ExerciseEntry.objects.count() == 2
    assert total(joined, challenge) == ledger_total(joined, challenge) == 40
    # Another kind still earns: the day's overall cap (100) is not reached.
    assert log(joined, challenge, kind="run", minutes=30).points_awarded == 30


def test_the_overall_daily_cap_binds_all_kinds(city, staff, make_worker_user):
    challenge = make_challenge(staff.fangshan, city.fangshan, daily_exercise_cap=50)
    user = make_worker_user(5, union=city.community)
    services.challenge_join(user, challenge_id=challenge.pk)
    assert log(user, challenge, kind="run", minutes=40).points_awarded == 40
    assert log(user, challenge, kind="cycle", minutes=30).points_awarded == 10
    with pytest.raises(Conflict):
        log(user, challenge, kind="fitness", minutes=5)
    # Yesterday is a different day with its own caps.
    assert log(user, challenge, kind="fitness", minutes=5, date=TODAY() - dt.timedelta(days=1)).points_awarded == 5
    assert total(user, challenge) == 55


def test_impossible_amounts_are_refused_with_the_rule(joined, challenge):
    with pytest.raises(ValidationFailed) as exc:
        log(joined, challenge, steps=100_001)
    assert exc.value.code == "impossible" and "100000" in exc.value.fields["steps"]
    log(joined, challenge, steps=60_000)
    with pytest.raises(ValidationFailed):  # the day's steps add up past 100,000
        log(joined, challenge, steps=50_000)
    with pytest.raises(ValidationFailed) as exc:
        log(joined, challenge, kind="fitness", minutes=601)
    assert "600" in exc.value.fields["minutes"]
    assert ExerciseEntry.objects.count() == 1


def test_impossible_speed_is_flagged_and_earns_after_approval(joined, challenge, staff):
    entry = log(joined, challenge, kind="run", minutes=30, distance_km="20")  # 40 km/h on foot
    assert entry.status == "flagged" and "40.0公里/小时" in entry.flag_reasons[0]
    assert entry.points_awarded == 0 and total(joined, challenge) == 0
    reviewed = services.entry_review(staff.fangshan, entry_id=entry.pk, decision="approve", note="手表记录无误")
    assert reviewed.points_awarded == 30 and total(joined, challenge) == 30
    assert AuditEvent.objects.filter(object_type="challenge.exerciseentry", action="approve").exists()
    with pytest.raises(Conflict):
        services.entry_review(staff.fangshan, entry_id=entry.pk, decision="reject")


@pytest.mark.parametrize(("days", "message"), [(1, "未来"), (-2, "今天或昨天"), (-11, "挑战赛期间")])
def test_dates_outside_what_may_be_logged(joined, challenge, days, message):
    with pytest.raises(ValidationFailed) as exc:
        log(joined, challenge, steps=1000, date=TODAY() + dt.timedelta(days=days))
    assert message in exc.value.fields["date"]


def test_wrong_measure_and_unknown_kind(joined, challenge):
    with pytest.raises(ValidationFailed) as exc:
        log(joined, challenge, minutes=30)  # walking counts steps
    assert "steps" in exc.value.fields
    with pytest.raises(ValidationFailed):
        log(joined, challenge, kind="chess", minutes=30)
    with pytest.raises(ValidationFailed):
        log(joined, challenge, steps=0)


def test_only_a_participant_logs(worker, challenge):
    with pytest.raises(ValidationFailed) as exc:
        log(worker, challenge, steps=1000)
    assert exc.value.code == "not_joined"


# --- Duplicate photos ---------------------------------------------------------------------------------------------


def test_a_photo_used_again_is_flagged_whoever_uses_it(city, joined, challenge, make_worker_user):
    first = log(joined, challenge, steps=5000, photo=photo())
    assert first.status == "counted" and len(first.photo_sha256) == 64 and first.photo
    other = make_worker_user(2, union=city.chengguan)
    services.challenge_join(other, challenge_id=challenge.pk)
    copied = log(other, challenge, steps=5000, photo=photo())
    assert copied.status == "flagged" and f"#{first.pk}" in copied.flag_reasons[0]
    assert copied.photo_sha256 == first.photo_sha256 and total(other, challenge) == 0
    again = log(joined, challenge, steps=5000, photo=photo(), date=TODAY() - dt.timedelta(days=1))
    assert again.status == "flagged"
    assert log(joined, challenge, steps=5000, photo=photo(b"other")).status == "counted"
    assert PhotoFingerprint.objects.count() == 2
    assert [e.pk for e in selectors.flagged_entries(user=_staff(city), challenge_id=challenge.pk)] == \
        [copied.pk, again.pk]


def _staff(city):
    from zhijia.accounts.models import User

    return User.objects.get(username="fs1")


def test_a_flag_rejected_earns_nothing(joined, challenge, staff):
    log(joined, challenge, steps=5000, photo=photo())
    dup = log(joined, challenge, steps=5000, photo=photo(), date=TODAY() - dt.timedelta(days=1))
    services.entry_review(staff.fangshan, entry_id=dup.pk, decision="reject", note="重复截图")
    assert ExerciseEntry.objects.get(pk=dup.pk).status == "rejected" and total(joined, challenge) == 10


def test_non_image_photo_is_refused(joined, challenge):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationFailed) as exc:
        log(joined, challenge, steps=5000, photo=SimpleUploadedFile("a.png", b"not an image"))
    assert "photo" in exc.value.fields and not ExerciseEntry.objects.exists()


# --- The daily quiz -----------------------------------------------------------------------------------------------


def test_quiz_draw_is_stable_marked_and_capped(joined, challenge):
    """5 questions a day, 2 points each, at most 10: all correct gives 10; cap lowered to 5: 2, 2, 1, 0, 0."""
    _, _, questions = services.quiz_draw(joined, challenge_id=challenge.pk)
    assert len(questions) == 5 and len({q.pk for q in questions}) == 5
    assert [q.pk for q in services.quiz_draw(joined, challenge_id=challenge.pk)[2]] == [q.pk for q in questions]
    challenge.quiz_daily_cap = 5
    challenge.save()
    wrong = services.quiz_answer(joined, challenge_id=challenge.pk, question_id=questions[0].pk, choice=1)
    assert not wrong.correct and wrong.points_awarded == 0
    awarded = [services.quiz_answer(joined, challenge_id=challenge.pk, question_id=q.pk, choice=0).points_awarded
               for q in questions[1:]]
    assert awarded == [2, 2, 1, 0]
    assert total(joined, challenge) == ledger_total(joined, challenge) == 5
    with pytest.raises(Conflict):
        services.quiz_answer(joined, challenge_id=challenge.pk, question_id=questions[1].pk, choice=0)
    assert QuizAnswer.objects.count() == 5


def test_quiz_answer_outside_the_draw_or_out_of_range(joined, challenge):
    _, day, questions = services.quiz_draw(joined, challenge_id=challenge.pk)
    others = challenge.questions.exclude(pk__in=day.quiz_question_ids)
    with pytest.raises(ValidationFailed) as exc:
        services.quiz_answer(joined, challenge_id=challenge.pk, question_id=others.first().pk, choice=0)
    assert "question" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.quiz_answer(joined, challenge_id=challenge.pk, question_id=questions[0].pk, choice=7)
    assert "choice" in exc.value.fields
    assert not QuizAnswer.objects.exists()


# --- The ledger ---------------------------------------------------------------------------------------------------


def test_ledger_rows_cannot_be_changed_or_deleted(joined, challenge):
    log(joined, challenge, steps=5000)
    row = PointEntry.objects.get()
    row.points = 999
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_database_refuses_update_and_delete_of_the_ledger(joined, challenge):
    require_postgres()
    log(joined, challenge, steps=5000)
    for statement in ("UPDATE challenge_pointentry SET points = 999", "DELETE FROM challenge_pointentry"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement)
    assert PointEntry.objects.get().points == 10
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        PointEntry.objects.all().update(points=0)


def test_a_correction_is_a_reversing_row(joined, challenge, staff):
    log(joined, challenge, steps=15000)
    original = PointEntry.objects.get()
    reversal = services.point_entry_reverse(staff.fangshan, point_entry_id=original.pk, reason="截图作假")
    assert reversal.points == -30 and reversal.reference == f"reversal:{original.pk}"
    assert PointEntry.objects.count() == 2 and total(joined, challenge) == ledger_total(joined, challenge) == 0
    with pytest.raises(Conflict):
        services.point_entry_reverse(staff.fangshan, point_entry_id=original.pk, reason="again")
    with pytest.raises(ValidationFailed):
        services.point_entry_reverse(staff.fangshan, point_entry_id=reversal.pk, reason="undo")
    # The reversed points are freed from the day's cap.
    assert log(joined, challenge, steps=20000).points_awarded == 40
    assert AuditEvent.objects.filter(object_type="challenge.pointentry").count() == 1


# --- Ranks and leaderboards ---------------------------------------------------------------------------------------


@pytest.fixture
def field(city, challenge, make_worker_user):
    """Four participants with 30, 20, 20 and 10 points (the two 20s: number 2 reached it first)."""
    users = []
    for i, (union, steps) in enumerate([(city.community, 15000), (city.community, 10000), (city.couriers, 10000),
                                        (city.couriers, 5000)], start=11):
        u = make_worker_user(i, union=union)
        services.challenge_join(u, challenge_id=challenge.pk)
        log(u, challenge, steps=steps)
        users.append(u)
    return users


def test_rank_with_ties(field, challenge):
    board = selectors.leaderboard_people(challenge_id=challenge.pk, use_cache=False)
    assert [(r["rank"], r["points"]) for r in board] == [(1, 30), (2, 20), (2, 20), (4, 10)]
    ids = [Participant.objects.get(worker__user=u).pk for u in field]
    assert [r["participant"] for r in board] == ids  # on equal points, who got there first is listed first
    assert "*" in board[0]["name"]  # names are masked
    standings = [selectors.participant_standing(participant=Participant.objects.get(pk=i)) for i in ids]
    assert [s["rank"] for s in standings] == [1, 2, 2, 4] and standings[0]["participants"] == 4
    page = selectors.leaderboard_people(challenge_id=challenge.pk, offset=2, limit=2, use_cache=False)
    assert [(r["rank"], r["points"]) for r in page] == [(2, 20), (4, 10)]


def test_union_leaderboard_average_and_total(field, challenge):
    """社区: 30 + 20 = 50 over 2 (25.0); 快递: 20 + 10 = 30 over 2 (15.0)."""
    by_avg = selectors.leaderboard_unions(challenge_id=challenge.pk, min_participants=2, use_cache=False)
    assert [(r["union"], r["total"], r["participants"], r["average"], r["rank"]) for r in by_avg] == [
        ("某社区工会", 50, 2, 25.0, 1), ("房山区快递行业工会联合会", 30, 2, 15.0, 2)]
    # By default a union needs 5 participants to be ranked by average; by total every union is ranked.
    assert selectors.leaderboard_unions(challenge_id=challenge.pk, use_cache=False) == []
    assert len(selectors.leaderboard_unions(challenge_id=challenge.pk, by="total", use_cache=False)) == 2
    with pytest.raises(ValidationFailed):
        selectors.leaderboard_unions(challenge_id=challenge.pk, by="median")


def test_union_average_can_beat_a_bigger_total(city, challenge, field, make_worker_user):
    u = make_worker_user(30, union=city.chengguan)
    services.challenge_join(u, challenge_id=challenge.pk)
    log(u, challenge, steps=20000)
    log(u, challenge, kind="run", minutes=40)  # 80 points alone
    by_avg = selectors.leaderboard_unions(challenge_id=challenge.pk, min_participants=1, use_cache=False)
    by_total = selectors.leaderboard_unions(challenge_id=challenge.pk, by="total", use_cache=False)
    assert by_avg[0]["union"] == "城关街道总工会" and by_avg[0]["average"] == 80.0
    assert [r["union"] for r in by_total] == ["城关街道总工会", "某社区工会", "房山区快递行业工会联合会"]
    assert by_total[0]["total"] == 80 and by_total[1]["total"] == 50


def test_ledger_and_totals_agree(field, challenge):
    sums = dict(PointEntry.objects.filter(challenge=challenge).values_list("participant")
                .annotate(s=Sum("points")).values_list("participant", "s"))
    assert sums == dict(Participant.objects.filter(challenge=challenge).values_list("pk", "total_points"))


# --- Scope --------------------------------------------------------------------------------------------------------


def test_sibling_district_staff_sees_nothing(city, staff, joined, challenge):
    log(joined, challenge, steps=5000, photo=photo())
    log(joined, challenge, steps=5000, photo=photo(), date=TODAY() - dt.timedelta(days=1))
    flagged = ExerciseEntry.objects.get(status="flagged")
    assert list(selectors.challenge_list(user=staff.haidian)) == []
    assert list(selectors.flagged_entries(user=staff.haidian)) == []
    assert selectors.participant_count(user=staff.haidian) == 0
    assert selectors.participant_count(user=staff.fangshan) == 1
    with pytest.raises(NotFound):
        selectors.challenge_get(user=staff.haidian, challenge_id=challenge.pk)
    with pytest.raises(NotFound):
        services.entry_review(staff.haidian, entry_id=flagged.pk, decision="approve")
    with pytest.raises(NotFound):
        services.point_entry_reverse(staff.haidian, point_entry_id=PointEntry.objects.first().pk, reason="x")
    with pytest.raises(NotFound):
        services.challenge_close(staff.haidian, challenge_id=challenge.pk)
    with pytest.raises(ValidationFailed):
        services.challenge_create(staff.haidian, union_id=city.fangshan.pk, title="x", starts_on=TODAY(),
                                  ends_on=TODAY())
    assert [c.pk for c in selectors.challenge_list(user=staff.admin)] == [challenge.pk]


# --- Close and prizes ---------------------------------------------------------------------------------------------


def _back_in_time(challenge, days: int) -> None:
    from zhijia.challenge.models import Challenge

    Challenge.objects.filter(pk=challenge.pk).update(starts_on=challenge.starts_on - dt.timedelta(days=days),
                                                     ends_on=TODAY() - dt.timedelta(days=days))


def test_close_awards_the_top_n_with_the_tie_rule(field, challenge, staff):
    """Prizes for 2: 30 points (rank 1) and, of the two with 20, the one who reached 20 first (rank 2)."""
    challenge.prize_count = 2
    challenge.save()
    with pytest.raises(ValidationFailed):  # still running
        services.challenge_close(staff.fangshan, challenge_id=challenge.pk)
    _back_in_time(challenge, 1)
    with pytest.raises(ValidationFailed):  # yesterday's entries may still come in
        services.challenge_close(staff.fangshan, challenge_id=challenge.pk)
    _back_in_time(challenge, 2)
    prizes = services.challenge_close(staff.fangshan, challenge_id=challenge.pk)
    assert [(p.place, p.rank, p.points) for p in prizes] == [(1, 1, 30), (2, 2, 20)]
    ids = [Participant.objects.get(worker__user=u).pk for u in field]
    assert [p.participant_id for p in Prize.objects.order_by("place")] == ids[:2]
    assert AuditEvent.objects.filter(object_type="challenge.challenge", action="approve",
                                     detail__prizes=2).exists()
    with pytest.raises(Conflict):
        services.challenge_close(staff.fangshan, challenge_id=challenge.pk)


def test_close_waits_for_flags_to_be_reviewed(joined, challenge, staff):
    log(joined, challenge, steps=5000, photo=photo())
    dup = log(joined, challenge, steps=5000, photo=photo(), date=TODAY() - dt.timedelta(days=1))
    _back_in_time(challenge, 2)
    with pytest.raises(Conflict) as exc:
        services.challenge_close(staff.fangshan, challenge_id=challenge.pk)
    assert exc.value.code == "flags_pending"
    services.entry_review(staff.fangshan, entry_id=dup.pk, decision="reject")
    assert len(services.challenge_close(staff.fangshan, challenge_id=challenge.pk)) == 1
    with pytest.raises(ValidationFailed):  # closed: nothing more is logged
        log(joined, challenge, steps=1000)


def test_a_drifted_total_is_repaired_from_the_ledger(field, challenge):
    p = Participant.objects.get(worker__user=field[0])
    Participant.objects.filter(pk=p.pk).update(total_points=999)  # a hand edit
    assert services.challenge_totals_reconcile() == 1
    assert Participant.objects.get(pk=p.pk).total_points == 30
    assert services.challenge_totals_reconcile() == 0
