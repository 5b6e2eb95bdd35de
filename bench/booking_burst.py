"""Booking burst: N workers race for S counselling slots through the real API on a real server.

    .venv/bin/python bench/booking_burst.py [--workers 5000] [--slots 200] [--concurrency 50] [--server-workers 4]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/zhijia). It builds a throwaway database
(<name>_bench_booking), migrates it, creates the workers, their API tokens, one counsellor and the slots, starts
gunicorn on 127.0.0.1:--port, sends one POST /api/v1/wellbeing/bookings per worker (each for a random slot) at the
given concurrency, then the same number of GET /healthz (the trivial-endpoint baseline) at the same concurrency,
checks in the database that every slot is booked exactly once, stops the server and drops the database.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def admin_exec(base_url: str, sql: str) -> None:
    import psycopg

    u = urlparse(base_url)
    with psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, password=u.password,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def build(n_workers: int, n_slots: int) -> tuple[list[str], list[int]]:
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from zhijia.accounts.models import Role, User
    from zhijia.accounts.services import api_token_issue
    from zhijia.core.crypto import keyed_hash
    from zhijia.members.models import Membership, Worker
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert
    from zhijia.wellbeing.models import Counsellor, Slot

    union = _insert(Union(parent=None, name="压测工会", level=Level.MUNICIPAL, kind=Kind.FEDERATION,
                          region_code="110000"))
    password = make_password("unused-bench-password")
    User.objects.bulk_create([User(username=f"bw{i:06d}", role=Role.WORKER, password=password)
                              for i in range(n_workers)], batch_size=1000)
    users = list(User.objects.filter(username__startswith="bw").order_by("pk"))
    Worker.objects.bulk_create([
        Worker(user=u, name=f"压测{i}", id_number=f"bench-{i}", id_number_hash=keyed_hash(f"bench-{i}"),
               gender="M", birth_date=dt.date(1990, 1, 1)) for i, u in enumerate(users)], batch_size=1000)
    Membership.objects.bulk_create([Membership(worker=w, union=union, status="admitted")
                                    for w in Worker.objects.all()], batch_size=1000)
    cuser = User.objects.create(username="bench_counsellor", role=Role.REVIEWER, union=union)
    counsellor = Counsellor.objects.create(user=cuser, union=union, name="压测咨询师")
    start = timezone.now() + dt.timedelta(days=1)
    Slot.objects.bulk_create([Slot(counsellor=counsellor, starts_at=start + dt.timedelta(hours=i),
                                   ends_at=start + dt.timedelta(hours=i, minutes=50), mode="online")
                              for i in range(n_slots)])
    tokens = [api_token_issue(user=u)[0] for u in users]
    return tokens, list(Slot.objects.values_list("pk", flat=True))


def wait_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not come up")


def fire(port: int, jobs: list[tuple[str, str, bytes | None, dict]], concurrency: int):
    local = threading.local()

    def one(job):
        method, path, body, headers = job
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        try:
            local.conn.request(method, path, body=body, headers=headers)
            resp = local.conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = 0
        return status, (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, jobs))
    return results, time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=5000)
    ap.add_argument("--slots", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--server-workers", type=int, default=4)
    ap.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8601")))
    args = ap.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhijia")
    u = urlparse(base)
    bench_db = f"{u.path.lstrip('/') or 'zhijia'}_bench_booking"
    bench_url = u._replace(path=f"/{bench_db}").geturl()
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "zhijia.settings",
           "ZHIJIA_LOGIN_THROTTLE_LIMIT": "1000000", "LOG_LEVEL": "ERROR"}
    os.environ.update(env)
    admin_exec(base, f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    admin_exec(base, f'CREATE DATABASE "{bench_db}"')
    server = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        t_build = time.perf_counter()
        tokens, slot_ids = build(args.workers, args.slots)
        print(f"built {len(tokens)} workers, {len(slot_ids)} slots in {time.perf_counter() - t_build:.1f}s",
              file=sys.stderr)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "zhijia.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.server_workers), "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True)
        wait_up(args.port)
        rnd = random.Random(5000)
        # Warm every server worker up (imports, connections) before timing anything.
        fire(args.port, [("GET", "/healthz", None, {})] * 200, args.concurrency)
        jobs = [("POST", "/api/v1/wellbeing/bookings", json.dumps({"slot": rnd.choice(slot_ids)}).encode(),
                 {"Authorization": f"Bearer {t}", "Content-Type": "application/json"}) for t in tokens]
        booked, booking_s = fire(args.port, jobs, args.concurrency)
        trivial, trivial_s = fire(args.port, [("GET", "/healthz", None, {})] * len(jobs), args.concurrency)

        from django.db import connection
        from django.db.models import Count

        from zhijia.wellbeing.models import HOLDING_STATUSES, Booking

        connection.close()
        per_slot = dict(Booking.objects.filter(status__in=HOLDING_STATUSES).values_list("slot_id")
                        .annotate(n=Count("pk")).values_list("slot_id", "n"))
        statuses = [s for s, _ in booked]
        rps = len(jobs) / booking_s
        trivial_rps = len(jobs) / trivial_s
        result = {
            "requests": len(jobs), "slots": len(slot_ids), "concurrency": args.concurrency,
            "server_workers": args.server_workers,
            "confirmed": statuses.count(201), "taken_409": statuses.count(409),
            "errors": len(statuses) - statuses.count(201) - statuses.count(409),
            "slots_booked_once": sum(1 for s in slot_ids if per_slot.get(s) == 1),
            "double_booked": sum(1 for n in per_slot.values() if n > 1),
            "unbooked_slots": sum(1 for s in slot_ids if s not in per_slot),
            "requests_per_s": round(rps, 1), "p50_ms": pct([ms for _, ms in booked], .5),
            "p99_ms": pct([ms for _, ms in booked], .99),
            "trivial_requests_per_s": round(trivial_rps, 1), "trivial_p50_ms": pct([ms for _, ms in trivial], .5),
            "ratio_to_trivial": round(rps / trivial_rps, 3),
        }
        result["every_slot_booked_exactly_once"] = (result["slots_booked_once"] == len(slot_ids)
                                                    and result["confirmed"] == len(slot_ids))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        admin_exec(base, f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    print(json.dumps(result))


if __name__ == "__main__":
    main()
