"""Ranks with ties: standard competition ranking ("1224"). Equal totals share a rank, and the next distinct total
takes the rank it would have had without the tie: totals 95, 90, 90, 80 rank 1, 2, 2, 4."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """The rank of each total, in the order given (higher is better)."""
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=True)
    ranks = [0] * len(totals)
    for position, i in enumerate(order):
        if position and totals[i] == totals[order[position - 1]]:
            ranks[i] = ranks[order[position - 1]]
        else:
            ranks[i] = position + 1
    return ranks
