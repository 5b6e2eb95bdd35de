"""Care at city scale: the per-level spending report over 1,000,000 visits, and concurrent visit entry.

    DATABASE_URL=postgres://... .venv/bin/python bench/care_reports.py [--visits 1000000] [--threads 8]

Builds its own union tree (a bench root with 16 districts × 20 streets), a campaign allocated down it, 200,000
workers and the visits (bulk SQL), then:
1. times `care.selectors.campaign_report` (what the page and the API call) for the root level against one
   hand-written SQL query (GROUPING SETS over the child segment of the union path) giving the same numbers, and
   checks that every number agrees (`mismatches` must be 0);
2. runs `--threads` concurrent clients recording visits through `visit_record` against ONE allocation until it is
   spent, and compares with the same clients doing plain inserts with no lock and no check (`overspent` must be 0).
Cleans up everything it made. PostgreSQL only. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijia.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from zhijia.accounts.models import User  # noqa: E402
from zhijia.care import selectors, services  # noqa: E402
from zhijia.care.models import Visit, WarmthCampaign  # noqa: E402
from zhijia.core.errors import DomainError  # noqa: E402
from zhijia.orgs.models import Kind, Level, Union  # noqa: E402
from zhijia.orgs.services import _insert  # noqa: E402

ROOT_NAME = "压测市总工会（care bench）"
WORKERS = 200_000

HAND_SQL = """
SELECT seg, SUM(total), COUNT(*), SUM(people), COUNT(DISTINCT worker_id)
FROM (
  SELECT split_part(substr(u.path, %(plen)s + 1), '/', 1) AS seg, v.total, v.people, v.worker_id
  FROM care_visit v JOIN orgs_union u ON u.id = v.union_id
  WHERE v.campaign_id = %(campaign)s AND u.path LIKE %(prefix)s
) s
GROUP BY GROUPING SETS ((seg), ())
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fast_bulk(cur) -> None:
    """Skip foreign-key triggers for this session's bulk writes of the bench's own rows, which are consistent by
    construction (needs a superuser; otherwise it is just slower)."""
    try:
        cur.execute("SET session_replication_role = replica")
    except Exception:  # noqa: BLE001 - not allowed: carry on with the triggers
        connection.rollback()


def cleanup() -> None:
    root = Union.objects.filter(name=ROOT_NAME, parent__isnull=True).first()
    with connection.cursor() as cur:
        fast_bulk(cur)
        campaigns = list(WarmthCampaign.objects.filter(union__path__startswith=root.path).values_list("id", flat=True)
                         ) if root else []
        if campaigns:
            ids = list(campaigns)
            cur.execute("DELETE FROM care_budgetentry WHERE campaign_id = ANY(%s)", [ids])
            cur.execute("DELETE FROM care_stockentry WHERE visit_id IN (SELECT id FROM care_visit "
                        "WHERE campaign_id = ANY(%s))", [ids])
            cur.execute("DELETE FROM care_visitgoods WHERE visit_id IN (SELECT id FROM care_visit "
                        "WHERE campaign_id = ANY(%s))", [ids])
            cur.execute("DELETE FROM care_visit WHERE campaign_id = ANY(%s)", [ids])
            cur.execute("UPDATE care_allocation SET parent_id = NULL WHERE campaign_id = ANY(%s)", [ids])
            cur.execute("DELETE FROM care_allocation WHERE campaign_id = ANY(%s)", [ids])
            cur.execute("DELETE FROM care_warmthcampaign WHERE id = ANY(%s)", [ids])
        cur.execute("DELETE FROM members_worker WHERE id_number_hash LIKE 'carebench-%%'")
        if root:
            cur.execute("DELETE FROM audit_auditevent WHERE union_path LIKE %s", [root.path + "%"])
            cur.execute("DELETE FROM accounts_apitoken WHERE user_id IN (SELECT id FROM accounts_user "
                        "WHERE username LIKE 'carebench-%%')")
            cur.execute("DELETE FROM accounts_user WHERE username LIKE 'carebench-%%'")
            cur.execute("DELETE FROM care_goodsstock WHERE union_id IN (SELECT id FROM orgs_union WHERE path LIKE %s)",
                        [root.path + "%"])
            # deepest first (the parent FK is PROTECT)
            cur.execute("DELETE FROM orgs_union WHERE path LIKE %s AND depth = 2", [root.path + "%"])
            cur.execute("DELETE FROM orgs_union WHERE path LIKE %s AND depth = 1", [root.path + "%"])
            cur.execute("DELETE FROM orgs_union WHERE id = %s", [root.pk])
        cur.execute("SET session_replication_role = DEFAULT")


