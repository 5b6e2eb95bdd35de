"""What the public vote keeps in Redis: the live totals (one hash per selection, HINCRBY per counted vote) and the
short-lived counters behind three fraud signals (votes per /24 per minute, votes per candidate per second, a member's
recent times of day). A vote costs two pipelined round trips: the counts before the vote is written, its time of
day and its live total after.

Nothing here is the truth: the ledger of votes (PostgreSQL) is. Live totals are for display; they are filled from the
ledger when the vote opens (selection_advance) and reset from it by the reconcile task. Without Redis (the embedded
default) the same functions fall back to the Django cache for totals and to indexed ledger queries for the signals.
Keys go through the cache's key prefix, so tests (and several deployments on one Redis) never share them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def enabled() -> bool:
    return bool(settings.REDIS_URL)


@lru_cache(maxsize=2)
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)


def client():
    return _client(settings.REDIS_URL)


def _key(name: str) -> str:
    return cache.make_key(f"honors:{name}")


def totals_key(selection_id: int) -> str:
    return _key(f"live:{selection_id}")


def second_of_day(at: dt.datetime) -> int:
    local = timezone.localtime(at)
    return local.hour * 3600 + local.minute * 60 + local.second


def _signal_keys(selection_id: int, candidate_id: int, network: str, at: dt.datetime) -> tuple[str, str]:
    stamp = int(at.timestamp())
    return _key(f"net:{selection_id}:{network}:{stamp // 60}"), _key(f"step:{selection_id}:{candidate_id}:{stamp}")


def _clock_key(selection_id: int, worker_id: int) -> str:
    return _key(f"clock:{selection_id}:{worker_id}")


def signal_counts(*, selection_id: int, candidate_id: int, worker_id: int, network: str, at: dt.datetime,
                  day: dt.date) -> tuple[int, int, list[tuple[int, int]]]:
    """Count this vote into its network's minute and its candidate's second (one pipelined round trip, before the
    vote is written); answer the counts before this vote and the member's earlier (day ordinal, second of day)
    pairs. A vote that is then refused gives its counts back (signals_give_back); a recorded one adds its time of
    day (vote_recorded)."""
    net_key, step_key = _signal_keys(selection_id, candidate_id, network, at)
    pipe = client().pipeline(transaction=False)
    if network:
        pipe.incr(net_key)
        pipe.expire(net_key, 120)
    pipe.incr(step_key)
    pipe.expire(step_key, 5)
    pipe.lrange(_clock_key(selection_id, worker_id), 0, 2)
    out = pipe.execute()
    if network:
        net, out = int(out[0]) - 1, out[2:]
    else:
        net = 0
    step = int(out[0]) - 1
    earlier = []
    for raw in out[2]:
        d, s = raw.decode().split(":")
        earlier.append((int(d), int(s)))
    return net, step, earlier


def signals_give_back(*, selection_id: int, candidate_id: int, network: str, at: dt.datetime) -> None:
    """Undo signal_counts for a vote that was refused (over the day's limit) or failed."""
    net_key, step_key = _signal_keys(selection_id, candidate_id, network, at)
    pipe = client().pipeline(transaction=False)
    if network:
        pipe.decr(net_key)
    pipe.decr(step_key)
    pipe.execute()


def vote_recorded(*, selection_id: int, candidate_id: int, worker_id: int, at: dt.datetime, day: dt.date,
                  counted: bool) -> None:
    """After a vote is in the ledger, one round trip: the member's time of day for the clockwork signal and, when
    the vote counted, its candidate's live total."""
    clock_key = _clock_key(selection_id, worker_id)
    pipe = client().pipeline(transaction=False)
    pipe.lpush(clock_key, f"{day.toordinal()}:{second_of_day(at)}")
    pipe.ltrim(clock_key, 0, 2)
    pipe.expire(clock_key, 4 * 86400)
    if counted:
        pipe.hincrby(totals_key(selection_id), str(candidate_id), 1)
    pipe.execute()


def totals_bump(selection_id: int, counts: dict[int, int]) -> None:
    pipe = client().pipeline(transaction=False)
    key = totals_key(selection_id)
    for candidate_id, n in counts.items():
        pipe.hincrby(key, str(candidate_id), n)
    pipe.execute()


def totals_read(selection_id: int, candidate_ids: list[int]) -> dict[int, int] | None:
    """The live totals of these candidates, or None when the selection's hash is missing (to be rebuilt)."""
    key = totals_key(selection_id)
    pipe = client().pipeline(transaction=False)
    pipe.exists(key)
    pipe.hmget(key, [str(c) for c in candidate_ids])
    exists, values = pipe.execute()
    if not exists:
        return None
    return {c: int(v or 0) for c, v in zip(candidate_ids, values, strict=True)}


def totals_replace(selection_id: int, totals: dict[int, int]) -> None:
    key = totals_key(selection_id)
    pipe = client().pipeline(transaction=True)  # MULTI/EXEC: readers see the old hash or the new one
    pipe.delete(key)
    pipe.hset(key, "_", 0)  # the hash exists even before the first vote
    if totals:
        pipe.hset(key, mapping={str(c): n for c, n in totals.items()})
    pipe.execute()


def totals_drop(selection_id: int) -> None:
    client().delete(totals_key(selection_id))
