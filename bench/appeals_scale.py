"""Appeals at city scale: the three rates and the deadline sweep through the ORM against hand-written SQL giving the
same numbers, and intake over HTTP against a trivial endpoint of the same server.

    DATABASE_URL=postgres://... .venv/bin/python bench/appeals_scale.py --cases 1000000

Builds its own data (cases numbered BENCH-..., over the demo union tree, which it seeds if missing), measures, and
removes everything it made. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijia.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from zhijia.accounts.models import User  # noqa: E402
from zhijia.appeals import selectors  # noqa: E402
from zhijia.appeals.models import Appeal, AppealNumberCounter, Category  # noqa: E402
from zhijia.core import workcalendar  # noqa: E402
from zhijia.core.crypto import keyed_hash  # noqa: E402
from zhijia.members.models import Worker  # noqa: E402
from zhijia.orgs.models import Union  # noqa: E402

BENCH_ID = "110105195001010000"  # a bench-only worker (check digit added below)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    fn()  # warm the caches for both sides alike
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def ensure_tree() -> Union:
    root = Union.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None or Union.objects.count() < 50:
        from zhijia.orgs import demo

        demo.seed(sys.stderr, {})
        root = Union.objects.filter(parent__isnull=True).order_by("id").first()
    return root


def bench_worker() -> Worker:
    from zhijia.core.identity import id_number_check_char

    number = BENCH_ID[:17] + id_number_check_char(BENCH_ID[:17])
    worker = Worker.objects.filter(id_number_hash=keyed_hash(number)).first()
    return worker or Worker.objects.create(name="压测职工", id_number=number, id_number_hash=keyed_hash(number),
                                           gender="M", birth_date=dt.date(1950, 1, 1))


def cleanup(worker: Worker | None) -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM appeals_appealevent WHERE appeal_id IN "
                    "(SELECT id FROM appeals_appeal WHERE number LIKE 'BENCH-%%')")
        cur.execute("DELETE FROM appeals_appeal WHERE number LIKE 'BENCH-%%'")
    if worker is not None:
        Appeal.objects.filter(worker=worker).delete()


def generate(n: int, n_open: int, root: Union, worker: Worker) -> None:
    """n cases over two years (the newest n_open still open, deadlines around now) in one INSERT ... SELECT."""
    units = list(Union.objects.filter(path__startswith=root.path).exclude(pk=root.pk).values_list("id", flat=True))
    cats = list(Category.objects.values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute("""
            WITH s AS (
              SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                     (%(units)s::bigint[])[1 + floor(random() * %(nu)s)::int] AS unit,
                     (%(cats)s::bigint[])[1 + floor(random() * %(nc)s)::int] AS cat
              FROM generate_series(1, %(n)s) g
            ), t AS (
              SELECT s.*, g > %(n)s - %(open)s AS open,
                     CASE WHEN g > %(n)s - %(open)s THEN now() - r1 * interval '10 days'
                          ELSE now() - interval '10 days' - r1 * interval '720 days' END AS rcv
              FROM s
            )
            INSERT INTO appeals_appeal (number, channel, category_id, urgency, worker_id, text, region_code, status,
              receiving_union_id, handling_union_id, received_at, accepted_at, responded_at, answered_at, closed_at,
              respond_by, resolve_by, respond_unit, resolve_unit, reminded_respond, reminded_resolve,
              escalated_respond, escalated_resolve, return_count, reopen_count, answer, outcome, rating_status,
              rated_at, rating_resolved, rating_satisfied, rating_comment, updated_at)
            SELECT 'BENCH-' || lpad(g::text, 8, '0'), 'visit', cat, 'normal', %(worker)s, '性能测试', '',
              CASE WHEN open THEN (ARRAY['received','dispatched','accepted','in_progress'])[1 + floor(r4 * 4)::int]
                   ELSE 'closed' END,
              %(root)s, unit, rcv, NULL,
              CASE WHEN open AND r3 < 0.5 THEN NULL ELSE rcv + r2 * interval '36 hours' END,
              CASE WHEN open THEN NULL ELSE rcv + interval '3 days' END,
              CASE WHEN open THEN NULL ELSE rcv + interval '3 days' END,
              CASE WHEN open THEN rcv + r2 * interval '6 days' ELSE rcv + interval '24 hours' END,
              CASE WHEN open THEN rcv + interval '5 days' + r2 * interval '6 days' ELSE rcv + interval '7 days' END,
              'workdays', 'workdays', open AND r4 < 0.2, open AND r4 < 0.1, false, false, 0, 0, '',
              CASE WHEN open THEN '' ELSE 'resolved' END,
              CASE WHEN open THEN 'pending' WHEN r3 < 0.8 THEN 'rated' WHEN r3 < 0.9 THEN 'unrated'
                   ELSE 'pending' END,
              CASE WHEN NOT open AND r3 < 0.8 THEN rcv + interval '4 days' END,
              CASE WHEN NOT open AND r3 < 0.8 THEN r4 < 0.9 END,
              CASE WHEN NOT open AND r3 < 0.8 THEN r4 < 0.85 END, '', now()
            FROM t
        """, {"units": units, "nu": len(units), "cats": cats, "nc": len(cats), "n": n, "open": n_open,
              "worker": worker.pk, "root": root.pk})
        # Fresh statistics and no dead rows left by an earlier run (autocommit: VACUUM cannot run in a transaction).
        cur.execute("VACUUM ANALYZE appeals_appeal")


RATES_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE a.responded_at IS NOT NULL AND a.responded_at <= a.respond_by),
       count(*) FILTER (WHERE a.status = 'closed' AND a.rating_status = 'rated' AND a.rating_resolved),
       count(*) FILTER (WHERE a.status = 'closed' AND a.rating_status = 'rated' AND a.rating_satisfied),
       count(*) FILTER (WHERE a.status = 'closed' AND a.rating_status = 'rated')
FROM appeals_appeal a JOIN orgs_union u ON u.id = a.handling_union_id
WHERE u.path LIKE %s AND a.received_at >= %s AND a.received_at < %s AND a.status <> 'merged'
"""

