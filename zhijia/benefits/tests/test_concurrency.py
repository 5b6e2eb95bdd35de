"""Real concurrent clients racing for a small stock: HTTP clients in threads against the live server on PostgreSQL,
through the Redis gate and through database locking; a control without the lock; and the same race on SQLite."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from zhijia.benefits import gate, services
from zhijia.benefits.models import HOLDING, Claim
from zhijia.benefits.tests.race import check_invariants, run_race
from zhijia.conftest import require_postgres

pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("benefits-concurrency")]
ROOT = Path(__file__).resolve().parents[3]


def _http_client(live_server, tokens):
    url = urlparse(live_server.url)

    def request(method, path, token, key=None):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        # The test server's listen queue is short: a refused or reset connection is retried, which the
        # Idempotency-Key makes safe (exactly what a phone on a bad network does).
        for attempt in range(20):
            try:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                conn.request(method, path, body="{}", headers=headers)
                resp = conn.getresponse()
                body = json.loads(resp.read() or b"{}")
                conn.close()
                return resp.status, body
            except (ConnectionResetError, ConnectionRefusedError, http.client.RemoteDisconnected):
                time.sleep(0.05 * (attempt + 1))
        raise RuntimeError("server unreachable")

    def claim(member, key):
        status, body = request("POST", f"/api/v1/benefits/{claim.offer_id}/claims", tokens[member.pk], key)
        if status in (200, 201):
            return body["status"], body["claim_id"], None
        return "error", None, body.get("code")

    def cancel(member, claim_id):
        status, body = request("POST", f"/api/v1/benefits/claims/{claim_id}/cancel", tokens[member.pk])
        assert status == 200, body

    return claim, cancel


@pytest.mark.parametrize("mode", ["redis", "db"])
def test_http_race_for_small_stock(mode, live_server, transactional_db, settings, city, make_staff,
                                   make_worker_user, monkeypatch):
    require_postgres()
    if mode == "redis":
        from zhijia.conftest import require_redis

        require_redis()
        # Places in line kept in Redis are written by the claims themselves every few places: flushes race too.
        monkeypatch.setattr(services, "WAITLIST_BATCH", 4)
    settings.BENEFITS_GATE = "auto" if mode == "redis" else "db"
    settings.BENEFIT_RATE_IP = "100000/60"
    from zhijia.accounts.services import api_token_issue

    staff = make_staff("fs", city.fangshan)
    now = timezone.now()
    offer = services.benefit_create(staff, title="园博园门票", kind="pass", units=5, per_member_limit=1,
                                    release_at=now - dt.timedelta(seconds=5), closes_at=now + dt.timedelta(hours=1))
    members = [make_worker_user(i, city.chengguan) for i in range(1, 41)]
    tokens = {m.pk: api_token_issue(user=m)[0] for m in members}
    claim, cancel = _http_client(live_server, tokens)
    claim.offer_id = offer.pk
    try:
        result = run_race(claim=claim, cancel=cancel, members=members)
        inv = check_invariants(offer, result)
        assert inv["errors"] == []
        assert (inv["oversold"], inv["over_limit"], inv["lost"], inv["replays_differ"]) == (0, 0, 0, 0), inv
        assert (inv["places_lost"], inv["positions_repeated"]) == (0, 0), inv
        # Every unit ends up held: cancelled units went to the waiting list.
        assert inv["held"] == 5, inv
        assert inv["statuses"]["confirmed"] >= 5 and inv["statuses"]["waitlisted"] >= 20, inv
        assert len(result["cancelled"]) >= 1
        if mode == "redis":
            assert gate.remaining(offer) == 0
    finally:
        if mode == "redis":
            gate.gate_drop(offer)


def test_control_without_the_lock_the_race_exists(transactional_db, city, make_staff, make_worker_user):
    """The same check-then-write as the database path, minus the row lock: every client sees stock left and picks
    the same unit. Only the database constraint stops the oversale, which shows the lock is what makes it orderly."""
    require_postgres()
    from django.db import IntegrityError, connection, transaction

    from zhijia.benefits.services import _free_unit, _new_claim
    from zhijia.members.selectors import member_in_good_standing

    staff = make_staff("fs", city.fangshan)
    now = timezone.now()
    offer = services.benefit_create(staff, title="蔬菜礼包", kind="goods", units=3,
                                    release_at=now - dt.timedelta(seconds=5), closes_at=now + dt.timedelta(hours=1))
    members = [make_worker_user(i, city.chengguan) for i in range(1, 13)]
    barrier = threading.Barrier(len(members))
    decided, refused_by_constraint = [], []

    def naive(user):
        try:
            membership = member_in_good_standing(user)
            with transaction.atomic():
                unit = _free_unit(offer)  # no SELECT ... FOR UPDATE
                barrier.wait(timeout=30)
                if unit is not None:
                    decided.append(unit)
                    _new_claim(user=user, benefit=offer, membership=membership, key=f"n{user.pk}", request_hash="",
                               now=timezone.now(), status="confirmed", unit=unit, slot=1)
        except IntegrityError:
            refused_by_constraint.append(user.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=naive, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(decided) == 12 > offer.units  # the race: all twelve thought a unit was theirs
    assert set(decided) == {1}
    assert len(refused_by_constraint) == 11  # the database constraint refused the double sale
    assert Claim.objects.filter(benefit=offer, status__in=HOLDING).count() == 1


def test_same_race_on_sqlite(tmp_path):
    """The database-locking path on SQLite (the embedded default), in a separate process with a file database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"SQLITE_PATH": str(tmp_path / "race.sqlite3"), "ZHIJIA_VAR_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "zhijia.settings", "PYTHONPATH": str(ROOT)})
    out = subprocess.run([sys.executable, "-m", "zhijia.benefits.tests.sqlite_race"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    inv = json.loads(out.stdout.strip().splitlines()[-1])
    assert inv["vendor"] == "sqlite"
    assert (inv["oversold"], inv["over_limit"], inv["lost"], inv["replays_differ"]) == (0, 0, 0, 0), inv
    assert inv["held"] == inv["units"] and inv["errors"] == [], inv
