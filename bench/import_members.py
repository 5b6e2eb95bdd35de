"""Roster import at city scale: the page's code path (upload, validate into staging, commit) against a raw COPY.

    .venv/bin/python bench/import_members.py --rows 1000000

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/zhijia). Builds a throw-away database
<name>_bench_import, generates a csv roster with 1% bad rows (wrong check digit, impossible birth date, bad phone,
missing name), imports it through zhijia.members.imports with every check and the encryption on, then loads the same
file with a raw COPY into a table with a primary key and a unique index on the ID number (the baseline), and drops
the database. The last line is JSON: rows, rows_per_s, copy_rows_per_s, ratio_to_copy, peak_rss_mb, bad_rows_found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    import psycopg

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

    # The page's path: upload (stored, header checked) -> validate (task) -> report -> commit (task).
    t0 = time.perf_counter()
    with roster.open("rb") as fh:
        item = imports.roster_import_create(staff, union_id=firm.pk, filename="roster.csv", fileobj=fh)
    item = RosterImport.objects.get(pk=item.pk)
    t_validated = time.perf_counter()
    imports.roster_import_commit(staff, import_id=item.pk)
    item = RosterImport.objects.get(pk=item.pk)
    elapsed = time.perf_counter() - t0
    assert item.status == "done", (item.status, item.error)
    print(f"import: validate {t_validated - t0:.1f}s, commit {time.perf_counter() - t_validated:.1f}s; "
          f"good {item.good_rows}, bad {item.bad_rows}, memberships {item.created_memberships}", file=sys.stderr)
    workers = Worker.objects.count()
    members = Membership.objects.filter(union=firm, status="admitted").count()

    # Baseline: the same file, raw COPY, no checks, into a table with a primary key and a unique ID index.
    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_copy (id bigserial PRIMARY KEY, name text, id_number text, phone text, "
                     "occupation text, employer text, region text)")
        conn.execute("CREATE UNIQUE INDEX bench_copy_id_number ON bench_copy (id_number)")
        t1 = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bench_copy (name, id_number, phone, occupation, employer, region) "
                                            "FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, roster.open(
                "rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        copy_elapsed = time.perf_counter() - t1
        copied = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
    print(f"copy: {copied} rows in {copy_elapsed:.1f}s; workers {workers}, members {members}", file=sys.stderr)

    rows_per_s = rows / elapsed
    copy_rows_per_s = rows / copy_elapsed
    return {"rows": rows, "rows_per_s": round(rows_per_s), "copy_rows_per_s": round(copy_rows_per_s),
            "ratio_to_copy": round(rows_per_s / copy_rows_per_s, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "bad_rows_found": item.bad_rows, "bad_rows_written": bad_written, "members_created": members,
            "validate_s": round(t_validated - t0, 2), "import_s": round(elapsed, 2), "copy_s": round(copy_elapsed, 2)}


if __name__ == "__main__":
    main()