SWEEP_SQL = """
SELECT id,
  (responded_at IS NULL AND NOT escalated_respond AND respond_by < %(now)s),
  (responded_at IS NULL AND NOT reminded_respond AND respond_by >= %(now)s AND respond_by <= %(soon)s),
  (NOT escalated_resolve AND resolve_by < %(now)s),
  (NOT reminded_resolve AND resolve_by >= %(now)s AND resolve_by <= %(soon)s)
FROM appeals_appeal
WHERE status IN ('received', 'dispatched', 'accepted', 'in_progress')
  AND ((responded_at IS NULL AND NOT escalated_respond AND respond_by < %(now)s)
    OR (responded_at IS NULL AND NOT reminded_respond AND respond_by >= %(now)s AND respond_by <= %(soon)s)
    OR (NOT escalated_resolve AND resolve_by < %(now)s)
    OR (NOT reminded_resolve AND resolve_by >= %(now)s AND resolve_by <= %(soon)s))
ORDER BY id
"""


def rates_pair(user, unit: Union, period: selectors.Period) -> dict:
    start, end = period.bounds

    def orm():
        r = selectors.rates(user=user, union_id=unit.pk, period=period)
        return (r["received"], r["responded_in_time"], r["resolved"], r["satisfied"], r["rated"])

    def sql():
        with connection.cursor() as cur:
            cur.execute(RATES_SQL, [unit.path + "%", start, end])
            return tuple(cur.fetchone())

    t_sql, n_sql = best_of(sql)
    t_orm, n_orm = best_of(orm)
    return {"orm_ms": round(t_orm * 1000, 1), "sql_ms": round(t_sql * 1000, 1),
            "ratio_to_sql": round(t_orm / t_sql, 3), "received": n_orm[0], "agree": n_orm == n_sql}


def sweep_pair() -> dict:
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(hours=2)

    def orm():
        return selectors.sweep_due(now=now, remind_window=window)

    def sql():
        names = ("respond_escalate", "respond_remind", "resolve_escalate", "resolve_remind")
        with connection.cursor() as cur:
            cur.execute(SWEEP_SQL, {"now": now, "soon": now + window})
            return [(row[0], name) for row in cur.fetchall() for name, flag in zip(names, row[1:], strict=True)
                    if flag]

    t_sql, r_sql = best_of(sql)
    t_orm, r_orm = best_of(orm)
    return {"orm_ms": round(t_orm * 1000, 1), "sql_ms": round(t_sql * 1000, 1),
            "ratio_to_sql": round(t_orm / t_sql, 3), "due": len(r_orm), "agree": r_orm == r_sql}


