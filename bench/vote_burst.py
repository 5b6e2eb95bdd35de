#!/usr/bin/env python
"""Public vote burst: 50,000 members vote at once in a selection with a limit of one vote a day, against the real
server; some try a second time to prove the limit. Then the challenge leaderboard's top 100 over 1,000,000 ledger
entries against hand-written SQL (bench/challenge_leaderboard.py, run as a child process). One JSON line for both.

    .venv/bin/python bench/vote_burst.py [--members 50000] [--candidates 363] [--twice 0.1] [--clients 2]
                                         [--concurrency 64] [--workers 4] [--port 8110] [--baseline 10000]
                                         [--participants 100000] [--entries 1000000] [--repeat 20]
                                         [--skip-votes] [--skip-leaderboard]

What it does, all in one run:
1. creates its own PostgreSQL database (<DATABASE_URL's name>_votes) and migrates it; seeds the union tree and
   `--members` admitted members, each with an API token; a selection of `--candidates` candidates in its public
   vote, one vote per member per day (the fraud signals stay on: every vote runs their queries);
2. starts gunicorn (`--workers` sync workers) on 127.0.0.1:`--port` with that database and REDIS_URL, NUM_PROXIES=1
   so each member's X-Forwarded-For address (spread over many /24 networks, as phones on mobile networks are) is the
   client address;
3. `--clients` load-generator processes (asyncio, one connection per request, `--concurrency` each) send every
   member's vote as one burst, plus a second vote from a `--twice` share of them (the second must be refused);
   the baseline is `--baseline` requests to the trivial endpoint (/healthz: one SELECT 1 and one Redis PING) by the
   same clients, half just before and half just after the burst;
   the server's CPU (gunicorn workers and the PostgreSQL backends of the bench database, from /proc) is read
   around each phase: `cpu_ms_per_vote`, `cpu_ms_per_trivial` and `cpu_ratio_to_trivial` (the work per request,
   steadier than requests per second on a shared machine);
4. reads the truth from PostgreSQL: votes in the ledger, members over the limit, and checks the ledger's totals
   against the cached live totals;
5. stops the server, drops the database and the live-total keys;
6. runs `bench/challenge_leaderboard.py --participants --entries --repeat` in a child process (its own throw-away
   database, the environment this command started with) and adds its figures with the prefix `leaderboard_`
   (`leaderboard_ratio` = hand-written SQL time / the app's top 100, higher is better; `leaderboard_mismatches`);
7. prints one JSON line: the vote figures (`ratio_to_trivial`), the leaderboard figures, and `load_avg` (1-minute
   load average before and after each part; the machine is shared).

`--skip-votes` or `--skip-leaderboard` runs one part only (quick runs). `main()` parses the arguments and prints;
`run(args)` returns the vote figures, `leaderboard(args, env)` the leaderboard ones.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
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


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _seed(members: int, candidates: int) -> dict:
    """Seed through the project's own code: the union tree, members, a selection taken to its public vote."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from zhijia.accounts import demo as accounts_demo
    from zhijia.accounts.models import User
    from zhijia.honors import services
    from zhijia.honors.models import Candidate, CandidateStatus, Selection, Stage
    from zhijia.members import demo as members_demo
    from zhijia.orgs import demo as orgs_demo
    from zhijia.orgs.models import Level, Union

    call_command("migrate", verbosity=0)
    orgs_demo.seed(Null(), {})
    accounts_demo.seed(Null(), {})
    members_demo.seed(Null(), {"workers": members, "members": members})
    _log(f"seeded {members} members")
    user_ids = list(User.objects.filter(role="worker", worker__memberships__status="admitted")
                    .values_list("id", flat=True))
    tokens = issue_tokens(user_ids)
    admin = User.objects.get(username="admin")
    now = timezone.now()
    # Seeded accounts are minutes old: the new-account signal is off, the others run on every vote; the same-second
    # signal's limit is set above what a burst on one candidate reaches (the burst is the point here).
    selection = services.selection_create(
        admin, title="最美出租汽车司机（压测）", votes_per_day=1, vote_starts_at=now - dt.timedelta(minutes=5),
        vote_ends_at=now + dt.timedelta(hours=6), new_account_hours=0, lockstep_limit=100000)
    root = Union.objects.get(level=Level.MUNICIPAL, name="北京市总工会")
    districts = list(Union.objects.filter(parent=root, level=Level.DISTRICT))
    Candidate.objects.bulk_create([
        Candidate(selection=selection, number=i, name=f"候选人{i}", union=districts[i % len(districts)],
                  story="驾驶出租汽车二十年，安全行驶一百余万公里。", status=CandidateStatus.PASSED,
                  nominated_by=admin, nominated_at=now) for i in range(1, candidates + 1)])
    Selection.objects.filter(pk=selection.pk).update(stage=Stage.PUBLIC_VOTE)
    services.live_totals_rebuild(selection_id=selection.pk)  # what selection_advance does when the vote opens
    ids = list(Candidate.objects.filter(selection=selection).values_list("id", flat=True))
    return {"selection_id": selection.pk, "candidate_ids": ids, "tokens": tokens}


