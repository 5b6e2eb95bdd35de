#!/usr/bin/env python
"""Flash reservation burst: 20,000 members press "claim" on 400 units at once, against the real server.

    .venv/bin/python bench/reservation_burst.py [--members 20000] [--units 400] [--concurrency 256]
                                                [--workers 4] [--port 8450] [--entrants 100000]

What it does, all in one run:
1. creates its own PostgreSQL database (<DATABASE_URL's name>_burst) and migrates it; seeds the union tree and
   `--members` admitted members, each with an API token; publishes one first-come-first-served offer of `--units`
   units, limit 1 per member, released now (every late claim gets a place on the waiting list), and a small
   warm-up offer;
2. starts gunicorn (`--workers` sync workers) on 127.0.0.1:`--port` with that database and REDIS_URL;
3. a separate load-generator process (asyncio, one connection per request) first warms every server worker up on both
   paths (trivial requests, and claims on the warm-up offer: nothing of this is measured); then another sends every
   member's claim, with its Idempotency-Key, `--concurrency` at a time, as one burst; the baseline is `--baseline`
   requests to the trivial endpoint (/healthz: one SELECT 1 and one Redis PING) at the same concurrency, half just
   before and half just after the burst (so a change in the shared machine's load weighs on both alike). The
   server's CPU (gunicorn workers and the bench database's PostgreSQL backends, from /proc) is read around each
   phase: `cpu_ms_per_claim`, `cpu_ms_per_trivial` and `cpu_ratio_to_trivial` give the work per request, which
   drifts far less with the machine's other loads than requests per second do;
4. reads the truth from PostgreSQL: confirmed (holding) claims, units held twice (oversold), members over the limit;
5. times a lottery draw (the real service) over `--entrants` registered entrants;
6. stops the server, drops the database and the offer's Redis keys; prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    Null,
    admin_sql,
    cpu_spent,
    db_urls,
    issue_tokens,
    phase_client_main,
    run_phase,
    server_cpu,
    start_gunicorn,
    stop_server,
)

# --- orchestration --------------------------------------------------------------------------------------------------

def _db_urls() -> tuple[str, str, str]:
    return db_urls("burst")


def _seed(members: int, units: int, log) -> dict:
    """Seed through the project's own code: the union tree, members, one offer; then API tokens in bulk."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from zhijia.accounts import demo as accounts_demo
    from zhijia.accounts.models import User
    from zhijia.benefits.services import benefit_create
    from zhijia.members import demo as members_demo
    from zhijia.orgs import demo as orgs_demo

    call_command("migrate", verbosity=0)
    log("migrated")
    orgs_demo.seed(Null(), {})
    accounts_demo.seed(Null(), {})
    members_demo.seed(Null(), {"workers": members, "members": members})
    log(f"seeded {members} members")
    # One token per seeded member (the demo accounts without a membership are left out: every claim is a member's).
    tokens = issue_tokens(User.objects.filter(role="worker", worker__memberships__status="admitted")
                          .values_list("id", flat=True))
    admin = User.objects.get(username="admin")
    now = timezone.now()
    offer = benefit_create(admin, title="公园年票（压测）", kind="pass", units=units, per_member_limit=1,
                           release_at=now - dt.timedelta(seconds=1), closes_at=now + dt.timedelta(hours=2))
    warmup = benefit_create(admin, title="热身", kind="pass", units=10, release_at=now - dt.timedelta(seconds=1),
                            closes_at=now + dt.timedelta(hours=2))
    return {"offer": offer, "warmup": warmup, "tokens": tokens}



