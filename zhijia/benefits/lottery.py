"""The lottery's draw: deterministic, documented, and recomputable by anyone (scripts/verify_draw.py).

1. When registration opens a 32-byte random seed is chosen and sha256(seed) (hex) is published.
2. Each entrant is published under a pseudonym, `entrant_code` (16 hex characters, a keyed hash of the offer and the
   worker; a member sees their own code on their claim).
3. At the draw the seed is revealed. Every entrant gets the key sha256("<seed>:<entrant_code>") (hex, UTF-8), and
   entrants are ranked by (key, entrant_code) ascending. The first `units` are the winners; the rest keep their rank
   as the order in which unclaimed or cancelled wins roll to the next drawn.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings


def seed_new() -> tuple[str, str]:
    seed = secrets.token_hex(32)
    return seed, seed_commitment(seed)


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def entrant_code_for(*, benefit_id: int, worker_id: int) -> str:
    key = hashlib.sha256(("entrant|" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{benefit_id}:{worker_id}".encode(), hashlib.sha256).hexdigest()[:16]


def draw_order(seed: str, entrant_codes: list[str]) -> list[str]:
    """All entrants in draw order (winners first)."""
    return sorted(entrant_codes, key=lambda c: (hashlib.sha256(f"{seed}:{c}".encode()).hexdigest(), c))
