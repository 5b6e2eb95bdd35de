"""The daily vote limit under real concurrent votes: HTTP clients in threads against the live server on PostgreSQL,
each member firing more votes at once than the day allows; and a control showing the race a check-then-insert has."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from urllib.parse import urlparse

import pytest
from django.db import connection, transaction
from django.db.models import Count

from zhijia.conftest import require_postgres
from zhijia.honors.models import Vote, VoteDayCounter, VoteStatus

pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("honors-concurrency")]


def _vote(url, candidate_id: int, token: str) -> int:
    for attempt in range(20):
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            conn.request("POST", f"/api/v1/honors/candidates/{candidate_id}/votes", body="{}",
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            return resp.status
        except (ConnectionResetError, ConnectionRefusedError, http.client.RemoteDisconnected):
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError("server unreachable")


def _run_together(jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    out, errors, lock = [], [], threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=30)
            result = job()
            with lock:
                out.append(result)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return out


def test_daily_limit_holds_under_concurrent_votes(live_server, transactional_db, city, make_selection, member):
    require_postgres()
    from django.conf import settings
    from django.core.cache import caches

    from zhijia.accounts.services import api_token_issue

    # The live server's thread has its own cache object with the run's key prefix: read the live totals with it.
    caches["default"].key_prefix = settings.CACHES["default"].get("KEY_PREFIX", "")

    selection, (a, b, _) = make_selection(votes_per_day=2, lockstep_limit=0, network_burst_limit=0)
    members = [member(700 + i, city.chengguan) for i in range(8)]
    tokens = {m.pk: api_token_issue(user=m)[0] for m in members}
    url = urlparse(live_server.url)
    # Each member sends five votes at the same instant (two candidates): 40 requests, 16 may pass.
    jobs = [(lambda m=m, c=c: (m.pk, _vote(url, c.pk, tokens[m.pk])))
            for m in members for c in (a, b, a, b, a)]
    answers = _run_together(jobs)
    statuses = Counter(status for _, status in answers)
    assert statuses == {201: 16, 429: 24}, statuses
    per_member = Vote.objects.values("worker").annotate(n=Count("id"))
    assert sorted(r["n"] for r in per_member) == [2] * 8
    assert Vote.objects.filter(status=VoteStatus.COUNTED).count() == 16
    assert set(VoteDayCounter.objects.values_list("used", flat=True)) == {2}
    from zhijia.honors import selectors

    assert sum(selectors.exact_totals(selection).values()) == 16
    assert sum(selectors.live_totals(selection.pk, [a.pk, b.pk]).values()) == 16


def test_control_check_then_insert_lets_a_member_past_the_limit(transactional_db, city, make_selection, member):
    """Without the counter row, reading today's votes and then inserting lets simultaneous votes all pass."""
    require_postgres()
    from django.utils import timezone

    from zhijia.members.models import Worker

    selection, (a, *_) = make_selection(votes_per_day=1)
    worker = Worker.objects.get(user=member(800, city.chengguan))

    def naive_vote():
        with transaction.atomic():
            day = timezone.localdate()
            used = Vote.objects.filter(selection=selection, worker=worker, day=day).count()
            time.sleep(0.2)  # the gap in which every other request reads the same count
            if used < selection.votes_per_day:
                Vote.objects.create(selection=selection, candidate=a, worker=worker, day=day,
                                    cast_at=timezone.now())
                return True
            return False

    passed = _run_together([naive_vote] * 5)
    assert sum(passed) > selection.votes_per_day
    assert Vote.objects.filter(worker=worker).count() > 1
