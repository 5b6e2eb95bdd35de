"""Re-seal personal data under the current (first) key of ZHIJIA_PII_KEYS, in small batches, while the service runs.

Rotation: put the new key first in ZHIJIA_PII_KEYS, keep the old ones after it (every listed key can still open),
restart the web workers, run this command; once it reports nothing left under an old key, that key may be removed.
Each batch is one short transaction that locks only its own rows (SKIP LOCKED on PostgreSQL, so a row being edited
is simply picked up by a later pass); the keyed hashes do not change, so search keeps working throughout.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from zhijia.core.crypto import open_sealed, primary_key_id, seal, sealed_key_id

# (table, sealed columns)
TARGETS = [
    ("members_worker", ("id_number", "phone")),
    ("members_rosterrow", ("id_number", "phone", "raw")),
]


def _stale_filter(columns: tuple[str, ...], current: str) -> tuple[str, list[str]]:
    parts, params = [], []
    for col in columns:
        parts.append(f"({col} <> '' AND {col} NOT LIKE %s)")
        params.append(f"{current}$%")
    return " OR ".join(parts), params


class Command(BaseCommand):
    help = "Re-encrypt ID numbers and phones under the first key of ZHIJIA_PII_KEYS (batched, online)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--pause", type=float, default=0.0, help="seconds to sleep between batches")
        parser.add_argument("--dry-run", action="store_true", help="only count the rows still under an old key")

    def handle(self, *args, batch: int, pause: float, dry_run: bool, **options):
        current = primary_key_id()
        total = 0
        for table, columns in TARGETS:
            where, params = _stale_filter(columns, current)
            if dry_run:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)  # noqa: S608
                    n = cursor.fetchone()[0]
                self.stdout.write(f"{table}: {n} rows under an old key")
                total += n
                continue
            last_id, done = 0, 0
            while True:
                n, last_id = self._batch(table, columns, where, params, last_id, batch)
                if n is None:
                    break
                done += n
                if pause:
                    time.sleep(pause)
            self.stdout.write(f"{table}: {done} rows re-sealed under key '{current}'")
            total += done
        self.stdout.write(self.style.SUCCESS(f"done: {total} rows"))

    @transaction.atomic
    def _batch(self, table, columns, where, params, last_id, size):
        lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
        cols = ", ".join(columns)
        with connection.cursor() as cursor:
            # Walk the table by id so each row is visited once; lock only this batch's rows.
            cursor.execute(f"SELECT id, {cols} FROM {table} WHERE id > %s AND ({where}) "  # noqa: S608
                           f"ORDER BY id LIMIT %s{lock}", [last_id, *params, size])
            rows = cursor.fetchall()
            if not rows:
                return None, last_id
            current = primary_key_id()
            updates = []
            for row in rows:
                values = [seal(open_sealed(v)) if v and sealed_key_id(v) != current else v for v in row[1:]]
                updates.append((*values, row[0]))
            sets = ", ".join(f"{c} = %s" for c in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", updates)  # noqa: S608
        return len(rows), rows[-1][0]
