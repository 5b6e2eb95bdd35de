"""The arithmetic of a selection's ranking, free of the database so it can be checked by hand.

- An expert's total for a candidate: the weighted mean of their criterion scores, each scaled to 0-100 by the
  criterion's maximum: sum(w_c * v_c / max_c * 100) / sum(w_c).
- The expert score: the trimmed mean of the experts' totals; with five or more experts the single highest and the
  single lowest are dropped first.
- The vote score: the candidate's counted votes scaled to 0-100 by the most votes any candidate has.
- The final score: vote_weight * vote score + expert_weight * expert score.
- Ties are broken, in order, by the higher expert score, the more counted votes, the earlier nomination, the lower
  candidate id; every candidate gets a distinct rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PLACES = Decimal("0.001")
HUNDRED = Decimal(100)


def expert_total(values: dict[int, Decimal], criteria: list[tuple[int, Decimal, Decimal]]) -> Decimal | None:
    """`values` maps criterion id → score; `criteria` is (id, weight, max_score). None unless every criterion is
    scored (a half-scored sheet does not count)."""
    if not criteria or any(cid not in values for cid, _, _ in criteria):
        return None
    weights = sum(w for _, w, _ in criteria)
    total = sum(w * Decimal(values[cid]) / m * HUNDRED for cid, w, m in criteria)
    return total / weights


def trimmed_mean(totals: list[Decimal]) -> Decimal | None:
    if not totals:
        return None
    ordered = sorted(totals)
    if len(ordered) >= 5:
        ordered = ordered[1:-1]
    return sum(ordered) / len(ordered)


@dataclass
class Row:
    candidate_id: int
    votes: int
    expert_score: Decimal | None
    nominated_order: tuple  # (nominated_at, id)
    vote_score: Decimal = Decimal(0)
    final_score: Decimal = Decimal(0)
    rank: int = 0


def rank_rows(rows: list[Row], *, vote_weight: Decimal, expert_weight: Decimal) -> list[Row]:
    top_votes = max((r.votes for r in rows), default=0)
    for r in rows:
        r.vote_score = (Decimal(r.votes) * HUNDRED / top_votes).quantize(PLACES) if top_votes else Decimal(0)
        expert = (r.expert_score or Decimal(0)).quantize(PLACES)
        r.final_score = (vote_weight * r.vote_score + expert_weight * expert).quantize(PLACES)
    rows.sort(key=lambda r: (-r.final_score, -(r.expert_score or Decimal(-1)), -r.votes, r.nominated_order))
    for i, r in enumerate(rows, start=1):
        r.rank = i
    return rows
