"""The challenge leaderboard at city scale: the app's selectors against hand-written SQL over the ledger.

    .venv/bin/python bench/challenge_leaderboard.py [--participants 100000] [--entries 1000000]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/zhijia). Builds a throw-away database
<name>_bench_challenge, migrates it, bulk-inserts (INSERT ... SELECT over generate_series, in the database) 100,000
workers and participants in 40 unions and 1,000,000 ledger rows (skewed: a few keen participants, a long tail),
sets every participant's running total from the ledger (what the services keep in step with each insert), then
times:
  - top100_ms: `selectors.leaderboard_people(limit=100)` with the cache off (the index on
    (challenge, total_points desc, reached_at, id)), median of --repeat runs;
  - baseline_ms: the same top 100 computed straight from the ledger by hand-written SQL (SUM per participant,
    ordered by total, then by when the total was reached, then id), median of a few runs;
  - my_rank_ms: `selectors.participant_standing()` ("my points and rank") for random participants, median
    (my_rank_p95_ms, and my_rank_last_ms for the participant at the very bottom, who counts everyone above);
  - my_rank_baseline_ms: one participant's rank computed from the ledger by hand-written SQL.
It checks that both top 100s agree row by row (participant, points, shared rank: `mismatches`) and that every
participant's total equals the sum of their ledger rows (`total_mismatches`). The last line is JSON with
participants, ledger_entries, top100_ms, baseline_ms, ratio (baseline_ms / top100_ms, higher is better),
my_rank_ms and the rest. `main()` can be called from another benchmark (it then runs in a child process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE_TOP = """
SELECT participant_id, SUM(points) AS total
  FROM challenge_pointentry
 WHERE challenge_id = %(c)s
 GROUP BY participant_id
 ORDER BY total DESC, MAX(created_at) FILTER (WHERE points <> 0) ASC NULLS LAST, participant_id ASC
 LIMIT %(n)s
"""
BASELINE_RANK = """
WITH totals AS (SELECT participant_id, SUM(points) AS total FROM challenge_pointentry
                 WHERE challenge_id = %(c)s GROUP BY participant_id)
SELECT 1 + COUNT(*) FROM totals WHERE total > (SELECT total FROM totals WHERE participant_id = %(p)s)
"""


def _ms(fn, repeat: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times, result


def build(participants: int, entries: int) -> int:
    """The union tree, workers, a challenge, participants and the ledger; returns the challenge id."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from zhijia.challenge.models import Challenge
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert

    root = _insert(Union(name="北京市总工会", level=Level.MUNICIPAL, kind=Kind.FEDERATION, region_code="110000"))
    unions = [_insert(Union(parent=root, name=f"基层工会{i:02d}", level=Level.DISTRICT, kind=Kind.ENTERPRISE,
                            region_code=f"1101{i:02d}")) for i in range(40)]
    today = timezone.localdate()
    challenge = Challenge.objects.create(union=root, title="bench", starts_on=today - dt.timedelta(days=99),
                                         ends_on=today, prize_count=500)
    first_union, n_unions = unions[0].pk, len(unions)
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2022)")
        cur.execute(
            """INSERT INTO members_worker (name, id_number, id_number_hash, phone, phone_hash, gender, birth_date,
                   occupation, employer_name, employer_credit_code, work_region_code, home_region_code,
                   created_at, updated_at)
               SELECT '职工' || i, 'x', decode(md5('bench' || i), 'hex'), '', '', 'M', DATE '1990-01-01', 'other', '',
                      '', '', '', now(), now()
                 FROM generate_series(1, %s) AS i""", [participants])
        cur.execute(
            """INSERT INTO challenge_participant (challenge_id, worker_id, union_id, total_points, reached_at,
                   joined_at)
               SELECT %s, w.id, %s + (w.id %% %s), 0, now(), now() FROM members_worker w ORDER BY w.id""",
            [challenge.pk, first_union, n_unions])
        cur.execute("SELECT MIN(id), MAX(id) FROM challenge_participant WHERE challenge_id = %s", [challenge.pk])
        low, high = cur.fetchone()
        # Skewed activity: participant = low + floor(r^2 * n), so low ids log far more than the tail.
        cur.execute(
            """INSERT INTO challenge_pointentry (participant_id, challenge_id, date, source, points, reference, note,
                   created_at)
               SELECT %(low)s + floor(random() ^ 2 * %(n)s)::int, %(c)s, %(start)s::date + (i %% 100),
                      CASE WHEN i %% 3 = 0 THEN 'quiz' ELSE 'exercise' END,
                      CASE WHEN i %% 3 = 0 THEN 2 ELSE 1 + floor(random() * 40)::int END,
                      'bench:' || i, '',
                      %(start)s::timestamptz + make_interval(secs => i * 8.64 + random())
                 FROM generate_series(1, %(m)s) AS i""",
            {"low": low, "n": high - low + 1, "c": challenge.pk, "start": today - dt.timedelta(days=99),
             "m": entries})
        # The running totals, as exercise_log / quiz_answer keep them in the same transaction as each row.
        cur.execute(
            """UPDATE challenge_participant p SET total_points = s.total, reached_at = s.reached
                 FROM (SELECT participant_id, SUM(points) AS total, MAX(created_at) AS reached
                         FROM challenge_pointentry WHERE challenge_id = %s AND points <> 0
                        GROUP BY participant_id) s
                WHERE p.id = s.participant_id""", [challenge.pk])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE challenge_participant")
        cur.execute("VACUUM ANALYZE challenge_pointentry")
    return challenge.pk


