import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from zhijia.audit.models import AuditEvent
from zhijia.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhijia.wellbeing import selectors, services
from zhijia.wellbeing.models import Assessment, Booking, CrisisFlag, SessionNote

PHQ9_BOUNDARIES = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
                   (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")]
GAD7_BOUNDARIES = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
                   (15, "severe"), (21, "severe")]


def answers_for(total: int, n: int, *, keep_last_zero: bool = False) -> list[int]:
    """n answers summing to `total`, filled from the first item (item 9 kept at 0 when asked)."""
    out, left = [], total
    for i in range(n):
        if keep_last_zero and i == n - 1:
            out.append(0)
            continue
        a = min(3, left)
        out.append(a)
        left -= a
    assert left == 0
    return out


@pytest.mark.parametrize(("score", "band"), PHQ9_BOUNDARIES)
def test_phq9_band_at_every_boundary(worker, score, band):
    answers = answers_for(score, 9, keep_last_zero=score <= 24)
    a = services.assessment_submit(worker, scale="phq9", answers=answers)
    assert (a.score, a.band) == (score, band)
    assert a.crisis is (answers[8] > 0)


@pytest.mark.parametrize(("score", "band"), GAD7_BOUNDARIES)
def test_gad7_band_at_every_boundary(worker, score, band):
    a = services.assessment_submit(worker, scale="gad7", answers=answers_for(score, 7))
    assert (a.score, a.band, a.crisis) == (score, band, False)


@pytest.mark.parametrize(("scale", "answers", "field"), [
    ("phq9", [0] * 8, "answers"), ("phq9", [0] * 10, "answers"), ("gad7", [0, 0, 0, 0, 0, 0, 4], "answers"),
    ("gad7", [0, 0, 0, 0, 0, 0, -1], "answers"), ("gad7", [0, 0, 0, 0, 0, 0, "2"], "answers"),
    ("gad7", [0, 0, 0, 0, 0, 0, True], "answers"), ("bdi", [0] * 9, "scale"),
])
def test_bad_answers_name_the_field_and_write_nothing(worker, scale, answers, field):
    with pytest.raises(ValidationFailed) as err:
        services.assessment_submit(worker, scale=scale, answers=answers)
    assert field in err.value.fields
    assert Assessment.objects.count() == 0


