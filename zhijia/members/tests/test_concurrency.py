"""Real concurrent clients on PostgreSQL: one application per worker, one admission per application."""

import threading

import pytest
from django.db import connection

from zhijia.conftest import require_postgres
from zhijia.core.errors import Conflict, DomainError
from zhijia.members import services
from zhijia.members.models import Membership, MembershipApplication
from zhijia.members.tests.factories import person

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _race(n, fn):
    barrier = threading.Barrier(n)
    results: list = []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except DomainError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_simultaneous_applications_make_one(city, make_staff):
    require_postgres()
    agent = make_staff("agent", city.root, role="hotline_agent")
    p = person(101)

    def submit():
        return services.application_submit(agent, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                           occupation="courier", work_region_code="110111001000")

    results = _race(6, submit)
    assert len(results) == 6  # every request answered: an application or a 409, never an unhandled error
    assert sum(isinstance(r, MembershipApplication) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, MembershipApplication))
    assert MembershipApplication.objects.count() == 1 and Membership.objects.count() == 1


def test_two_staff_approving_at_once_admit_once(city, make_staff):
    require_postgres()
    agent = make_staff("agent", city.root, role="hotline_agent")
    p = person(102)
    a = services.application_submit(agent, name=p["name"], id_number=p["id_number"], phone=p["phone"],
                                    occupation="courier", work_region_code="110111001000")
    staff = [make_staff(f"fs{i}", city.fangshan) for i in range(4)]
    it = iter(staff)
    lock = threading.Lock()

    def approve():
        with lock:
            user = next(it)
        return services.application_approve(user, application_id=a.pk)

    results = _race(4, approve)
    assert len(results) == 4
    assert sum(isinstance(r, MembershipApplication) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 3
    m = Membership.objects.get()
    assert m.status == "admitted" and m.member_number
