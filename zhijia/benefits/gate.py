"""The Redis gate in front of a first-come-first-served offer (used when REDIS_URL is set).

Per offer, Redis holds the list of free unit numbers and, per member, how many units they hold. One Lua script
checks the member's limit and the stock and takes a unit, atomically: Redis runs a script alone, so two claims can
never take the same unit or push a member past the limit between the check and the take.

PostgreSQL stays the truth. The order of writes keeps Redis conservative: a unit is taken in Redis *before* the
confirmed claim is written, and given back to Redis only *after* a cancellation has committed. So Redis never shows
a unit free that the database holds, except after a crash between the two steps, which can only lose units (never
sell one twice); `gate_rebuild` (the reconcile job) restores them from the database. Even if Redis were wrong, the
database's unique constraints on (offer, unit) and (offer, member, slot) refuse the second sale.

The waiting list (on PostgreSQL): at a release almost every claim comes too late, and its answer is a place in line.
The place is given here, in the same script, and kept here (the member's place, and the place's record in a list of
places not yet written); `services.waitlist_flush` writes them to the database in batches, so a late claim costs no
database write of its own. A confirmed claim is still written and committed before it is answered. Until it is
written a place lives in Redis alone: Redis's own persistence (AOF) keeps it across a restart; losing Redis's data
loses the places given since the last flush (at most about a second's worth, see services.WAITLIST_MAX_AGE_MS).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings

# How long the writer's lock of an offer's pending places lasts if its holder dies.
WRITER_LOCK_MS = 10000

SOLD_OUT = -2
OVER_LIMIT = -1
NOT_ARMED = -3
THROTTLED = -4
SEEN = -5

# The take, shared by the two scripts below. KEYS[1..8]: free units (list), units held per member (hash), armed flag,
# waiting-list sequence, the members waiting (hash worker -> "claim id:place"), the places not yet written to the
# database (list), the set of offers with such places, the writer's lock. ARGV[1..9]: worker id, per-member limit,
# idempotency ttl, claim id for a new place ("" = the caller writes places itself), its record, now in ms, the
# offer's tag, batch size, oldest age in ms. Returns {unit or code, place in line, claim id, places pending, 1 when
# this caller is to write the pending places}. When sold out the member's place is taken in the same script (one
# round trip for the many who come too late); with a claim id the place is also kept here until `waitlist_flush`
# writes it (the member's existing place is answered again). When a batch is due, the first caller to see it takes
# the writer's lock, its claim id as the token (one writer per offer at a time; the lock lapses if that writer dies).
_TAKE_BODY = """
if redis.call('EXISTS', KEYS[3]) == 0 then return {-3, 0, 0, 0, 0} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held >= tonumber(ARGV[2]) then return {-1, 0, 0, 0, 0} end
local unit = redis.call('LPOP', KEYS[1])
if unit then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  return {tonumber(unit), 0, 0, 0, 0}
end
if ARGV[4] == '' then return {-2, redis.call('INCR', KEYS[4]), 0, 0, 0} end
local place = redis.call('HGET', KEYS[5], ARGV[1])
if place then
  local id, pos = string.match(place, '^(%d+):(%d+)$')
  return {-2, tonumber(pos), tonumber(id), -1, 0}
end
local pos = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[4] .. ':' .. pos)
local n = redis.call('RPUSH', KEYS[6], pos .. '|' .. ARGV[6] .. '|' .. ARGV[5])
if n == 1 then redis.call('SADD', KEYS[7], ARGV[7]) end
local write = 0
if n >= tonumber(ARGV[8]) or
   tonumber(ARGV[6]) - tonumber(string.match(redis.call('LINDEX', KEYS[6], 0), '^%d+|(%d+)|')) >= tonumber(ARGV[9]) then
  if redis.call('SET', KEYS[8], ARGV[4], 'NX', 'PX', """ + str(WRITER_LOCK_MS) + """) then write = 1 end
end
return {-2, pos, tonumber(ARGV[4]), n, write}
"""
_TAKE = _TAKE_BODY

# A whole claim in one round trip, for a request that passed every check made in Python: count the hit on each rate
# counter (KEYS[10..], with window and limit in ARGV[10..] by pairs); when none is over its limit, SET NX the
# Idempotency-Key (KEYS[9], ttl ARGV[3]); when the key is new, the take. Returns {-4, ...} throttled (nothing else
# done) or {-5, ...} key seen before (no unit taken: the caller looks for the first answer), else as the take.
_CLAIM = """
local over = false
for i = 10, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  local at = 10 + (i - 10) * 2
  if n == 1 then redis.call('EXPIRE', KEYS[i], tonumber(ARGV[at]) + 1) end
  if n > tonumber(ARGV[at + 1]) then over = true end
