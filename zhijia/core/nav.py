"""The staff console's navigation, one entry per subsystem. Each app registers its own entry in its AppConfig.ready,
so adding a subsystem touches no shared template."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    order: int = 100
    roles: tuple[str, ...] = field(default_factory=tuple)  # empty: every staff role


STAFF_NAV: list[NavEntry] = []
WORKER_NAV: list[NavEntry] = []


def register(entry: NavEntry, *, worker: bool = False) -> None:
    target = WORKER_NAV if worker else STAFF_NAV
    if all(e.key != entry.key for e in target):
        target.append(entry)
        target.sort(key=lambda e: (e.order, e.key))
