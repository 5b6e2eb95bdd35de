"""Row locks for care money and stock, in one place and one order.

Rules (after pretix's locking notes): lock inside a transaction only, late, once; lock every row the use case needs
in one statement ordered by primary key (a parent allocation is always older than its children, so "by id" is also
"parent before child", and two transactions never wait on each other in a cycle); on PostgreSQL a `lock_timeout`
turns a long wait into `Busy` (a clear "try again"), never a 500. On SQLite the IMMEDIATE transaction already
serialises writers, and select_for_update is a no-op.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, connection

from zhijia.core.errors import Busy

# Tests switch this off to show the race the locks prevent (the control test); nothing else may touch it.
LOCKING = True


def lock_rows(qs, ids) -> dict:
    """Lock the rows of `qs` with these primary keys (sorted by id) and return them by id, freshly read."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_rows must run inside a transaction")
    ids = sorted(set(ids))
    if not LOCKING:
        return {obj.pk: obj for obj in qs.filter(pk__in=ids).order_by("pk")}
    if settings.IS_POSTGRES:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.CARE_LOCK_TIMEOUT_MS}ms"])
    try:
        rows = list(qs.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    except OperationalError as exc:  # lock_timeout (55P03) or a deadlock victim: the caller retries
        raise Busy() from exc
    return {obj.pk: obj for obj in rows}