def build(n_visits: int):
    t0 = time.perf_counter()
    root = _insert(Union(name=ROOT_NAME, level=Level.MUNICIPAL, kind=Kind.ENTERPRISE, region_code="990000"))
    admin = User.objects.create(username="carebench-admin", role="municipal_admin", union=root)
    districts = [_insert(Union(parent=root, name=f"压测区{d:02d}", level=Level.DISTRICT, kind=Kind.ENTERPRISE,
                               region_code=f"99{d:02d}00")) for d in range(1, 17)]
    streets = []
    for d in districts:
        streets += [_insert(Union(parent=d, name=f"{d.name}街道{s:02d}", level=Level.STREET, kind=Kind.ENTERPRISE,
                                  region_code=f"{d.region_code}{s:03d}000")) for s in range(1, 21)]
    today = timezone.localdate()
    campaign = services.campaign_create(admin, name="压测送温暖", budget="1000000000.00",
                                        starts_on=today - dt.timedelta(days=90), ends_on=today)
    for d in districts:
        services.allocation_create(admin, campaign_id=campaign.pk, union=d.pk, amount="50000000")
    for s in streets:
        services.allocation_create(admin, campaign_id=campaign.pk, union=s.pk, amount="2000000")
    log(f"tree and allocations: {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO members_worker (name, id_number, id_number_hash, phone, phone_hash, gender, birth_date,
                occupation, employer_name, employer_credit_code, work_region_code, home_region_code, created_at,
                updated_at)
            SELECT '压测职工' || g, 'x', convert_to(rpad('carebench-' || g, 16, '.'), 'UTF8'), '', '', 'M',
                   DATE '1990-01-01', 'courier', '', '',
                   '990000', '990000', now(), now()
            FROM generate_series(1, %s) g""", [WORKERS])
        cur.execute("SELECT min(id), max(id) FROM members_worker WHERE id_number_hash LIKE 'carebench-%%'")
        wmin, wmax = cur.fetchone()
        fast_bulk(cur)
        cur.execute("""CREATE TEMP TABLE bench_alloc AS
                       SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id, union_id FROM care_allocation
                       WHERE campaign_id = %s AND parent_id IS NOT NULL""", [campaign.pk])
        cur.execute("SELECT count(*) FROM bench_alloc")
        n_alloc = cur.fetchone()[0]
        t1 = time.perf_counter()
        # 90% individual visits (money 100-300), 10% group visits (10-29 people, goods value only)
        cur.execute("""
            INSERT INTO care_visit (campaign_id, allocation_id, union_id, worker_id, group_name, people, visitors,
                place, visited_at, amount, goods_value, total, note, receipt, recorded_by_id, created_at)
            SELECT %(c)s, a.id, a.union_id,
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE %(wmin)s + (g::bigint * 7919) %% %(wn)s END,
                   CASE WHEN g %% 10 = 0 THEN '压测集体' ELSE '' END,
                   CASE WHEN g %% 10 = 0 THEN 10 + g %% 20 ELSE 1 END,
                   '', '', now() - ((g %% 80) || ' days')::interval,
                   CASE WHEN g %% 10 = 0 THEN 0 ELSE 100 + (g %% 5) * 50 END,
                   CASE WHEN g %% 10 = 0 THEN 95 * (10 + g %% 20) ELSE 0 END,
                   CASE WHEN g %% 10 = 0 THEN 95 * (10 + g %% 20) ELSE 100 + (g %% 5) * 50 END,
                   '', '', NULL, now()
            FROM generate_series(1, %(n)s) g JOIN bench_alloc a ON a.rn = g %% %(na)s""",
                    {"c": campaign.pk, "wmin": wmin, "wn": wmax - wmin + 1, "n": n_visits, "na": n_alloc})
        # the counters the services would have kept
        cur.execute("""UPDATE care_allocation a SET spent = s.total FROM
                       (SELECT allocation_id, SUM(total) AS total FROM care_visit WHERE campaign_id = %s
                        GROUP BY allocation_id) s WHERE s.allocation_id = a.id""", [campaign.pk])
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE care_visit")
        cur.execute("ANALYZE orgs_union")
        log(f"{n_visits} visits inserted: {time.perf_counter() - t1:.1f}s")
    return root, admin, campaign, streets


def time_it(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def report_bench(root, admin, campaign, repeat: int) -> dict:
    def orm():
        return selectors.campaign_report(user=admin, campaign=campaign)

    def hand():
        with connection.cursor() as cur:
            cur.execute(HAND_SQL, {"plen": len(root.path), "campaign": campaign.pk, "prefix": root.path + "%"})
            return cur.fetchall()

    orm(), hand()  # warm caches
    orm_s, rows = time_it(orm, repeat)
    sql_s, sql_rows = time_it(hand, repeat)
    by_seg = {("" if seg is None else seg): r for seg, *r in [(row[0], *row[1:]) for row in sql_rows]}
    # GROUPING SETS: the grand total has seg NULL; a visit at the root itself would have seg ''.
    total = next(r for r in sql_rows if r[0] is None)
    mismatches = 0
    top = rows[0]
    if (top.spent, top.visits, top.person_times, top.people) != (total[1], total[2], total[3], total[4]):
        mismatches += 1
    for r in rows[1:]:
        s = by_seg.get(str(r.union.pk))
        if s is None or (r.spent, r.visits, r.person_times, r.people) != (s[0], s[1], s[2], s[3]):
            mismatches += 1
    return {"report_ms": round(orm_s * 1000, 1), "hand_sql_ms": round(sql_s * 1000, 1),
            "ratio_to_sql": round(orm_s / sql_s, 2), "report_rows": len(rows), "mismatches": mismatches,
            "spent_total": str(top.spent), "person_times": top.person_times, "distinct_people": top.people}


def concurrency_bench(admin, campaign, street, threads: int, allocation_amount: str) -> dict:
    """Clients record 100-yuan visits against one street allocation until it is spent."""
    today = timezone.localdate()
    small = services.campaign_create(admin, name="压测并发", budget=allocation_amount,
                                     starts_on=today - dt.timedelta(days=1), ends_on=today)
    allocation = services.allocation_create(admin, campaign_id=small.pk, union=street.pk, amount=allocation_amount)
    staff = User.objects.create(username="carebench-street", role="grassroots_staff", union=street)
    staff_solo = User.objects.create(username="carebench-solo", role="grassroots_staff", union=street)
    capacity = int(Decimal(allocation_amount) / 100)
    counts = {"ok": 0, "refused": 0, "busy": 0, "other": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def client():
        barrier.wait()
        try:
            while True:
                try:
                    services.visit_record(staff, campaign=small.pk, union=street.pk, group_name="并发压测",
                                          people=1, amount="100", visited_at=timezone.now() - dt.timedelta(seconds=5))
                    key = "ok"
                except DomainError as exc:
                    key = "refused" if exc.fields.get("amount") else ("busy" if exc.code == "busy" else "other")
                with lock:
                    counts[key] += 1
                if key == "refused":
                    return
        finally:
            connection.close()

    # Uncontended: one client, the same service, the street's allocation in the big campaign (no other writer):
    # how much of the cost is the lock's.
    solo_n = 200
    t = time.perf_counter()
    for _ in range(solo_n):
        services.visit_record(staff_solo, campaign=campaign.pk, union=street.pk, group_name="单线程", people=1,
                              amount="100", visited_at=timezone.now() - dt.timedelta(days=1))
    solo_per_s = solo_n / (time.perf_counter() - t)

    t = time.perf_counter()
    ts = [threading.Thread(target=client) for _ in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    elapsed = time.perf_counter() - t
    allocation.refresh_from_db()
    recorded = Visit.objects.filter(allocation=allocation).aggregate(s=Sum("total"))["s"] or Decimal(0)

    # Baseline: the same clients inserting the same number of visit rows with no lock and no check.
    per_thread = capacity // threads
    barrier2 = threading.Barrier(threads)

    def plain():
        barrier2.wait()
        try:
            for _ in range(per_thread):
                Visit.objects.create(campaign=small, allocation=allocation, union=street, group_name="基线",
                                     people=1, amount=Decimal("100"), total=Decimal("100"),
                                     visited_at=timezone.now())
        finally:
            connection.close()

    t = time.perf_counter()
    ts = [threading.Thread(target=plain) for _ in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    plain_elapsed = time.perf_counter() - t
    entries_per_s = counts["ok"] / elapsed
    plain_per_s = per_thread * threads / plain_elapsed
    return {"threads": threads, "capacity": capacity, "uncontended_entries_per_s": round(solo_per_s, 1),
            "confirmed": counts["ok"], "refused": counts["refused"],
            "busy": counts["busy"], "other_errors": counts["other"],
            "overspent": str(max(Decimal(0), recorded - allocation.amount)),
            "counter_mismatch": str(allocation.spent - recorded), "entries_per_s": round(entries_per_s, 1),
            "plain_inserts_per_s": round(plain_per_s, 1),
            "ratio_to_plain_insert": round(entries_per_s / plain_per_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--allocation", default="100000.00", help="yuan on the contended allocation")
    args = parser.parse_args()
    if not settings.IS_POSTGRES:
        sys.exit("bench/care_reports.py needs PostgreSQL (DATABASE_URL)")
    cleanup()
    try:
        root, admin, campaign, streets = build(args.visits)
        report = report_bench(root, admin, campaign, args.repeat)
        log(f"report: {report}")
        concurrency = concurrency_bench(admin, campaign, streets[0], args.threads, args.allocation)
        log(f"concurrency: {concurrency}")
    finally:
        cleanup()
    print(json.dumps({"bench": "care_reports", "visits": args.visits, **report, **concurrency},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
