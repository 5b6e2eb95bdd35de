"""The counts on the console home, for the caller's subtree. Each subsystem adds its own counter here."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_noop

from zhijia.orgs.selectors import scoped, visible_unions

# (label, function(user) -> int). Apps append theirs in AppConfig.ready.
COUNTERS: list[tuple[str, Callable]] = []


def register_counter(label: str, fn: Callable) -> None:
    if all(existing != label for existing, _ in COUNTERS):
        COUNTERS.append((label, fn))


def console_counts(*, user) -> list[tuple[str, int]]:
    from zhijia.members.models import Membership, MembershipStatus

    base = [
        (gettext_noop("工会组织"), visible_unions(user).count()),
        (gettext_noop("在会会员"), scoped(Membership.objects.filter(status=MembershipStatus.ADMITTED), user).count()),
    ]
    return base + [(label, fn(user)) for label, fn in COUNTERS]