def http_intake(port: int, token: str, worker: Worker, requests: int, concurrency: int) -> dict:
    env = dict(os.environ, ZHIJIA_APPEALS_DUPLICATE_WINDOW_DAYS="30")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "zhijia.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)

        def run(make_request) -> tuple[float, int]:
            errors = [0]
            counter = iter(range(requests))
            lock = threading.Lock()

            def loop():
                while True:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    try:
                        with urllib.request.urlopen(make_request(i), timeout=30) as resp:
                            resp.read()
                    except OSError:
                        errors[0] += 1

            t = time.perf_counter()
            threads = [threading.Thread(target=loop) for _ in range(concurrency)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            return requests / (time.perf_counter() - t), errors[0]

        def trivial(i):
            return urllib.request.Request(base + "/healthz")

        def intake(i):
            body = json.dumps({"channel": "walk_in", "category": "policy", "urgency": "normal",
                               "text": f"压测诉求 {i}", "worker": worker.pk}).encode()
            return urllib.request.Request(base + "/api/v1/appeals", data=body, method="POST", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"bench-{time.time_ns()}-{i}"})

        run(trivial)  # warm up
        trivial_rps, trivial_err = run(trivial)
        intake_rps, intake_err = run(intake)
    finally:
        server.terminate()
        server.wait(10)
    return {"appeals_per_s": round(intake_rps, 1), "trivial_per_s": round(trivial_rps, 1),
            "ratio_to_trivial": round(intake_rps / trivial_rps, 3), "errors": intake_err + trivial_err}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--open", type=int, default=100_000, help="open cases among them (for the sweep)")
    parser.add_argument("--requests", type=int, default=300, help="HTTP intake requests")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8201)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("this benchmark needs PostgreSQL (set DATABASE_URL)")
    n_open = min(args.open, args.cases // 2)
    root = ensure_tree()
    worker = bench_worker()
    from zhijia.appeals.defaults import ensure_defaults
    from zhijia.appeals.models import TimeLimit

    ensure_defaults(Category, TimeLimit)
    staff = User.objects.filter(username="bench_appeals").first() or User.objects.create(
        username="bench_appeals", role="municipal_admin", union=root)
    counters = {(c.prefix, c.day): c.last for c in AppealNumberCounter.objects.filter(prefix="WI")}
    cleanup(worker)
    out: dict = {"cases": args.cases, "open": n_open}
    try:
        t = time.perf_counter()
        generate(args.cases, n_open, root, worker)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        log(f"generated {args.cases} cases in {out['generate_s']} s")
        today = dt.datetime.now(workcalendar.SHANGHAI).date()
        district = Union.objects.filter(parent=root, region_code="110111").first() or \
            Union.objects.filter(parent=root).order_by("id").first()
        out["rates_city_year"] = rates_pair(staff, root, selectors.Period(today - dt.timedelta(days=365), today))
        log(f"city/year {out['rates_city_year']}")
        out["rates_district_month"] = rates_pair(staff, district, selectors.Period(today - dt.timedelta(days=30),
                                                                                   today))
        log(f"district/month {out['rates_district_month']}")
        out["sweep"] = sweep_pair()
        log(f"sweep {out['sweep']}")
        from zhijia.accounts.services import api_token_issue

        token, _ = api_token_issue(user=staff)
        out["intake_http"] = http_intake(args.port, token, worker, args.requests, args.concurrency)
        log(f"intake {out['intake_http']}")
    finally:
        cleanup(worker)
        AppealNumberCounter.objects.filter(prefix="WI").exclude(
            day__in=[d for _, d in counters]).delete()
        for (prefix, day), last in counters.items():
            AppealNumberCounter.objects.filter(prefix=prefix, day=day).update(last=last)
        staff.api_tokens.all().delete()
        staff.delete()
        worker.delete()
    ratios = [out["rates_city_year"]["ratio_to_sql"], out["rates_district_month"]["ratio_to_sql"],
              out["sweep"]["ratio_to_sql"]]
    out["max_ratio_to_sql"] = max(ratios)
    out["all_agree"] = all(out[k]["agree"] for k in ("rates_city_year", "rates_district_month", "sweep"))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