def test_item9_above_zero_raises_a_flag_even_with_a_low_score(worker, settings):
    settings.WELLBEING_CRISIS_ACK_MINUTES = 15
    a = services.assessment_submit(worker, scale="phq9", answers=[0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert a.crisis and a.band == "minimal"
    flag = CrisisFlag.objects.get(assessment=a)
    assert flag.acknowledged_at is None
    assert dt.timedelta(minutes=14) < flag.due_at - timezone.now() <= dt.timedelta(minutes=15)


def test_crisis_flag_escalates_when_not_acknowledged_then_a_counsellor_acknowledges(worker, counsellor, staff,
                                                                                      settings):
    settings.WELLBEING_ESCALATION_PHONE = "13800000000"
    a = services.assessment_submit(worker, scale="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 2])
    flag = a.crisis_flag
    # Before the deadline nothing escalates; after it, the flag goes up one level with a new deadline.
    assert services.crisis_flags_escalate(now=flag.due_at - dt.timedelta(minutes=1)) == 0
    later = flag.due_at + dt.timedelta(minutes=1)
    assert services.crisis_flags_escalate(now=later) == 1
    flag.refresh_from_db()
    assert flag.escalation_level == 1 and flag.escalated_at == later
    assert services.crisis_flags_escalate(now=later) == 0  # not twice for the same period
    # Staff of the district see the flag (times only), a sibling district does not.
    assert selectors.crisis_flag_list(user=staff.fangshan).filter(pk=flag.pk).exists()
    assert not selectors.crisis_flag_list(user=staff.haidian).filter(pk=flag.pk).exists()
    acked = services.crisis_flag_acknowledge(counsellor.user, flag_id=flag.pk)
    assert acked.acknowledged_by == counsellor
    with pytest.raises(Conflict):
        services.crisis_flag_acknowledge(counsellor.user, flag_id=flag.pk)
    assert services.crisis_flags_escalate(now=later + dt.timedelta(days=1)) == 0


def test_counsellor_of_another_district_cannot_acknowledge(worker, city, staff):
    other = services.counsellor_register(staff.haidian, username="c_hd", name="海淀咨询", union_id=city.haidian.pk)
    a = services.assessment_submit(worker, scale="phq9", answers=[0] * 8 + [3])
    with pytest.raises(NotFound):
        services.crisis_flag_acknowledge(other.user, flag_id=a.crisis_flag.pk)


def test_anonymous_assessment_keeps_no_identity(worker, django_assert_num_queries):
    before = AuditEvent.objects.count()
    a = services.assessment_submit(worker, scale="phq9", answers=[3] * 9, anonymous=True)
    a.refresh_from_db()
    assert a.worker_id is None and a.union_id is None and a.shared_with_id is None
    assert a.crisis and a.crisis_flag.union_id is None
    assert AuditEvent.objects.count() == before  # no audit row ties the actor to it
    # No column of the row or its flag holds an address or a user.
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM wellbeing_assessment WHERE id = %s", [a.pk])
        row = dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))
    assert set(row) == {"id", "scale", "answers", "score", "band", "crisis", "worker_id", "union_id",
                        "shared_with_id", "created_at"}
    assert row["answers"] != json.dumps([3] * 9)  # sealed at rest


def test_results_are_private_unless_shared(worker, make_worker_user, city, counsellor):
    mine = services.assessment_submit(worker, scale="gad7", answers=[2] * 7)
    other_worker = make_worker_user(2, union=city.community)
    with pytest.raises(NotFound):
        selectors.assessment_get(user=other_worker, assessment_id=mine.pk)
    with pytest.raises(NotFound):
        selectors.assessment_get(user=counsellor.user, assessment_id=mine.pk)
    services.assessment_share(worker, assessment_id=mine.pk, counsellor_id=counsellor.pk)
    seen = selectors.assessment_get(user=counsellor.user, assessment_id=mine.pk)
    assert seen.score == 14
    assert AuditEvent.objects.filter(object_type="wellbeing.assessment", object_id=str(mine.pk),
                                     action="view_pii", actor=counsellor.user).exists()
    services.assessment_share(worker, assessment_id=mine.pk, counsellor_id=None)
    with pytest.raises(NotFound):
        selectors.assessment_get(user=counsellor.user, assessment_id=mine.pk)


def test_booking_cancel_rebook_and_past_slot(worker, slot, make_worker_user, city, counsellor):
    booking = services.booking_create(worker, slot_id=slot.pk)
    other = make_worker_user(2, union=city.community)
    with pytest.raises(Conflict):
        services.booking_create(other, slot_id=slot.pk)
    assert not selectors.slot_list().filter(pk=slot.pk).exists()
    services.booking_cancel(worker, booking_id=booking.pk)
    assert selectors.slot_list().filter(pk=slot.pk).exists()
    again = services.booking_create(other, slot_id=slot.pk)
    assert again.status == "booked"
    slot.starts_at = timezone.now() - dt.timedelta(hours=1)
    slot.ends_at = timezone.now() + dt.timedelta(hours=1)
    slot.save()
    from zhijia.wellbeing.services import slot_publish

    with pytest.raises(ValidationFailed) as err:
        slot_publish(counsellor.user, starts_at=timezone.now() - dt.timedelta(hours=1), mode="phone")
    assert "starts_at" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.booking_cancel(other, booking_id=again.pk)
    assert "booking" in err.value.fields


def test_booking_past_slot_refused(worker, slot):
    slot.starts_at = timezone.now() - dt.timedelta(minutes=5)
    slot.save()
    with pytest.raises(ValidationFailed) as err:
        services.booking_create(worker, slot_id=slot.pk)
    assert err.value.code == "past" and Booking.objects.count() == 0


def test_no_show_attended_rating_and_notes_private(worker, slot, counsellor, city, staff):
    booking = services.booking_create(worker, slot_id=slot.pk)
    with pytest.raises(ValidationFailed):
        services.booking_mark(counsellor.user, booking_id=booking.pk, outcome="attended")  # not started yet
    slot.starts_at, slot.ends_at = timezone.now() - dt.timedelta(minutes=50), timezone.now()
    slot.save()
    services.booking_mark(counsellor.user, booking_id=booking.pk, outcome="attended")
    services.booking_rate(worker, booking_id=booking.pk, rating=5, comment="很有帮助")
    with pytest.raises(ValidationFailed):
        services.booking_rate(worker, booking_id=booking.pk, rating=6)
    services.session_note_write(counsellor.user, booking_id=booking.pk, body="来访者压力源：工作时长")
    assert selectors.session_note_get(user=counsellor.user, booking_id=booking.pk).body.startswith("来访者")
    with connection.cursor() as cur:
        cur.execute("SELECT body FROM wellbeing_sessionnote")
        assert "来访者" not in cur.fetchone()[0]  # encrypted at rest
    other = services.counsellor_register(staff.fangshan, username="c2", name="王咨询", union_id=city.fangshan.pk)
    for reader in (other.user, worker, staff.fangshan, staff.admin):
        with pytest.raises((NotFound, PermissionDenied)):
            selectors.session_note_get(user=reader, booking_id=booking.pk)
    assert SessionNote.objects.count() == 1


def test_quick_consultation_first_free_counsellor_takes_oldest(make_worker_user, city, counsellor, staff):
    w1, w2 = make_worker_user(1, union=city.community), make_worker_user(2, union=city.community)
    c1 = services.consultation_ask(w1, topic="最近睡不好")
    c2 = services.consultation_ask(w2, topic="和同事有矛盾")
    assert selectors.consultation_wait(c2)["position"] == 2
    with pytest.raises(Conflict):
        services.consultation_ask(w1, topic="再问一次")
    taken = services.consultation_take_next(counsellor.user)
    assert taken.pk == c1.pk and taken.topic == "最近睡不好"
    with pytest.raises(Conflict):
        services.consultation_take_next(counsellor.user)  # busy until closed
    c2.refresh_from_db()
    assert selectors.consultation_wait(c2)["position"] == 1
    second = services.counsellor_register(staff.fangshan, username="c3", name="赵咨询", union_id=city.fangshan.pk)
    assert services.consultation_take_next(second.user).pk == c2.pk
    services.consultation_close(counsellor.user, consultation_id=c1.pk)
    assert services.consultation_take_next(counsellor.user) is None


def test_reminders_once_per_booking(worker, slot):
    from zhijia.accounts.sms import LogSmsBackend

    services.booking_create(worker, slot_id=slot.pk)
    LogSmsBackend.sent.clear()
    assert services.bookings_remind(now=slot.starts_at - dt.timedelta(hours=48)) == 0
    assert services.bookings_remind(now=slot.starts_at - dt.timedelta(hours=2)) == 1
    assert services.bookings_remind(now=slot.starts_at - dt.timedelta(hours=1)) == 0


def test_retention_deletes_old_health_data(worker, settings):
    settings.WELLBEING_RETENTION_DAYS = 30
    old = services.assessment_submit(worker, scale="phq9", answers=[0] * 8 + [1])
    Assessment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    fresh = services.assessment_submit(worker, scale="gad7", answers=[0] * 7)
    counts = services.wellbeing_purge_expired()
    assert counts["assessments"] == 1
    assert list(Assessment.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not CrisisFlag.objects.exists()


def test_report_is_counts_only_and_scoped(worker, staff, make_worker_user, city):
    services.assessment_submit(worker, scale="phq9", answers=[1] * 9)
    services.assessment_submit(worker, scale="gad7", answers=[0] * 7)
    hd = make_worker_user(3, union=city.zhongguancun)
    services.assessment_submit(hd, scale="gad7", answers=[3] * 7)
    services.assessment_submit(None, scale="gad7", answers=[3] * 7, anonymous=True)
    fs = selectors.wellbeing_report(user=staff.fangshan)
    assert sorted((r["scale"], r["band"], r["count"]) for r in fs["assessments_by_band"]) == [
        ("gad7", "minimal", 1), ("phq9", "mild", 1)]
    assert fs["crisis_flags"]["raised"] == 1
    hdr = selectors.wellbeing_report(user=staff.haidian)
    assert [(r["band"], r["count"]) for r in hdr["assessments_by_band"]] == [("severe", 1)]
    assert hdr["crisis_flags"]["raised"] == 0
    root = selectors.wellbeing_report(user=staff.admin)
    assert sum(r["count"] for r in root["assessments_by_band"]) == 4  # anonymous counted at the root only
    # Nothing in a report names a person.
    assert "worker" not in json.dumps(fs, default=str)
