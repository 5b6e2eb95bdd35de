"""Reads about workers and members. Staff reads go through orgs.selectors.scoped()."""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijia.accounts.models import User
from zhijia.core import hotsql
from zhijia.core.crypto import keyed_hash
from zhijia.core.errors import NotFound
from zhijia.members.models import (
    ApplicationStatus,
    CardRevocation,
    MemberCard,
    Membership,
    MembershipApplication,
    MembershipStatus,
    MembershipTransfer,
    RosterImport,
    RosterRow,
    RoutingRule,
    TransferStatus,
    Worker,
    WorkerNotice,
)
from zhijia.orgs.models import GIG_OCCUPATIONS, Level, Occupation, Union
from zhijia.orgs.selectors import require_staff, scoped, visible_unions


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
    """The admitted membership of the signed-in worker (with its worker and union), or None. Benefits and votes
    check this. One query (at most one admitted membership per worker: a constraint)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return next(iter(Membership.objects.select_related("union", "worker")
                     .filter(worker__user=user, status=MembershipStatus.ADMITTED)[:1]), None)


# What the claim path reads of the member (benefits.services.claim_create, eligibility_problem, the new claim row);
# the user is read whole, as it becomes request.user. Other fields are deferred (tests count the claim's queries).
_BEARER_MEMBER = (
    hotsql.Shape(Membership, "m", ["id", "worker", "union", "status", "member_number", "joined_on"]),
    hotsql.Shape(Worker, "w", ["id", "user", "name", "occupation", "work_region_code"]),
    hotsql.Shape(User, "u"),
    hotsql.Shape(Union, "g", ["id", "name", "level", "kind", "parent", "path", "depth"]),
)


@lru_cache(maxsize=1)
def _bearer_member_sql() -> str:
    from zhijia.accounts.services import api_token_valid_sql

    return (f"SELECT {', '.join(shape.select() for shape in _BEARER_MEMBER)} "  # noqa: S608 - columns from the models
            "FROM members_membership m JOIN members_worker w ON w.id = m.worker_id "
            "JOIN accounts_user u ON u.id = w.user_id JOIN accounts_apitoken t ON t.user_id = u.id "
            f"JOIN orgs_union g ON g.id = m.union_id WHERE {api_token_valid_sql('t', 'u')} AND m.status = %s LIMIT 1")


def member_in_good_standing_by_api_token(raw: str) -> Membership | None:
    """The bearer token's user and their admitted membership (with worker, user and union), in one query; None when
    the token is not valid (accounts.services.api_token_valid) or its user is not a member in good standing.
    Hand-written (core.hotsql): at a flash release every claim signs in this way, and the ORM spent seven times the
    query's own cost building it."""
    from zhijia.accounts.services import api_token_valid_params

    if not raw:
        return None
    row = hotsql.fetch_one(_bearer_member_sql(), [*api_token_valid_params(raw), MembershipStatus.ADMITTED])
    if row is None:
        return None
    (membership, worker, user, union), _rest = hotsql.build_all(list(_BEARER_MEMBER), row)
    worker.user = user
    membership.worker = worker
    membership.union = union
    return membership


# --- Staff reads (always through scoped()) -----------------------------------------------------------------------


def application_queue(*, user, union_id: int | None = None, status: str = ApplicationStatus.PENDING,
                      q: str | None = None) -> QuerySet[MembershipApplication]:
    """The review queue of the caller's subtree (or one union in it), oldest first: the age is what matters."""
    qs = scoped(MembershipApplication.objects.select_related("worker", "union"), user)
    if union_id:
        qs = qs.filter(union_id=union_id)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(worker__name__contains=q) | Q(union__name__contains=q))
    return qs.order_by("submitted_at", "id")


def application_get(*, user, application_id: int) -> MembershipApplication:
    application = (scoped(MembershipApplication.objects.select_related("worker", "union", "membership"), user)
                   .filter(pk=application_id).first())
    if application is None:
        raise NotFound(_("入会申请不存在"))
    return application


def application_of_worker(*, user, application_id: int) -> MembershipApplication:
    """A worker reads their own application."""
    application = (MembershipApplication.objects.select_related("union", "membership")
                   .filter(pk=application_id, worker__user=user).first())
    if application is None:
        raise NotFound(_("入会申请不存在"))
    return application


