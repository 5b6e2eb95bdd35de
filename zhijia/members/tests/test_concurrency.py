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


def test_roster_import_stages_from_a_writer_thread_and_commits_ranges_in_parallel(city, make_staff, monkeypatch):
    """Outside a test transaction the import runs as in production: staging from a second thread, then ranges
    committed two at a time on their own connections. Every good row lands once, numbers are unique, the staged good
    rows are gone, and a second run of the commit task changes nothing."""
    import csv
    import io

    from zhijia.members import imports
    from zhijia.members.models import RosterImport, RosterRow, Worker

    require_postgres()
    monkeypatch.setattr(imports, "CHUNK", 7)
    monkeypatch.setattr(imports, "COMMIT_RANGE", 9)
    staff = make_staff("fs", city.fangshan)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["姓名", "身份证号", "手机号", "职业"])
    for i in range(300, 360):
        p = person(i)
        writer.writerow([p["name"], p["id_number"], p["phone"] if i % 10 else "123", "快递员"])
    writer.writerow([person(301)["name"], person(301)["id_number"], person(301)["phone"], "快递员"])  # a repeat
    item = imports.roster_import_create(staff, union_id=city.chengguan.pk, filename="r.csv",
                                        fileobj=io.BytesIO(buf.getvalue().encode()))
    item = RosterImport.objects.get(pk=item.pk)
    assert (item.status, item.total_rows, item.good_rows, item.bad_rows) == ("validated", 61, 54, 7)
    imports.roster_import_commit(staff, import_id=item.pk)
    item = RosterImport.objects.get(pk=item.pk)
    assert (item.status, item.created_workers, item.created_memberships, item.processed_rows) == ("done", 54, 54, 54)
    numbers = list(Membership.objects.filter(union=city.chengguan).values_list("member_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 54 and Worker.objects.count() == 54
    assert not RosterRow.objects.filter(roster_import=item, ok=True).exists()
    assert RosterRow.objects.filter(roster_import=item, ok=False).count() == 7
    RosterImport.objects.filter(pk=item.pk).update(status="committing")  # the task delivered twice
    imports.roster_import_run_commit(import_id=item.pk)
    assert Membership.objects.count() == 54 and Worker.objects.count() == 54


def test_a_first_load_in_parallel_ranges_with_workers_applying_online_meanwhile(city, make_staff, monkeypatch):
    """A fresh batch (none of its workers known at validation) commits ranges two at a time by plain inserts. Workers
    of the file apply online after the report, one of them from another connection just as its range starts: those
    ranges fall back to the upsert. Nobody is doubled, nobody gets two current memberships, and the counts add up."""
    import csv
    import io

    from zhijia.members import imports
    from zhijia.members.models import RosterImport, RosterRow, Worker
    from zhijia.members.tests.factories import apply

    require_postgres()
    monkeypatch.setattr(imports, "COMMIT_RANGE", 9)
    staff = make_staff("fs", city.fangshan)
    agent = make_staff("agent", city.root, role="hotline_agent")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["姓名", "身份证号", "手机号", "职业"])
    for i in range(400, 460):
        writer.writerow([person(i)["name"], person(i)["id_number"], person(i)["phone"], "快递员"])
    item = imports.roster_import_create(staff, union_id=city.chengguan.pk, filename="r.csv",
                                        fileobj=io.BytesIO(buf.getvalue().encode()))
    assert RosterImport.objects.get(pk=item.pk).existing_rows == 0
    apply(agent, 405, region="110108010000", occupation="other")  # after the report, before the commit
    during = 433  # row 35 of the file, in the range [29, 38) (rows start at 2)
    original = imports._Commit.range

    def commit_range(self, lo, hi):
        if lo <= during - 400 + 2 < hi:
            done = threading.Thread(target=lambda: (apply(agent, during, region="110108010000", occupation="other"),
                                                    connection.close()))
            done.start()
            done.join()  # committed on its own connection while the other thread's range is open
        return original(self, lo, hi)

    monkeypatch.setattr(imports._Commit, "range", commit_range)
    imports.roster_import_commit(staff, import_id=item.pk)
    item = RosterImport.objects.get(pk=item.pk)
    assert (item.status, item.created_workers, item.created_memberships, item.processed_rows) == ("done", 58, 58, 60)
    assert Worker.objects.count() == 60
    assert Membership.objects.filter(status__in=["applied", "admitted"]).count() == 60  # one current each
    assert Membership.objects.filter(union=city.chengguan, status="admitted").count() == 58
    assert set(Membership.objects.exclude(union=city.chengguan).values_list("worker__name", flat=True)) == \
        {person(405)["name"], person(during)["name"]}
    assert not RosterRow.objects.filter(roster_import=item, ok=True).exists()
