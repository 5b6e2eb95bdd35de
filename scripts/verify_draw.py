#!/usr/bin/env python3
"""Recompute a benefits lottery from its publication and check it. Standard library only.

    python scripts/verify_draw.py https://host/api/v1/benefits/42/draw     (or a saved JSON file)

Checks that sha256(seed) is the hash published when registration opened, ranks the entrants by
(sha256("<seed>:<entrant_code>"), entrant_code) ascending, and compares the first `units` with the published
winners. Exit code 0 when the draw is reproduced, 1 when it is not.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request


def draw_order(seed: str, entrants: list[str]) -> list[str]:
    return sorted(entrants, key=lambda c: (hashlib.sha256(f"{seed}:{c}".encode()).hexdigest(), c))


def verify(pub: dict) -> list[str]:
    problems = []
    seed = pub.get("seed")
    if not seed:
        return ["the seed has not been revealed yet (not drawn)"]
    if hashlib.sha256(seed.encode()).hexdigest() != pub["seed_hash"]:
        problems.append("sha256(seed) does not match the committed seed_hash")
    expected = draw_order(seed, pub["entrants"])[: pub["units"]]
    if expected != pub["winners"]:
        problems.append(f"winners differ: recomputed {expected[:5]}..., published {pub['winners'][:5]}...")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    source = argv[1]
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as resp:  # noqa: S310 - the user names the URL
            pub = json.load(resp)
    else:
        with open(source, encoding="utf-8") as fh:
            pub = json.load(fh)
    problems = verify(pub)
    if problems:
        for p in problems:
            print("MISMATCH:", p)
        return 1
    print(f"OK: {len(pub['entrants'])} entrants, {len(pub['winners'])} winners reproduced from the revealed seed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