def application_age_days(application: MembershipApplication) -> int:
    return (timezone.now() - application.submitted_at).days


def membership_list(*, user, union_id: int | None = None, status: str | None = "admitted", q: str | None = None,
                    occupation: str | None = None) -> QuerySet[Membership]:
    qs = scoped(Membership.objects.select_related("worker", "union"), user)
    if union_id:
        root = Union.objects.filter(pk=union_id).only("path").first()
        qs = qs.filter(union__path__startswith=root.path) if root else qs.none()
    if status:
        qs = qs.filter(status=status)
    if occupation:
        qs = qs.filter(worker__occupation=occupation)
    if q:
        q = q.strip()
        if len(q) == 18 or (len(q) == 11 and q.isdigit()):
            # Exact ID number or phone: found through the keyed hash, never by decrypting.
            qs = qs.filter(Q(worker__id_number_hash=keyed_hash(q)) | Q(worker__phone_hash=keyed_hash(q)))
        else:
            qs = qs.filter(Q(worker__name__contains=q) | Q(member_number=q))
    return qs.order_by("-joined_on", "-id")


def membership_get(*, user, membership_id: int) -> Membership:
    membership = (scoped(Membership.objects.select_related("worker", "union", "transferred_from__union"), user)
                  .filter(pk=membership_id).first())
    if membership is None:
        raise NotFound(_("会籍不存在"))
    return membership


def membership_history(worker: Worker) -> list[Membership]:
    return list(Membership.objects.select_related("union").filter(worker=worker).order_by("id"))


def transfer_list(*, user, status: str | None = TransferStatus.PENDING) -> QuerySet[MembershipTransfer]:
    """Transfers either side of which lies in the caller's subtree: both sides see and confirm them."""
    base = MembershipTransfer.objects.select_related("membership__worker", "from_union", "to_union")
    qs = scoped(base, user, via="from_union") | scoped(base, user, via="to_union")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")


def transfer_get(*, user, transfer_id: int) -> MembershipTransfer:
    transfer = transfer_list(user=user, status=None).filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound(_("转接不存在"))
    return transfer


# --- Union picker (members' forms) ---------------------------------------------------------------------------

# What a picker offers. "scope": the caller's own subtree (import into, routing-rule target, list and queue filters).
# "target": any union below the national level, because a worker may move to, or be re-routed to, a union in another
# district (the services allow it); only the name, level and parent of those are shown.
UNION_PICK_PURPOSES = ("scope", "target")
UNION_PICK_LIMIT = 20


def union_pick_candidates(*, user, purpose: str, q: str | None = None) -> QuerySet[Union]:
    """Unions the caller may pick in a members form, found by name, pinyin or pinyin initials ("fs" finds 房山)."""
    if purpose == "target":
        require_staff(user)
        qs = Union.objects.exclude(level=Level.NATIONAL)
    else:
        qs = visible_unions(user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(pinyin__contains=q.lower().replace(" ", "")))
    return qs.select_related("parent").only("id", "name", "level", "kind", "depth", "parent__name").order_by(
        "depth", "name", "id")


def union_pick_get(*, user, purpose: str, union_id: int) -> Union:
    union = union_pick_candidates(user=user, purpose=purpose).filter(pk=union_id).first()
    if union is None:
        raise NotFound(_("工会不存在"))
    return union


def routing_rules(*, user) -> QuerySet[RoutingRule]:
    require_staff(user)
    return RoutingRule.objects.select_related("target_union").order_by("priority", "id")


def roster_import_list(*, user) -> QuerySet[RosterImport]:
    return scoped(RosterImport.objects.select_related("union"), user)


def roster_import_get(*, user, import_id: int) -> RosterImport:
    item = roster_import_list(user=user).filter(pk=import_id).first()
    if item is None:
        raise NotFound(_("导入批次不存在"))
    return item


def roster_import_bad_rows(*, roster_import: RosterImport) -> QuerySet[RosterRow]:
    return RosterRow.objects.filter(roster_import=roster_import, ok=False).order_by("row_no")


