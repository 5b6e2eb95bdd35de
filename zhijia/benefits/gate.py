"""The Redis gate in front of a first-come-first-served offer (used when REDIS_URL is set).

Per offer, Redis holds the list of free unit numbers and, per member, how many units they hold. One Lua script
checks the member's limit and the stock and takes a unit, atomically: Redis runs a script alone, so two claims can
never take the same unit or push a member past the limit between the check and the take.

PostgreSQL stays the truth. The order of writes keeps Redis conservative: a unit is taken in Redis *before* the
confirmed claim is written, and given back to Redis only *after* a cancellation has committed. So Redis never shows
a unit free that the database holds, except after a crash between the two steps, which can only lose units (never
sell one twice); `gate_rebuild` (the reconcile job) restores them from the database. Even if Redis were wrong, the
database's unique constraints on (offer, unit) and (offer, member, slot) refuse the second sale.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

SOLD_OUT = -2
OVER_LIMIT = -1
NOT_ARMED = -3
THROTTLED = -4
SEEN = -5

# The take, shared by the two scripts below. KEYS[1..4]: free units (list), units held per member (hash), armed flag,
# waiting-list sequence. ARGV[1..2]: worker id, per-member limit. Returns {unit or code, place in line}: when sold out
# the member's number in line is taken in the same script (one round trip for the many who come too late).
_TAKE_BODY = """
if redis.call('EXISTS', KEYS[3]) == 0 then return {-3, 0} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held >= tonumber(ARGV[2]) then return {-1, 0} end
local unit = redis.call('LPOP', KEYS[1])
if not unit then return {-2, redis.call('INCR', KEYS[4])} end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return {tonumber(unit), 0}
"""
_TAKE = _TAKE_BODY

# A whole claim in one round trip, for a request that passed every check made in Python: count the hit on each rate
# counter (KEYS[6..], with window and limit in ARGV[4..] by pairs); when none is over its limit, SET NX the
# Idempotency-Key (KEYS[5], ttl ARGV[3]); when the key is new, the take. Returns {-4, 0} throttled (nothing else
# done) or {-5, 0} key seen before (no unit taken: the caller looks for the first answer), else as the take.
_CLAIM = """
local over = false
for i = 6, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  local at = 4 + (i - 6) * 2
  if n == 1 then redis.call('EXPIRE', KEYS[i], tonumber(ARGV[at]) + 1) end
  if n > tonumber(ARGV[at + 1]) then over = true end
end
if over then return {-4, 0} end
if not redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[3])) then return {-5, 0} end
""" + _TAKE_BODY

# Give a unit back (a failed write or a committed cancellation with nobody waiting). ARGV: worker id, unit or "".
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held > 0 then redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
if ARGV[2] ~= '' then redis.call('LPUSH', KEYS[1], ARGV[2]) end
return 1
"""

# A unit handed from one member to another (waiting-list promotion): only the per-member counts move.
_HAND_OVER = """
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held > 0 then redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 1
"""


def enabled() -> bool:
    return bool(settings.REDIS_URL) and getattr(settings, "BENEFITS_GATE", "auto") != "db"


@lru_cache(maxsize=2)
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)


def client():
    return _client(settings.REDIS_URL)


@lru_cache(maxsize=2)
def _scripts(url: str):
    c = _client(url)
    return (c.register_script(_TAKE), c.register_script(_GIVE_BACK), c.register_script(_HAND_OVER),
            c.register_script(_CLAIM))


def keys(benefit) -> list[str]:
    # One hash tag per offer: all its keys live on one Redis Cluster slot, as a script needs.
    tag = f"zj:bf:{{{benefit.pk}.{benefit.gate_id}}}"
    return [f"{tag}:free", f"{tag}:held", f"{tag}:armed"]


def _seq_key(benefit) -> str:
    return keys(benefit)[0].replace(":free", ":seq")