def _vote_job(candidate_id: int, token: str, ip: str) -> dict:
    return {"method": "POST", "path": f"/api/v1/honors/candidates/{candidate_id}/votes", "parse": "status",
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "X-Forwarded-For": ip}, "body": "{}"}


def run(args) -> dict:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    db_url, admin_url, db_name = db_urls("votes")
    admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    admin_sql(admin_url, f'CREATE DATABASE "{db_name}"')
    workdir = Path(tempfile.mkdtemp(prefix="votes-"))
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "ZHIJIA_REDIS_PREFIX": f"bench{os.getpid()}",
           "LOG_LEVEL": "ERROR", "CELERY_EAGER": "1",
           "NUM_PROXIES": "1", "DJANGO_SETTINGS_MODULE": "zhijia.settings", "ZHIJIA_VAR_DIR": str(workdir)}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    server = None
    seeded = None
    try:
        seeded = _seed(args.members, args.candidates)
        from django.db import connection

        connection.close()
        server = start_gunicorn(port=args.port, workers=args.workers, env=env)
        rnd = random.Random(12351)
        candidates = seeded["candidate_ids"]
        # Popular candidates get more votes (as in a real vote); each member from an address of their own /24.
        weights = [1 / (i + 1) ** 0.7 for i in range(len(candidates))]
        picks = rnd.choices(candidates, weights=weights, k=len(seeded["tokens"]))
        first, second = [], []
        for (uid, token), cand in zip(seeded["tokens"].items(), picks, strict=True):
            ip = f"10.{uid // 250 % 256}.{uid % 250}.{rnd.randint(1, 254)}"
            first.append(_vote_job(cand, token, ip))
            if rnd.random() < args.twice:
                second.append(_vote_job(rnd.choice(candidates), token, ip))
        # The retries go in among the first votes, so a member's two requests race each other.
        jobs = first[:]
        for job in second:
            jobs.insert(rnd.randrange(len(jobs) + 1), job)
        trivial = [{"method": "GET", "path": "/healthz", "headers": {}, "body": ""}] * args.baseline
        common = {"host": "127.0.0.1", "port": args.port, "clients": args.clients, "concurrency": args.concurrency,
                  "workdir": workdir}
        script = str(Path(__file__).resolve())
        _log(f"gunicorn up on :{args.port} with {args.workers} workers; {len(jobs)} votes "
             f"({len(second)} second tries) from {args.clients} clients × {args.concurrency}")
        cpu = [server_cpu(server.pid, admin_url, db_name)]
        before = run_phase(script, trivial[: args.baseline // 2], name="trivial-before", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        votes = run_phase(script, jobs, name="votes", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        after = run_phase(script, trivial[args.baseline // 2:], name="trivial-after", **common)
        cpu.append(server_cpu(server.pid, admin_url, db_name))
        trivial_cpu_ms = 1000 * (cpu_spent(cpu[0], cpu[1]) + cpu_spent(cpu[2], cpu[3])) / (before["n"] + after["n"])
        vote_cpu_ms = 1000 * cpu_spent(cpu[1], cpu[2]) / votes["n"]
        _log(f"votes: {votes['statuses']}; trivial: {before['statuses']} {after['statuses']}")
        stop_server(server)
        server = None

        from django.db.models import Count

        from zhijia.honors import selectors
        from zhijia.honors.models import Selection, Vote, VoteDayCounter

        selection = Selection.objects.get(pk=seeded["selection_id"])
        ledger = Vote.objects.filter(selection=selection)
        in_ledger = ledger.count()
        over_limit = ledger.values("worker", "day").annotate(n=Count("id")).filter(n__gt=1).count()
        exact = selectors.exact_totals(selection)
        live = selectors.live_totals(selection.pk, candidates)
        accepted_answers = sum(v for k, v in votes["statuses"].items() if k in ("counted", "quarantined"))
        trivial_n, trivial_wall = before["n"] + after["n"], before["wall_s"] + after["wall_s"]
        trivial_rps = trivial_n / trivial_wall
        return {
            "members": args.members, "candidates": args.candidates, "votes_per_day": 1,
            "requests": len(jobs), "second_tries": len(second), "clients": args.clients,
            "concurrency_per_client": args.concurrency, "gunicorn_workers": args.workers,
            "counted": sum(exact.values()),
            "quarantined": ledger.filter(status="quarantined").count(),
            "in_ledger": in_ledger,
            "accepted_answers": accepted_answers,
            "refused_over_limit": votes["statuses"].get("429:daily_limit", 0),
            "other_answers": {k: v for k, v in votes["statuses"].items()
                              if k not in ("counted", "quarantined", "429:daily_limit")},
            "over_limit": over_limit,
            "counter_mismatches": VoteDayCounter.objects.filter(selection=selection).exclude(used=1).count()
            + abs(VoteDayCounter.objects.filter(selection=selection).count() - in_ledger),
            "live_total_mismatches": sum(1 for c in candidates if live.get(c, 0) != exact.get(c, 0)),
            "votes_per_s": round(votes["rps"], 1), "p50_ms": round(votes["p50_ms"], 1),
            "p99_ms": round(votes["p99_ms"], 1),
            "trivial_per_s": round(trivial_rps, 1),
            "trivial_p50_ms": round((before["p50_ms"] + after["p50_ms"]) / 2, 1),
            "trivial_per_s_before": round(before["rps"], 1), "trivial_per_s_after": round(after["rps"], 1),
            "ratio_to_trivial": round(votes["rps"] / trivial_rps, 3),
            # Server CPU (gunicorn workers + PostgreSQL backends) per request: the work, which the other loads on
            # this shared machine do not change (Redis and the client processes are not counted).
            "cpu_ms_per_vote": round(vote_cpu_ms, 2), "cpu_ms_per_trivial": round(trivial_cpu_ms, 2),
            "cpu_ratio_to_trivial": round(trivial_cpu_ms / vote_cpu_ms, 3),
        }
    finally:
        stop_server(server)
        try:
            if seeded is not None:
                from zhijia.honors import live

                live.totals_drop(seeded["selection_id"])
        finally:
            from django.db import connections

            connections.close_all()
            admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def leaderboard(args, env: dict) -> dict:
    """bench/challenge_leaderboard.py in a child process with `env`; its figures prefixed with `leaderboard_`."""
    script = Path(__file__).resolve().parent / "challenge_leaderboard.py"
    cmd = [sys.executable, str(script), "--participants", str(args.participants), "--entries", str(args.entries),
           "--repeat", str(args.repeat)]
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {f"leaderboard_{k}": v for k, v in figures.items()}


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50000)
    parser.add_argument("--candidates", type=int, default=363)
    parser.add_argument("--twice", type=float, default=0.1, help="share of members who try a second vote")
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=64, help="connections at a time per client process")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--baseline", type=int, default=10000, help="trivial requests (half before, half after)")
    parser.add_argument("--participants", type=int, default=100_000, help="challenge participants (leaderboard)")
    parser.add_argument("--entries", type=int, default=1_000_000, help="challenge ledger entries (leaderboard)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of the top 100 (leaderboard)")
    parser.add_argument("--skip-votes", action="store_true", help="only the leaderboard part")
    parser.add_argument("--skip-leaderboard", action="store_true", help="only the vote burst")
    parser.add_argument("--phase-client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase_client:
        phase_client_main(args.phase_client)
        return
    if args.skip_votes and args.skip_leaderboard:
        parser.error("--skip-votes and --skip-leaderboard together leave nothing to measure")
    env = dict(os.environ)  # run() points this process at its own database; the child starts from the original
    figures: dict = {}
    load = {}
    if not args.skip_votes:
        load["votes_before"] = _load()
        figures.update(run(args))
        load["votes_after"] = _load()
    if not args.skip_leaderboard:
        _log(f"leaderboard: {args.participants} participants, {args.entries} ledger entries")
        load["leaderboard_before"] = _load()
        figures.update(leaderboard(args, env))
        load["leaderboard_after"] = _load()
    figures["load_avg"] = load
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