def roster_import_preview(*, roster_import: RosterImport, limit: int = 20) -> list[RosterRow]:
    return list(RosterRow.objects.filter(roster_import=roster_import, ok=True).order_by("row_no")[:limit])


def revocations_since(version: int = 0) -> tuple[int, list[CardRevocation]]:
    rows = list(CardRevocation.objects.filter(pk__gt=version).order_by("id"))
    latest = CardRevocation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return latest, rows


def revocation_version() -> int:
    return CardRevocation.objects.order_by("-id").values_list("id", flat=True).first() or 0


class RevokedSerials:
    """The revocation list as a container of serials ("<member number>-<generation>"), asked one serial at a time
    (an indexed lookup), so a verification never loads the whole list."""

    def __contains__(self, serial: object) -> bool:
        number, _sep, generation = str(serial).rpartition("-")
        if not number or not generation.isdigit():
            return False
        return CardRevocation.objects.filter(member_number=number, generation=int(generation)).exists()


def member_cards(*, membership: Membership) -> list[MemberCard]:
    """Every card of a membership, newest first (the worker's own page, or staff after membership_get)."""
    return list(MemberCard.objects.filter(membership=membership).order_by("-generation"))


def worker_notices(*, worker: Worker | None, limit: int = 10) -> list[WorkerNotice]:
    if worker is None:
        return []
    return list(WorkerNotice.objects.filter(worker=worker)[:limit])


def member_stats(*, user, union_id: int | None = None, months: int = 12) -> dict:
    """Members of a subtree: by child union (rolled up), by occupation (new-form first), joins per month."""
    scope = require_staff(user)
    root = Union.objects.get(pk=union_id or scope.pk)
    if not root.path.startswith(scope.path):
        raise NotFound(_("工会不存在"))
    admitted = Membership.objects.filter(status=MembershipStatus.ADMITTED, union__path__startswith=root.path)
    children = list(Union.objects.filter(parent=root).only("id", "name", "path").order_by("region_code", "name"))
    by_child_path = dict.fromkeys([c.path for c in children], 0)
    # One grouped query over the subtree; each union's count is added to the child whose path prefixes it.
    direct = 0
    for path, n in admitted.values_list("union__path").annotate(n=Count("id")).values_list("union__path", "n"):
        head = path[len(root.path):].split("/", 1)[0]
        key = f"{root.path}{head}/" if head else None
        if key in by_child_path:
            by_child_path[key] += n
        else:
            direct += n
    by_union = [{"union_id": c.id, "name": c.name, "members": by_child_path[c.path]} for c in children]
    by_union = sorted((u for u in by_union if u["members"]), key=lambda u: -u["members"])
    occ = dict(admitted.values_list("worker__occupation").annotate(n=Count("id")).values_list(
        "worker__occupation", "n"))
    by_occupation = [{"occupation": o.value, "label": o.label, "members": occ.get(o.value, 0)} for o in Occupation]
    this_month = timezone.localdate().replace(day=1)
    index = this_month.year * 12 + this_month.month - 1 - (months - 1)
    start = _dt.date(index // 12, index % 12 + 1, 1)
    per_month = dict(admitted.filter(joined_on__gte=start).annotate(m=TruncMonth("joined_on"))
                     .values_list("m").annotate(n=Count("id")).values_list("m", "n"))
    joins = []
    cursor = start
    for _month in range(months):
        key = next((k for k in per_month if k and (k.year, k.month) == (cursor.year, cursor.month)), None)
        joins.append({"month": f"{cursor:%Y-%m}", "joined": per_month.get(key, 0) if key else 0})
        cursor = (cursor.replace(day=28) + _dt.timedelta(days=4)).replace(day=1)
    total = admitted.count()
    gig = sum(o["members"] for o in by_occupation if o["occupation"] in GIG_OCCUPATIONS)
    pending = MembershipApplication.objects.filter(status=ApplicationStatus.PENDING,
                                                   union__path__startswith=root.path).count()
    return {"union_id": root.pk, "union_name": root.name, "members": total, "gig_members": gig,
            "direct_members": direct, "pending_applications": pending, "by_union": by_union,
            "by_occupation": by_occupation, "joins_by_month": joins}
