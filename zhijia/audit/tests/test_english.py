"""The audit log's API refusals in the request's language (English with the cookie `django_language=en`)."""

from __future__ import annotations

import pytest

from zhijia.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_audit_events_paging_and_role_refusals_in_english_and_chinese(city, make_staff, make_worker_user):
    staff = make_staff("fangshan", city.fangshan)

    chinese = signed_in(staff).get("/api/v1/audit/events", {"page": 0})
    english = signed_in(staff, "en").get("/api/v1/audit/events", {"page": 0})
    worker = signed_in(make_worker_user(1, union=city.chengguan), "en").get("/api/v1/audit/events")

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["fields"] == {"page": "页码应从1开始"}
    assert english.json() == {"code": "invalid", "message": "The page number starts at 1",
                              "fields": {"page": "The page number starts at 1"}}
    assert worker.status_code == 403
    assert worker.json() == {"code": "forbidden", "message": "Union staff only", "fields": {}}
