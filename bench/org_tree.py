"""Benchmark: subtree listing and the scope check on a 100,000-node union tree.

    .venv/bin/python bench/org_tree.py [--nodes 100000] [--queries 300]

Builds a tree (1 root → 16 districts → 20 streets each → 31 communities each → enterprises) under a temporary root in
the configured database (DATABASE_URL, default PostgreSQL zhijia_bench on 127.0.0.1), then times, in the same run:
- subtree listing of a district (about 6,000 nodes) and of a street (about 300) by path prefix, against reading the
  same number of rows by primary key (the baseline);
- the scope check (fetch one union inside a staff member's subtree) against a plain fetch by primary key;
- the ancestors of a leaf, from its path.
Removes what it built. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhijia_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijia.settings")


def ensure_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from zhijia.accounts.models import User
    from zhijia.orgs.models import Union
    from zhijia.orgs.selectors import union_ancestors, union_get, union_subtree

    rnd = random.Random(42)
    tag = uuid.uuid4().hex[:8]
    per_level = [16, 20, 31]
    leaves_per_community = max(1, (args.nodes - 1 - 16 - 320 - 9920) // 9920)

    district_codes = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
                      "110113", "110114", "110115", "110116", "110117", "110118", "110119"]

    def add_level(parents: list[Union], count: int, level: str, kind: str, code: str) -> list[Union]:
        # Federations are unique per region and level: the 16 districts take the 16 real codes.
        rows = [Union(parent=p, name=f"{tag}-{p.pk}-{i}", level=level, kind=kind,
                      region_code=district_codes[i] if kind == "federation" else code,
                      path=f"tmp-{tag}-{p.pk}-{i}", depth=p.depth + 1) for p in parents for i in range(count)]
        created = Union.objects.bulk_create(rows, batch_size=5000)
        by_parent = {p.pk: p for p in parents}
        for u in created:
            u.path = f"{by_parent[u.parent_id].path}{u.pk}/"
        Union.objects.bulk_update(created, ["path"], batch_size=5000)
        return created

    started = time.perf_counter()
    with transaction.atomic():
        root = Union.objects.create(name=f"bench-{tag}", level="national", kind="federation", region_code="100000",
                                    path=f"tmp-{tag}", depth=0)
        root.path = f"{root.pk}/"
        root.save(update_fields=["path"])
        districts = add_level([root], per_level[0], "district", "federation", "")
        streets = add_level(districts, per_level[1], "street", "park", "110111001000")
        communities = add_level(streets, per_level[2], "community", "community", "110111001001")
        leaves = add_level(communities, leaves_per_community, "grassroots", "enterprise", "110111")
    build_s = time.perf_counter() - started
    total = Union.objects.filter(path__startswith=root.path).count()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE orgs_union")

    staff = User.objects.create(username=f"bench-{tag}", role="district_staff", union=root)
    all_ids = list(Union.objects.filter(path__startswith=root.path).values_list("pk", flat=True))

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1000

    def compare(targets: list[Union]) -> tuple[list[float], list[float], int]:
        ours, base, rows = [], [], 0
        for node in targets:
            ids = list(union_subtree(user=staff, union_id=node.pk).values_list("pk", "name", "path"))
            rows += len(ids)
            sample = rnd.sample(all_ids, len(ids))
            ours.append(timed(lambda n=node: list(union_subtree(user=staff, union_id=n.pk)
                                                  .values_list("pk", "name", "path"))))
            base.append(timed(lambda s=sample: list(Union.objects.filter(pk__in=s).values_list("pk", "name", "path"))))
        return ours, base, rows // max(1, len(targets))

    q = args.queries
    d_ours, d_base, d_rows = compare(rnd.sample(districts, min(len(districts), max(4, q // 30))))
    s_ours, s_base, s_rows = compare(rnd.sample(streets, min(len(streets), q // 3)))

    scope_ours, scope_base, anc = [], [], []
    for pk in rnd.sample(all_ids, q):
        scope_ours.append(timed(lambda p=pk: union_get(user=staff, union_id=p)))
        scope_base.append(timed(lambda p=pk: Union.objects.get(pk=p)))
    for leaf in rnd.sample(leaves, min(len(leaves), q)):
        anc.append(timed(lambda n=leaf: union_ancestors(n)))

    # Clean up: every row of the bench tree, then the bench account.
    staff.delete()
    with transaction.atomic(), connection.cursor() as cursor:
        # One statement removes the whole bench subtree (the parent references are checked at its end).
        cursor.execute("DELETE FROM orgs_union WHERE path LIKE %s", [root.path + "%"])

    med = statistics.median
    result = {
        "database": connection.vendor,
        "nodes": total,
        "build_s": round(build_s, 1),
        "district_subtree_rows": d_rows,
        "district_subtree_p50_ms": round(med(d_ours), 2),
        "district_same_rows_by_pk_p50_ms": round(med(d_base), 2),
        "district_ratio_to_pk": round(med(d_ours) / med(d_base), 2),
        "street_subtree_rows": s_rows,
        "street_subtree_p50_ms": round(med(s_ours), 3),
        "street_same_rows_by_pk_p50_ms": round(med(s_base), 3),
        "street_ratio_to_pk": round(med(s_ours) / med(s_base), 2),
        "scope_check_p50_ms": round(med(scope_ours), 3),
        "get_by_pk_p50_ms": round(med(scope_base), 3),
        "scope_check_ratio_to_pk": round(med(scope_ours) / med(scope_base), 2),
        "ancestors_p50_ms": round(med(anc), 3),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