def _lottery_draw_timing(entrants: int, log) -> dict:
    """Register `entrants` members for a lottery (bulk, outside the timing) and time the real draw service."""
    import datetime as dt

    from django.utils import timezone

    from zhijia.accounts.models import User
    from zhijia.benefits import lottery
    from zhijia.benefits.models import Claim
    from zhijia.benefits.services import benefit_create, lottery_draw
    from zhijia.core.crypto import keyed_hash, seal
    from zhijia.members.models import Membership, Worker
    from zhijia.orgs.models import Union

    have = Membership.objects.filter(status="admitted").count()
    if have < entrants:  # more entrants than seeded members: add lightweight members (one sealed value reused)
        union = Union.objects.filter(level="street").order_by("id").first()
        sealed = seal("110111199001011234")
        workers = [Worker(name=f"压测{i}", id_number=sealed, id_number_hash=keyed_hash(f"bench-{i}"), gender="M",
                          birth_date=dt.date(1990, 1, 1)) for i in range(entrants - have)]
        Worker.objects.bulk_create(workers, batch_size=5000)
        Membership.objects.bulk_create([Membership(worker=w, union=union, status="admitted") for w in workers],
                                       batch_size=5000)
    admin = User.objects.get(username="admin")
    now = timezone.now()
    offer = benefit_create(admin, title="话剧票（抽签压测）", kind="ticket", units=400, mode="lottery",
                           release_at=now - dt.timedelta(hours=2), registration_closes_at=now - dt.timedelta(hours=1),
                           draw_at=now - dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=1))
    rows = []
    for m in Membership.objects.filter(status="admitted").values("worker_id", "union_id",
                                                                 "worker__user_id").order_by("id")[:entrants]:
        rows.append(Claim(benefit=offer, worker_id=m["worker_id"], user_id=m["worker__user_id"] or admin.pk,
                          union_id=m["union_id"], status="registered", units_at_claim=400, limit_at_claim=1,
                          entrant_code=lottery.entrant_code_for(benefit_id=offer.pk, worker_id=m["worker_id"])))
    Claim.objects.bulk_create(rows, batch_size=5000)
    log(f"registered {len(rows)} lottery entrants")
    codes = [r.entrant_code for r in rows]
    t0 = time.perf_counter()
    lottery.draw_order(offer.seed, codes)
    order_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lottery_draw(None, benefit_id=offer.pk)
    draw_s = time.perf_counter() - t0
    winners = Claim.objects.filter(benefit=offer, status="confirmed").count()
    return {"lottery_entrants": len(rows), "lottery_winners": winners, "lottery_draw_s": round(draw_s, 3),
            "lottery_order_only_s": round(order_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8450)
    parser.add_argument("--entrants", type=int, default=100000)
    parser.add_argument("--baseline", type=int, default=10000, help="trivial requests (half before, half after)")
    parser.add_argument("--phase-client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase_client:
        phase_client_main(args.phase_client)
        return

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    db_url, admin_url, db_name = _db_urls()
    admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    admin_sql(admin_url, f'CREATE DATABASE "{db_name}"')
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "ZHIJIA_REDIS_PREFIX": f"bench{os.getpid()}",
           "ZHIJIA_BENEFIT_RATE_IP": "1000000/60",
           "ZHIJIA_BENEFIT_RATE_MEMBER": "100/60", "LOG_LEVEL": "WARNING", "CELERY_EAGER": "1",
           "DJANGO_SETTINGS_MODULE": "zhijia.settings", "ZHIJIA_VAR_DIR": tempfile.mkdtemp(prefix="burst-")}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    server = None
    offers = []
    try:
        seeded = _seed(args.members, args.units, log)
        offer = seeded["offer"]
        offers = [offer, seeded["warmup"]]
        from django.db import connection

        connection.close()
        server = start_gunicorn(port=args.port, workers=args.workers, env=env)
        log(f"gunicorn up on :{args.port} with {args.workers} workers; bursting {len(seeded['tokens'])} claims")
        claim_jobs = [{"method": "POST", "path": f"/api/v1/benefits/{offer.pk}/claims", "parse": "status",
                       "headers": {"Authorization": f"Bearer {tok}", "Idempotency-Key": f"burst-{uid}",
                                   "Content-Type": "application/json"}, "body": "{}"}
                      for uid, tok in seeded["tokens"].items()]
        trivial_jobs = [{"method": "GET", "path": "/healthz", "headers": {}, "body": ""}] * min(len(claim_jobs),
                                                                                              args.baseline)
        warmup_jobs = [{**job, "path": f"/api/v1/benefits/{seeded['warmup'].pk}/claims",
                        "headers": {**job["headers"], "Idempotency-Key": f"warm-{i}"}}
                       for i, job in enumerate(claim_jobs[:300])] + trivial_jobs[:1000]
        common = {"host": "127.0.0.1", "port": args.port, "clients": 1, "concurrency": args.concurrency,
                  "workdir": Path(env["ZHIJIA_VAR_DIR"])}
        script = str(Path(__file__).resolve())
        run_phase(script, warmup_jobs, name="warmup", **common)
        # The baseline runs half before and half after the claims, so a change in the shared machine's load during
        # the run weighs on both sides alike. The server's CPU is read around each phase.
        half = len(trivial_jobs) // 2
        cpu = [server_cpu(server.pid, admin_url, db_name)]
        before = run_phase(script, trivial_jobs[:half], name="trivial-before", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        claims = run_phase(script, claim_jobs, name="claims", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        after = run_phase(script, trivial_jobs[half:], name="trivial-after", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        n_trivial, wall = before["n"] + after["n"], before["wall_s"] + after["wall_s"]
        trivial_cpu_ms = 1000 * (cpu_spent(cpu[0], cpu[1]) + cpu_spent(cpu[2], cpu[3])) / n_trivial
        claim_cpu_ms = 1000 * cpu_spent(cpu[1], cpu[2]) / claims["n"]
        statuses = claims["statuses"]
        log(f"claims: {statuses}; trivial: {before['statuses']} {after['statuses']}")

        from django.db.models import Count

        from zhijia.benefits.models import HOLDING, Claim

        holding = Claim.objects.filter(benefit=offer, status__in=HOLDING)
        units = list(holding.values_list("unit", flat=True))
        over_limit = (holding.values("worker").annotate(n=Count("id")).filter(n__gt=1).count())
        confirmed_answers = statuses.get("confirmed", 0)
        result = {
            "members": args.members, "units": args.units, "concurrency": args.concurrency,
            "gunicorn_workers": args.workers,
            "confirmed": len(units),
            "confirmed_answers": confirmed_answers,
            "waitlisted_answers": statuses.get("waitlisted", 0),
            "other_answers": {k: v for k, v in statuses.items() if k not in ("confirmed", "waitlisted")},
            "oversold": len(units) - len(set(units)) + max(len(units) - args.units, 0),
            "over_limit": over_limit,
            "p50_ms": round(claims["p50_ms"], 1), "p99_ms": round(claims["p99_ms"], 1),
            "claims_per_s": round(claims["rps"], 1),
            "trivial_per_s": round(n_trivial / wall, 1),
            "trivial_p50_ms": round((before["p50_ms"] + after["p50_ms"]) / 2, 1),
            "trivial_per_s_before": round(before["rps"], 1),
            "trivial_per_s_after": round(after["rps"], 1),
            "ratio_to_trivial": round(claims["rps"] / (n_trivial / wall), 3),
            "cpu_ms_per_claim": round(claim_cpu_ms, 2), "cpu_ms_per_trivial": round(trivial_cpu_ms, 2),
            "cpu_ratio_to_trivial": round(trivial_cpu_ms / claim_cpu_ms, 3),
        }
        stop_server(server)
        server = None
        if args.entrants:
            result.update(_lottery_draw_timing(args.entrants, log))
    finally:
        stop_server(server)
        try:
            from zhijia.benefits import gate

            for made in offers:
                gate.gate_drop(made)
            # This run's rate counters and Idempotency-Key markers (its own prefix): a later run starts clean.
            for found in gate.client().scan_iter(match=f"*{env['ZHIJIA_REDIS_PREFIX']}*", count=5000):
                gate.client().delete(found)
        finally:
            from django.db import connections

            connections.close_all()
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(json.dumps(result))


if __name__ == "__main__":
    main()