end
if over then return {-4, 0, 0, 0, 0} end
if not redis.call('SET', KEYS[9], '1', 'NX', 'EX', tonumber(ARGV[3])) then return {-5, 0, 0, 0, 0} end
""" + _TAKE_BODY

# After a flush has committed: drop the pending places up to and including place ARGV[1] (the list is in place
# order, so a flush that raced another drops only what was written), and the offer from the set when none is left.
# KEYS: pending list, pending set, writer's lock; ARGV: place, offer's tag, the lock's token to release it ("" for
# a writer without the lock). Returns how many were dropped.
_TRIM = """
local n = 0
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  if tonumber(string.match(head, '^(%d+)|')) > tonumber(ARGV[1]) then break end
  redis.call('LPOP', KEYS[1])
  n = n + 1
end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
return n
"""

# Release the writer's lock if it is still ours (KEYS[1] the lock, ARGV[1] our token).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Forget a member's place only if it is still that claim's (KEYS[1] the members waiting, ARGV: worker id, claim id,
# and optionally the place to keep instead, "claim id:place"): a late forget must not remove a place given since.
_FORGET = """
local place = redis.call('HGET', KEYS[1], ARGV[1])
if place and string.match(place, '^(%d+):') == ARGV[2] then
  if ARGV[3] ~= '' then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""

# The sequence of places never goes back (a rebuild after Redis lost it resumes after the database's last place).
_SEQ_AT_LEAST = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""

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
            c.register_script(_CLAIM), c.register_script(_TRIM), c.register_script(_SEQ_AT_LEAST),
            c.register_script(_RELEASE), c.register_script(_FORGET))


# Offers whose waiting list has places not yet written to the database (members: tags), for `waitlist_settle`.
PENDING_SET = "zj:bf:pending"


def tag(benefit) -> str:
    return f"{benefit.pk}.{benefit.gate_id}"


def _prefix(offer_tag: str) -> str:
    # One hash tag per offer: all its keys live on one Redis Cluster slot, as a script needs.
    return f"zj:bf:{{{offer_tag}}}"


def keys(benefit) -> list[str]:
    p = _prefix(tag(benefit))
    return [f"{p}:free", f"{p}:held", f"{p}:armed"]


def _seq_key(benefit) -> str:
    return f"{_prefix(tag(benefit))}:seq"


def _wait_key(benefit) -> str:
    return f"{_prefix(tag(benefit))}:wait"


def pending_key(offer_tag: str) -> str:
    return f"{_prefix(offer_tag)}:pending"


def _writer_key(offer_tag: str) -> str:
    return f"{_prefix(offer_tag)}:writer"


class Take(NamedTuple):
    """The answer of the take: `code` a unit number >= 1 or one of the codes above; when SOLD_OUT, `position` is the
    member's place in line and, when the place is kept in Redis, `claim_id` its claim (`pending` -1: the member's
    existing place; else how many places wait to be written) and `write` whether this caller holds the writer's lock
    and is to write them (waitlist_flush with locked=True)."""

    code: int
    position: int | None
    claim_id: int | None
    pending: int
    write: bool


def _take_answer(out) -> Take:
    code = int(out[0])
    if code != SOLD_OUT:
        return Take(code, None, None, 0, False)
    return Take(code, int(out[1]), int(out[2]) or None, int(out[3]), bool(int(out[4])))


def _take_args(benefit, worker_id: int, place) -> tuple[list, list]:
    """KEYS and ARGV shared by the two take scripts. `place`: (claim id, record, now ms, batch size, oldest age ms)
    for a place kept in Redis, or None when the caller writes the place to the database itself."""
    claim_id, record, now_ms, batch, age_ms = place or ("", "", 0, 0, 0)
    offer_tag = tag(benefit)
    keys_ = [*keys(benefit), _seq_key(benefit), _wait_key(benefit), pending_key(offer_tag), PENDING_SET,
             _writer_key(offer_tag)]
    return keys_, [worker_id, benefit.per_member_limit, IDEMPOTENCY_TTL_S, claim_id, record, now_ms, offer_tag, batch,
                   age_ms]


def take(benefit, worker_id: int, *, place=None) -> Take:
    keys_, args = _take_args(benefit, worker_id, place)
    return _take_answer(_scripts(settings.REDIS_URL)[0](keys=keys_, args=args))


