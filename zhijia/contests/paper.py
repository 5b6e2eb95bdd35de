"""Drawing an entrant's paper: random, and reproducible by anyone from the round's seed.

The entrant's seed is SHA-256 of "<round seed>:<entry id>"; a `random.Random` seeded with it takes, category by
category in sorted order, the spec's number of questions from that category's question ids in ascending order,
then shuffles the whole paper. The same seed, entry and bank always give the same paper; another entrant gets
another paper.
"""

from __future__ import annotations

import hashlib
import random

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhijia.core.errors import ValidationFailed


def entrant_seed(round_seed: str, entry_id: int) -> str:
    return hashlib.sha256(f"{round_seed}:{entry_id}".encode()).hexdigest()


def paper_draw(*, round_seed: str, entry_id: int, bank: dict[str, list[int]],
               spec: dict[str, int]) -> tuple[str, list[int]]:
    """(the entrant's seed, the question ids in paper order) for `spec` = {category: count}."""
    if not spec:
        raise ValidationFailed.field("paper_spec", _("本轮尚未设置组卷规则"))
    short = [_("%(category)s（需%(need)s题，题库%(have)s题）")
             % {"category": c, "need": n, "have": len(bank.get(c, []))}
             for c, n in sorted(spec.items()) if len(bank.get(c, [])) < n]
    if short:
        raise ValidationFailed.field(
            "paper_spec", _("题库题目不足：%(short)s") % {"short": pgettext("list separator", "；").join(short)})
    seed = entrant_seed(round_seed, entry_id)
    rnd = random.Random(seed)
    ids: list[int] = []
    for category in sorted(spec):
        ids += rnd.sample(sorted(bank[category]), spec[category])
    rnd.shuffle(ids)
    return seed, ids
