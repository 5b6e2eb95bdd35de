"""Roster import at city scale: the page's code path (upload, validate into staging, commit) against a raw COPY.

    .venv/bin/python bench/import_members.py --rows 1000000

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/zhijia). Builds a throw-away database
<name>_bench_import, generates a csv roster with 1% bad rows (wrong check digit, impossible birth date, bad phone,
missing name), imports it through zhijia.members.imports with every check and the encryption on, then loads the same
file with a raw COPY into a table with a primary key and a unique index on the ID number (the baseline), and drops
the database. The COPY runs twice, before and after the import, and the faster of the two is the baseline (the
machine is shared: this keeps a slow moment from flattering the ratio).

Then, as a floor, the imported workers and memberships (already sealed, hashed, numbered) are copied with a raw COPY
into empty twins of their two tables (same indexes, checks and foreign keys): no import into this schema can beat it.

The last line is JSON: rows, rows_per_s, copy_rows_per_s, ratio_to_copy, peak_rss_mb, bad_rows_found,
final_tables_copy_rows_per_s, floor_ratio_to_copy (the floor against the baseline), ratio_to_floor, and, when the
database runs on this machine, the CPU seconds spent (Python, and the PostgreSQL backends, read from /proc) by the
import and by the COPY: `cpu_ratio_to_copy` compares the work per row, which the other loads on the machine do not
change much, where `ratio_to_copy` compares wall-clock speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import proc_cpu  # noqa: E402 - after the path is set

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_C = "10X98765432"
DISTRICTS = ["110101", "110102", "110105", "110106", "110108", "110111", "110112", "110114"]
OCCUPATIONS = ["快递员", "外卖配送员", "网约车司机", "货车司机", "其他", "其他"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚"


def check_char(first17: str) -> str:
    return _C[sum(int(c) * w for c, w in zip(first17, _W, strict=True)) % 11]


def generate(path: Path, rows: int) -> int:
    """Write the roster; every 100th row is bad in one of four ways. Returns the number of bad rows written."""
    base = dt.date(1970, 1, 1)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("姓名,身份证号,手机号,职业,工作单位,工作地行政区划代码\n")
        lines = []
        for i in range(rows):
            birth = base + dt.timedelta(days=i // 1000)
            district = DISTRICTS[i % len(DISTRICTS)]
            first17 = f"{district}{birth:%Y%m%d}{i % 1000:03d}"
            id_number = first17 + check_char(first17)
            name = SURNAMES[i % 20] + GIVEN[(i // 20) % 22] + GIVEN[(i // 440) % 22]
            phone = f"13{i % 10}{i:08d}"
            if i % 100 == 50:
                bad += 1
                kind = (i // 100) % 4
                if kind == 0:
                    id_number = first17 + ("0" if id_number[17] != "0" else "1")
                elif kind == 1:
                    id_number = f"{district}{birth:%Y}{birth.month + 12:02d}{birth:%d}{i % 1000:03d}"
                    id_number += check_char(id_number)
                elif kind == 2:
                    phone = "12" + phone[2:]
                else:
                    name = ""
            lines.append(f"{name},{id_number},{phone},{OCCUPATIONS[i % 6]},北京某物流有限公司,{district}\n")
            if len(lines) >= 10000:
                fh.write("".join(lines))
                lines = []
        fh.write("".join(lines))
    return bad


class BackendCpu:
    """Adds up the CPU time of every PostgreSQL backend connected to the bench database while it runs, sampling
    /proc every 0.2 s (a backend that lives less than that is missed; the import's connections live throughout)."""

    def __init__(self, url: str, database: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.database = database
        self.own = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.readable = proc_cpu(self.own) is not None
        self.stop = threading.Event()
        self._sample()  # what the backends already spent is not counted
        self.first = dict(self.last)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        pids = [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [self.database, self.own])]
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu is not None:
                self.first.setdefault(pid, 0.0)
                self.last[pid] = cpu

    def _loop(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def seconds(self) -> float | None:
        self.stop.set()
        self.thread.join()
        self._sample()
        self.conn.close()
        if not self.readable:
            return None
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def copy_baseline(bench_url: str, roster: Path) -> tuple[float, float | None, int]:
    """The raw COPY of the roster into a table with a primary key and a unique ID index: (seconds, CPU seconds of
    the backend, rows)."""
    import psycopg

    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (id bigserial PRIMARY KEY, name text, id_number text, phone text, "
                     "occupation text, employer text, region text)")
        conn.execute("CREATE UNIQUE INDEX bench_copy_id_number ON bench_copy (id_number)")
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu0, t1 = proc_cpu(pid), time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bench_copy (name, id_number, phone, occupation, employer, region) "
                                            "FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, roster.open(
                "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - t1
        cpu1 = proc_cpu(pid)
        copied = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
    return elapsed, (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None, copied


def final_tables_copy(bench_url: str, work: Path) -> tuple[float, float | None, int]:
    """The floor under any import into this schema: the imported workers and memberships, already in their final
    form (sealed, hashed, numbered), copied with a raw COPY into empty twins of the two tables with the same indexes,
    checks and foreign keys, in one transaction (the deferred foreign-key checks run at its commit). No parsing, no
    checks, no encryption, no upsert. Returns (seconds, CPU seconds of the backend, rows)."""
    import psycopg

    with psycopg.connect(bench_url, autocommit=True) as conn:
        dumps = {}
        for table in ("members_worker", "members_membership"):
            dumps[table] = work / f"{table}.copy"
            with conn.cursor() as cur, cur.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy, \
                    dumps[table].open("wb") as fh:
                for chunk in copy:
                    fh.write(chunk)
        conn.execute("DROP SCHEMA IF EXISTS bench_floor CASCADE")
        conn.execute("CREATE SCHEMA bench_floor")
        fks = []
        for table in ("members_worker", "members_membership"):
            conn.execute(f"CREATE TABLE bench_floor.{table} (LIKE public.{table} INCLUDING ALL)")
            fks += [(table, name, definition) for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'", [f"public.{table}"])]
        conn.execute("SET search_path = bench_floor, public")  # REFERENCES members_worker: the twin
        for table, name, definition in fks:
            conn.execute(f"ALTER TABLE bench_floor.{table} ADD CONSTRAINT {name} {definition}")
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        cpu0, t0 = proc_cpu(pid), time.perf_counter()
        with conn.transaction():
            for table in ("members_worker", "members_membership"):
                with conn.cursor() as cur, cur.copy(f"COPY bench_floor.{table} FROM STDIN (FORMAT binary)") as copy, \
                        dumps[table].open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
        elapsed = time.perf_counter() - t0
        cpu1 = proc_cpu(pid)
        copied = conn.execute("SELECT count(*) FROM bench_floor.members_membership").fetchone()[0]
        conn.execute("DROP SCHEMA bench_floor CASCADE")
        for dump in dumps.values():
            dump.unlink()
    return elapsed, (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None, copied


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    import psycopg

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhijia")
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (DATABASE_URL=postgres://...)")
    bench_db = f"{parts.path.lstrip('/') or 'zhijia'}_bench_import"
    admin_url = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}"')
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    bench_url = urlunparse(parts._replace(path=f"/{bench_db}"))
    work = Path(tempfile.mkdtemp(prefix="zhijia-bench-import-"))
    os.environ.update({"DATABASE_URL": bench_url, "ZHIJIA_VAR_DIR": str(work), "CELERY_EAGER": "1",
                       "DJANGO_SETTINGS_MODULE": "zhijia.settings", "LOG_LEVEL": "WARNING"})
    os.environ.pop("REDIS_URL", None)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.CELERY_TASK_ALWAYS_EAGER = True
        from zhijia.celery import app as celery_app

        celery_app.conf.task_always_eager = True
        call_command("migrate", verbosity=0)
        result = run(args.rows, work, bench_url)
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


def run(rows: int, work: Path, bench_url: str) -> dict:

    from zhijia.accounts.models import User
    from zhijia.members import imports
    from zhijia.members.models import Membership, RosterImport, Worker
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert

    roster = work / "roster.csv"
    started = time.perf_counter()
    bad_written = generate(roster, rows)
    print(f"generated {rows} rows ({roster.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s",
          file=sys.stderr)

    city = _insert(Union(name="北京市总工会", level=Level.MUNICIPAL, kind=Kind.FEDERATION, region_code="110000"))
    firm = _insert(Union(parent=city, name="北京某物流有限公司工会", level=Level.GRASSROOTS, kind=Kind.ENTERPRISE,
                         region_code="110111", credit_code="91110111MA00EFGH33"))
    staff = User.objects.create(username="bench", role="municipal_admin", union=city)

    copy_before, copy_cpu_before, copied = copy_baseline(bench_url, roster)
    print(f"copy (before the import): {copied} rows in {copy_before:.1f}s", file=sys.stderr)

    # The page's path: upload (stored, header checked) -> validate (task) -> report -> commit (task).
    backends = BackendCpu(bench_url, urlparse(bench_url).path.lstrip("/"))
    py_cpu0 = _process_cpu()
    t0 = time.perf_counter()
    with roster.open("rb") as fh:
        item = imports.roster_import_create(staff, union_id=firm.pk, filename="roster.csv", fileobj=fh)
    item = RosterImport.objects.get(pk=item.pk)
    t_validated = time.perf_counter()
    imports.roster_import_commit(staff, import_id=item.pk)
    item = RosterImport.objects.get(pk=item.pk)
    elapsed = time.perf_counter() - t0
    py_cpu = _process_cpu() - py_cpu0
    db_cpu = backends.seconds()
    assert item.status == "done", (item.status, item.error)
    print(f"import: validate {t_validated - t0:.1f}s, commit {time.perf_counter() - t_validated:.1f}s; "
          f"good {item.good_rows}, bad {item.bad_rows}, memberships {item.created_memberships}; "
          f"CPU: Python {py_cpu:.1f}s, PostgreSQL {db_cpu if db_cpu is None else round(db_cpu, 1)}s", file=sys.stderr)
    workers = Worker.objects.count()
    members = Membership.objects.filter(union=firm, status="admitted").count()

    copy_after, copy_cpu_after, copied = copy_baseline(bench_url, roster)
    print(f"copy (after the import): {copied} rows in {copy_after:.1f}s; workers {workers}, members {members}",
          file=sys.stderr)
    floor_s, floor_cpu, floor_rows = final_tables_copy(bench_url, work)
    print(f"final tables by COPY (the floor): {floor_rows} rows in {floor_s:.1f}s", file=sys.stderr)
    copy_elapsed = min(copy_before, copy_after)
    copy_cpus = [c for c in (copy_cpu_before, copy_cpu_after) if c is not None]

    rows_per_s = rows / elapsed
    copy_rows_per_s = rows / copy_elapsed
    result = {"rows": rows, "rows_per_s": round(rows_per_s), "copy_rows_per_s": round(copy_rows_per_s),
              "ratio_to_copy": round(rows_per_s / copy_rows_per_s, 3),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "bad_rows_found": item.bad_rows, "bad_rows_written": bad_written, "members_created": members,
              "validate_s": round(t_validated - t0, 2), "commit_s": round(elapsed - (t_validated - t0), 2),
              "import_s": round(elapsed, 2), "copy_s": round(copy_elapsed, 2),
              "copy_before_s": round(copy_before, 2), "copy_after_s": round(copy_after, 2),
              "import_py_cpu_s": round(py_cpu, 2),
              # The floor: the two final tables filled by a raw COPY of rows already in final form (no checks, no
              # encryption, no upsert). No import into this schema can be faster; the aim is measured against COPY.
              "final_tables_copy_rows_per_s": round(floor_rows / floor_s),
              "floor_ratio_to_copy": round(floor_rows / floor_s / copy_rows_per_s, 3),
              "ratio_to_floor": round(rows_per_s / (floor_rows / floor_s), 3)}
    if db_cpu is not None and copy_cpus:
        import_cpu_us = (py_cpu + db_cpu) / rows * 1e6
        copy_cpu_us = min(copy_cpus) / rows * 1e6
        result |= {"import_db_cpu_s": round(db_cpu, 2), "import_cpu_us_per_row": round(import_cpu_us, 1),
                   "copy_cpu_us_per_row": round(copy_cpu_us, 1),
                   "cpu_ratio_to_copy": round(copy_cpu_us / import_cpu_us, 3)}
        if floor_cpu is not None:
            result["final_tables_copy_cpu_us_per_row"] = round(floor_cpu / floor_rows * 1e6, 1)
    return result


if __name__ == "__main__":
    main()
