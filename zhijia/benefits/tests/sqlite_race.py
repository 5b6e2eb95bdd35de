"""Run by test_concurrency.test_same_race_on_sqlite in its own process: a fresh SQLite file database, the race
through the services in threads (each thread its own connection), and the invariants printed as one JSON line."""

from __future__ import annotations

import datetime as dt
import io
import json

import django


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BENEFIT_RATE_IP = "100000/60"
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    from zhijia.accounts.models import User
    from zhijia.benefits import services
    from zhijia.benefits.tests.race import check_invariants, run_race
    from zhijia.core.crypto import keyed_hash
    from zhijia.members.demo import demo_person
    from zhijia.members.models import Membership, Worker
    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert

    root = _insert(Union(parent=None, name="北京市总工会", level=Level.MUNICIPAL, kind=Kind.FEDERATION,
                         region_code="110000"))
    district = _insert(Union(parent=root, name="房山区总工会", level=Level.DISTRICT, kind=Kind.FEDERATION,
                             region_code="110111"))
    staff = User.objects.create(username="staff", role="district_staff", union=district)
    members = []
    for i in range(1, 31):
        p = demo_person(i)
        user = User.objects.create(username=f"w{i:06d}", role="worker")
        worker = Worker.objects.create(user=user, name=p["name"], id_number=p["id_number"],
                                       id_number_hash=keyed_hash(p["id_number"]), gender=p["gender"],
                                       birth_date=p["birth"], occupation="other")
        Membership.objects.create(worker=worker, union=district, status="admitted")
        members.append(user)
    now = timezone.now()
    offer = services.benefit_create(staff, title="图书馆年卡", kind="pass", units=4,
                                    release_at=now - dt.timedelta(seconds=5), closes_at=now + dt.timedelta(hours=1))
    connection.close()

    def claim(member, key):
        from zhijia.core.errors import DomainError

        try:
            c, _ = services.claim_create(member, benefit_id=offer.pk, idempotency_key=key, request_hash="r")
            return c.status, c.pk, None
        except DomainError as exc:
            return "error", None, exc.code

    def cancel(member, claim_id):
        services.claim_cancel(member, claim_id=claim_id)

    result = run_race(claim=claim, cancel=cancel, members=members)
    inv = check_invariants(offer, result)
    inv.update({"vendor": connection.vendor, "units": offer.units, "statuses": dict(inv["statuses"])})
    print(json.dumps(inv))


if __name__ == "__main__":
    main()
