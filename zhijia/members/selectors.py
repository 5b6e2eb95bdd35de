"""Reads about workers and members. Staff reads go through orgs.selectors.scoped()."""

from __future__ import annotations

from zhijia.core.crypto import keyed_hash
from zhijia.members.models import Membership, MembershipStatus, Worker


def worker_for_user(user) -> Worker | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Worker.objects.filter(user=user).first()


def worker_find_by_id_number(id_number: str) -> Worker | None:
    return Worker.objects.filter(id_number_hash=keyed_hash(id_number)).first()


def worker_find_by_phone(phone: str) -> Worker | None:
    return Worker.objects.filter(phone_hash=keyed_hash(phone)).order_by("-id").first()


def current_membership(worker: Worker | None) -> Membership | None:
    if worker is None:
        return None
    return (Membership.objects.select_related("union").filter(worker=worker, status__in=["applied", "admitted"])
            .first())


def member_in_good_standing(user) -> Membership | None:
    """The admitted membership of the signed-in worker, or None. Benefits and votes check this."""
    worker = worker_for_user(user)
    if worker is None:
        return None
    return (Membership.objects.select_related("union", "worker")
            .filter(worker=worker, status=MembershipStatus.ADMITTED).first())