def claim_take(benefit, worker_id: int, *, counters: list[tuple[str, int, int]], idem_key: str,
               place=None) -> Take:
    """The first attempt of a claim, in one round trip: `counters` are (key, window seconds, limit) fixed-window rate
    counters, `idem_key` marks the request's Idempotency-Key. Returns code THROTTLED or SEEN, or as take."""
    keys_, args = _take_args(benefit, worker_id, place)
    for _, window, limit in counters:
        args += [window, limit]
    out = _scripts(settings.REDIS_URL)[3](keys=[*keys_, idem_key, *(key for key, _, _ in counters)], args=args)
    return _take_answer(out)


def give_back(benefit, worker_id: int, unit: int | None) -> None:
    _scripts(settings.REDIS_URL)[1](keys=keys(benefit), args=[worker_id, "" if unit is None else unit])


def hand_over(benefit, from_worker_id: int, to_worker_id: int) -> None:
    _scripts(settings.REDIS_URL)[2](keys=keys(benefit), args=[from_worker_id, to_worker_id])


def forget_waiting(benefit, worker_id: int, claim_id: int, *, instead: tuple[int, int] | None = None) -> None:
    """The member's claim `claim_id` has left the line (cancelled, promoted, or never written): a new claim of theirs
    gets a new place, or `instead` (claim id, place), the place they already hold. A place given since (another
    claim id) is kept."""
    keep = f"{instead[0]}:{instead[1]}" if instead else ""
    _scripts(settings.REDIS_URL)[7](keys=[_wait_key(benefit)], args=[worker_id, claim_id, keep])


def waiting_place(benefit, worker_id: int) -> str | None:
    got = client().hget(_wait_key(benefit), worker_id)
    return got.decode() if got is not None else None


def pending_tags() -> list[str]:
    return sorted(t.decode() for t in client().smembers(PENDING_SET))


def pending_head(offer_tag: str, n: int) -> list[tuple[int, str]]:
    """The oldest `n` places not yet written: (place, record)."""
    out = []
    for item in client().lrange(pending_key(offer_tag), 0, n - 1):
        pos, _, rest = item.decode().split("|", 2)
        out.append((int(pos), rest))
    return out


def pending_trim(offer_tag: str, upto: int, *, token: str = "") -> int:
    """Drop the places written, up to `upto`; with `token`, release the writer's lock if it is still ours."""
    return int(_scripts(settings.REDIS_URL)[4](keys=[pending_key(offer_tag), PENDING_SET, _writer_key(offer_tag)],
                                               args=[upto, offer_tag, token]))


def writer_acquire(offer_tag: str, token: str, *, wait_s: float) -> bool:
    """Take the offer's writer's lock, waiting up to `wait_s` for a writer at work to finish."""
    deadline = time.monotonic() + wait_s
    while True:
        if client().set(_writer_key(offer_tag), token, nx=True, px=WRITER_LOCK_MS):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def writer_release(offer_tag: str, token: str) -> None:
    _scripts(settings.REDIS_URL)[6](keys=[_writer_key(offer_tag)], args=[token])


def pending_count(offer_tag: str) -> int:
    return int(client().llen(pending_key(offer_tag)))


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


def gate_rebuild(benefit, *, held_units: list[tuple[int, int]], waiting: list[tuple[int, int, int]] = (),
                 last_position: int = 0) -> None:
    """Replace the offer's Redis state with what the database holds: `held_units` is (worker id, unit) of every
    confirmed or redeemed claim, `waiting` (worker id, claim id, place) of every waiting-list claim, `last_position`
    the highest place given. Called with the offer's row locked (services.benefit_reconcile). Places still pending
    and members' places kept here are left as they are; the place counter never goes back."""
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
    places = [(worker_id, f"{claim_id}:{position}") for worker_id, claim_id, position in waiting]
    for i in range(0, len(places), 5000):
        pipe.hset(_wait_key(benefit), mapping=dict(places[i:i + 5000]))
    pipe.eval(_SEQ_AT_LEAST, 1, _seq_key(benefit), last_position)
    pipe.set(armed_key, "1")
    pipe.execute()


def gate_is_armed(benefit) -> bool:
    return bool(client().exists(keys(benefit)[2]))


def all_keys(benefit) -> list[str]:
    return [*keys(benefit), _seq_key(benefit), _wait_key(benefit), pending_key(tag(benefit)),
            _writer_key(tag(benefit))]


def gate_drop(benefit) -> None:
    pipe = client().pipeline(transaction=True)
    pipe.delete(*all_keys(benefit))
    pipe.srem(PENDING_SET, tag(benefit))
    pipe.execute()