def take(benefit, worker_id: int) -> tuple[int, int | None]:
    """(unit number >= 1, None), or (OVER_LIMIT, None), (NOT_ARMED, None), or (SOLD_OUT, the member's number on the
    waiting list)."""
    code, position = _scripts(settings.REDIS_URL)[0](keys=[*keys(benefit), _seq_key(benefit)],
                                                     args=[worker_id, benefit.per_member_limit])
    return int(code), (int(position) if int(code) == SOLD_OUT else None)


def claim_take(benefit, worker_id: int, *, counters: list[tuple[str, int, int]],
               idem_key: str) -> tuple[int, int | None]:
    """The first attempt of a claim, in one round trip: `counters` are (key, window seconds, limit) fixed-window rate
    counters, `idem_key` marks the request's Idempotency-Key. Returns (THROTTLED, None), (SEEN, None), or as take."""
    args = [worker_id, benefit.per_member_limit, IDEMPOTENCY_TTL_S]
    for _, window, limit in counters:
        args += [window, limit]
    code, position = _scripts(settings.REDIS_URL)[3](
        keys=[*keys(benefit), _seq_key(benefit), idem_key, *(key for key, _, _ in counters)], args=args)
    return int(code), (int(position) if int(code) == SOLD_OUT else None)


def give_back(benefit, worker_id: int, unit: int | None) -> None:
    _scripts(settings.REDIS_URL)[1](keys=keys(benefit), args=[worker_id, "" if unit is None else unit])


def hand_over(benefit, from_worker_id: int, to_worker_id: int) -> None:
    _scripts(settings.REDIS_URL)[2](keys=keys(benefit), args=[from_worker_id, to_worker_id])


IDEMPOTENCY_TTL_S = 7 * 24 * 3600


def throttle_hits(counters: list[tuple[str, int]], *, idem_key: str) -> tuple[list[int], bool]:
    """Count one hit on each (key, window seconds) fixed-window counter and SET NX the idempotency key, in one round
    trip. Returns the counts and whether the key is new."""
    pipe = client().pipeline(transaction=False)
    for key, window in counters:
        pipe.incr(key)
        pipe.expire(key, window + 1, nx=True)
    pipe.set(idem_key, 1, nx=True, ex=IDEMPOTENCY_TTL_S)
    out = pipe.execute()
    return [int(n) for n in out[:-1:2]], bool(out[-1])


def remaining(benefit) -> int | None:
    if not enabled():
        return None
    free, _, armed = keys(benefit)
    pipe = client().pipeline(transaction=False)
    pipe.exists(armed)
    pipe.llen(free)
    is_armed, n = pipe.execute()
    return int(n) if is_armed else None


def gate_rebuild(benefit, *, held_units: list[tuple[int, int]]) -> None:
    """Replace the offer's Redis state with what the database holds: `held_units` is (worker id, unit) of every
    confirmed or redeemed claim. Called with the offer's row locked (services.benefit_reconcile)."""
    free_key, held_key, armed_key = keys(benefit)
    used = {unit for _, unit in held_units}
    counts: dict[int, int] = {}
    for worker_id, _ in held_units:
        counts[worker_id] = counts.get(worker_id, 0) + 1
    free = [u for u in range(1, benefit.units + 1) if u not in used]
    pipe = client().pipeline(transaction=True)  # MULTI/EXEC: claims see the old state or the new, never half
    pipe.delete(free_key, held_key, armed_key)
    for i in range(0, len(free), 5000):
        pipe.rpush(free_key, *free[i:i + 5000])
    if counts:
        pipe.hset(held_key, mapping=counts)
    pipe.set(armed_key, "1")
    pipe.execute()


def gate_is_armed(benefit) -> bool:
    return bool(client().exists(keys(benefit)[2]))


def all_keys(benefit) -> list[str]:
    return [*keys(benefit), _seq_key(benefit)]


def gate_drop(benefit) -> None:
    client().delete(*all_keys(benefit))