def run(participants: int, entries: int, repeat: int) -> dict:
    from django.db import connection

    from zhijia.challenge import selectors
    from zhijia.challenge.models import Participant

    started = time.perf_counter()
    challenge_id = build(participants, entries)
    setup_s = time.perf_counter() - started

    top_ms, top_times, top = _ms(lambda: selectors.leaderboard_people(challenge_id=challenge_id, limit=100,
                                                                      use_cache=False), repeat)

    def baseline():
        with connection.cursor() as cur:
            cur.execute(BASELINE_TOP, {"c": challenge_id, "n": 100})
            return cur.fetchall()

    base_ms, _, base_rows = _ms(baseline, max(3, repeat // 4))
    # The baseline's shared ranks, computed the same way a reader of its output would.
    expected, rank = [], 0
    for i, (pid, total) in enumerate(base_rows, 1):
        if not expected or total != expected[-1][1]:
            rank = i
        expected.append((pid, int(total), rank))
    got = [(r["participant"], r["points"], r["rank"]) for r in top]
    mismatches = sum(1 for a, b in zip(got, expected, strict=False) if a != b) + abs(len(got) - len(expected))

    rnd = random.Random(7)
    ids = list(Participant.objects.filter(challenge_id=challenge_id).values_list("pk", flat=True))
    sample = [Participant.objects.get(pk=pk) for pk in rnd.sample(ids, min(50, len(ids)))]
    selectors.participant_standing(participant=sample[0])  # the participant count is cached, as in use
    rank_times = []
    for p in sample:
        t = time.perf_counter()
        standing = selectors.participant_standing(participant=p)
        rank_times.append((time.perf_counter() - t) * 1000)
    last = Participant.objects.filter(challenge_id=challenge_id).order_by("total_points", "-reached_at",
                                                                          "-pk").first()
    last_ms, _, last_standing = _ms(lambda: selectors.participant_standing(participant=last), 5)

    def rank_baseline():
        with connection.cursor() as cur:
            cur.execute(BASELINE_RANK, {"c": challenge_id, "p": sample[-1].pk})
            return cur.fetchone()[0]

    rank_base_ms, _, rank_base = _ms(rank_baseline, 3)
    rank_mismatch = int(rank_base != standing["rank"])

    with connection.cursor() as cur:
        cur.execute(
            """SELECT COUNT(*) FROM challenge_participant p
                 LEFT JOIN (SELECT participant_id, SUM(points) AS s FROM challenge_pointentry
                             WHERE challenge_id = %s GROUP BY participant_id) l ON l.participant_id = p.id
                WHERE p.challenge_id = %s AND p.total_points <> COALESCE(l.s, 0)""", [challenge_id, challenge_id])
        total_mismatches = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM challenge_pointentry WHERE challenge_id = %s", [challenge_id])
        ledger_entries = cur.fetchone()[0]
    ties_in_top100 = len(got) - len({r[1] for r in got})
    return {
        "participants": len(ids),
        "ledger_entries": ledger_entries,
        "setup_s": round(setup_s, 1),
        "top100_ms": round(top_ms, 2),
        "top100_p95_ms": round(sorted(top_times)[int(len(top_times) * .95) - 1], 2),
        "baseline_ms": round(base_ms, 2),
        "ratio": round(base_ms / top_ms, 1),
        "my_rank_ms": round(statistics.median(rank_times), 2),
        "my_rank_p95_ms": round(sorted(rank_times)[int(len(rank_times) * .95) - 1], 2),
        "my_rank_last_ms": round(last_ms, 2),
        "my_rank_last": last_standing["rank"],
        "my_rank_baseline_ms": round(rank_base_ms, 2),
        "my_rank_ratio": round(rank_base_ms / statistics.median(rank_times), 1),
        "mismatches": mismatches + rank_mismatch,
        "total_mismatches": total_mismatches,
        "ties_in_top100": ties_in_top100,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)

    from django.apps import apps as django_apps

    if django_apps.ready:
        # Called from another benchmark that has its own Django set up: run in a child process and read its line.
        out = subprocess.run([sys.executable, __file__, *(argv or [])], check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result))
        return result

    import psycopg

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhijia")
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (DATABASE_URL=postgres://...)")
    bench_db = f"{parts.path.lstrip('/') or 'zhijia'}_bench_challenge"
    admin_url = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    work = Path(tempfile.mkdtemp(prefix="zhijia-bench-challenge-"))
    os.environ.update({"DATABASE_URL": urlunparse(parts._replace(path=f"/{bench_db}")), "ZHIJIA_VAR_DIR": str(work),
                       "CELERY_EAGER": "1", "DJANGO_SETTINGS_MODULE": "zhijia.settings", "LOG_LEVEL": "WARNING"})
    os.environ.pop("REDIS_URL", None)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result = run(args.participants, args.entries, args.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        work.rmdir()
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
