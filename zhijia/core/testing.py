"""Test support shared by the apps' concurrency tests: real threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from zhijia.core.errors import DomainError


def run_at_once(n: int, fn: Callable[[int], object]) -> list:
    """Call fn(0) … fn(n-1) in n threads released at the same instant; each slot holds what its call returned or the
    exception it raised. Each thread closes its own connection when done."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each client got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def run_concurrently(n: int, fn: Callable[[int], object], *, invalid_as_field: bool = False) -> list[str]:
    """run_at_once, each outcome told as "ok", a domain error's code (with `invalid_as_field`, a validation error's
    first field instead of "invalid"), or the repr of anything unexpected."""

    def told(result) -> str:
        if isinstance(result, DomainError):
            if invalid_as_field and result.code == "invalid":
                return next(iter(result.fields), "invalid")
            return result.code
        return repr(result) if isinstance(result, Exception) else "ok"

    return [told(r) for r in run_at_once(n, fn)]
