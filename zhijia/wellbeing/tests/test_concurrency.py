"""A slot is never booked twice, with real concurrent clients on PostgreSQL (each thread its own connection)."""

import threading

import pytest
from django.db import connection

from zhijia.conftest import require_postgres
from zhijia.core.errors import Conflict
from zhijia.wellbeing import services
from zhijia.wellbeing.models import Booking

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _race(users, slot_id, *, before=None):
    results: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(users))

    def book(user):
        try:
            start.wait(timeout=10)
            services.booking_create(user, slot_id=slot_id)
            outcome = "booked"
        except Conflict:
            outcome = "taken"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=book, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(results)


def test_many_press_at_once_one_booking(transactional_db, city, make_worker_user, counsellor, slot):
    require_postgres()
    users = [make_worker_user(i, union=city.community) for i in range(1, 13)]
    results = _race(users, slot.pk)
    assert results.count("booked") == 1 and results.count("taken") == 11
    assert Booking.objects.filter(slot=slot).count() == 1


def test_control_without_the_lock_both_pass_the_check_and_only_the_constraint_holds(
        transactional_db, city, make_worker_user, counsellor, slot, monkeypatch):
    """Control: with the row lock replaced by a plain read, two clients both see the slot free (a barrier holds
    them between the check and the insert): the race is real. The partial unique constraint still lets one win."""
    require_postgres()
    from zhijia.wellbeing.models import Slot

    monkeypatch.setattr(services, "_lock_slot",
                        lambda slot_id: Slot.objects.select_related("counsellor").filter(pk=slot_id).first())
    passed_check = threading.Barrier(2)
    monkeypatch.setattr(services, "_after_availability_check", lambda: passed_check.wait(timeout=10))
    users = [make_worker_user(i, union=city.community) for i in (1, 2)]
    results = _race(users, slot.pk)
    assert not passed_check.broken  # both got past the availability check at the same time
    assert results == ["booked", "taken"]
    assert Booking.objects.filter(slot=slot).count() == 1


def test_two_free_counsellors_take_different_consultations_at_once(transactional_db, city, make_worker_user,
                                                                    counsellor, staff):
    require_postgres()
    second = services.counsellor_register(staff.fangshan, username="c_two", name="第二位", union_id=city.fangshan.pk)
    for i in (1, 2, 3):
        services.consultation_ask(make_worker_user(i, union=city.community), topic=f"问题{i}")
    taken: list[int] = []
    start = threading.Barrier(2)

    def take(user):
        try:
            start.wait(timeout=10)
            item = services.consultation_take_next(user)
            taken.append(item.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (counsellor.user, second.user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    from zhijia.wellbeing.models import Consultation

    oldest_two = list(Consultation.objects.order_by("created_at", "pk").values_list("pk", flat=True)[:2])
    assert sorted(taken) == sorted(oldest_two)  # each took one, never the same one
    assert Consultation.objects.filter(status="waiting").count() == 1
