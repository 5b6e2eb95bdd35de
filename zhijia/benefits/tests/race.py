"""A race for a small stock, shared by the concurrency tests: real clients in threads, then the invariants.

`run_race(claim, cancel, n_members, units)` starts one thread per member, released together by a barrier; each sends
its claim (some twice with the same key, at once), and the first few confirmed cancel right away.
`check_invariants(benefit)` reads the database afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter

from django.db import connection
from django.db.models import Count

from zhijia.benefits.models import HOLDING, Claim


def run_race(*, claim, cancel, members: list, duplicate_every: int = 4, cancellations: int = 2) -> dict:
    """claim(member, key) -> (status, claim_id or None, error code); cancel(member, claim_id) -> None."""
    barrier = threading.Barrier(len(members))
    answers: dict[int, list] = {}
    cancelled: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(i: int, member) -> None:
        try:
            barrier.wait(timeout=30)
            key = f"race-{i}"
            got = [claim(member, key)]
            if i % duplicate_every == 0:  # a retried request: same key again at once
                got.append(claim(member, key))
            status, claim_id, _ = got[0]
            with lock:  # the first few to be confirmed give their unit up again at once
                mine = status == "confirmed" and len(cancelled) < cancellations
                if mine:
                    cancelled.append(claim_id)
            if mine:
                cancel(member, claim_id)
            with lock:
                answers[i] = got
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i, m)) for i, m in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return {"answers": answers, "cancelled": cancelled, "errors": errors}


def check_invariants(benefit, result: dict) -> dict:
    from zhijia.benefits.services import waitlist_settle

    waitlist_settle()  # places in line kept in Redis are written first (a no-op without the gate)
    holding = Claim.objects.filter(benefit=benefit, status__in=HOLDING)
    units = list(holding.values_list("unit", flat=True))
    per_member = holding.values("worker").annotate(n=Count("id")).order_by("-n").first()
    confirmed_ids = {a[0][1] for a in result["answers"].values() if a[0][0] == "confirmed"}
    lost = [cid for cid in confirmed_ids
            if not Claim.objects.filter(pk=cid, status__in=[*HOLDING, "cancelled"]).exists()]
    # Every place in line that was answered exists (written from Redis, later promoted or cancelled maybe), once.
    waitlisted_ids = {a[0][1] for a in result["answers"].values() if a[0][0] == "waitlisted"}
    places_lost = waitlisted_ids - set(Claim.objects.filter(pk__in=waitlisted_ids).values_list("pk", flat=True))
    positions = list(Claim.objects.filter(benefit=benefit, position__isnull=False).values_list("position", flat=True))
    replays_differ = [a for a in result["answers"].values() if len({x[1] for x in a}) > 1]
    return {
        "held": len(units),
        "oversold": len(units) - len(set(units)) + max(len(units) - benefit.units, 0),
        "over_limit": max((per_member or {"n": 0})["n"] - benefit.per_member_limit, 0),
        "lost": len(lost),
        "places_lost": len(places_lost),
        "positions_repeated": len(positions) - len(set(positions)),
        "replays_differ": len(replays_differ),
        "statuses": Counter(a[0][0] for a in result["answers"].values()),
        "errors": [repr(e) for e in result["errors"]],
    }
