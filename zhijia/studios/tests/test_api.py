"""The API as a client uses it: create, list with filters, detail, members, grants and spending, results, reviews,
totals and the Excel export; 4xx in Chinese naming the field; a sibling district gets 404."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zhijia.audit.models import AuditEvent
from zhijia.studios.models import InnovationStudio, Patent, SpendingEntry
from zhijia.studios.patents import patent_number_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/studios"
GOOD = {"rules": 12, "team": 12, "projects": 15, "results": 15, "conversion": 11, "funds": 13}


def _studio_body(city, **kw):
    body = {"name": "良乡数控创新工作室", "level": "district", "union": city.fangshan.pk, "address": "北京市房山区良乡",
            "lat": 39.7353, "lng": 116.1392, "recognised_year": 2020, "field": "manufacturing",
            "leader_name": "王师傅", "leader_title": "北京大工匠", "region_code": "110111"}
    body.update(kw)
    return body


def test_create_then_work_on_a_studio(api_client, fangshan_staff, fangshan_worker, city):
    client = api_client.as_user(fangshan_staff)
    r = client.post(BASE, _studio_body(city))
    assert r.status_code == 201, r.json()
    studio = r.json()
    assert studio["level_label"] == "区级" and studio["granted"] == "0.00" and studio["union_name"] == "房山区总工会"
    sid = studio["id"]

    r = client.post(f"{BASE}/{sid}/members", {"worker": fangshan_worker.pk, "role": "core"})
    assert r.status_code == 201 and r.json()["name"] == fangshan_worker.name
    assert [m["role"] for m in client.get(f"{BASE}/{sid}/members").json()] == ["core"]

    r = client.post(f"{BASE}/{sid}/grants", {"amount": "30000", "year": 2021, "purpose": "创建补助"})
    assert r.status_code == 201, r.json()
    gid = r.json()["id"]
    r = client.post(f"{BASE}/grants/{gid}/spend", {"amount": "12000.5", "purpose": "专家讲课费",
                                                   "spent_on": "2021-06-01"})
    assert r.status_code == 201, r.json()
    grants = client.get(f"{BASE}/{sid}/grants").json()
    assert grants[0]["balance"] == "17999.50" and grants[0]["spent"] == "12000.50"
    assert len(client.get(f"{BASE}/grants/{gid}/spending").json()) == 1

    number = patent_number_for(2022, "invention", 77)
    r = client.post(f"{BASE}/{sid}/patents", {"number": f"ZL{number}", "title": "主轴热变形补偿装置"})
    assert r.status_code == 201 and r.json()["display_number"] == f"ZL{number}"
    r = client.post(f"{BASE}/{sid}/conversions", {"title": "补偿装置推广", "partner": "京城机电", "value": "250000",
                                                  "year": 2023, "patent": r.json()["id"]})
    assert r.status_code == 201, r.json()
    r = client.post(f"{BASE}/{sid}/awards", {"title": "职工创新成果奖", "level": "district", "year": 2023})
    assert r.status_code == 201
    results = client.get(f"{BASE}/{sid}/results").json()
    assert results["totals"] == {"patents": 1, "patents_by_kind": {"invention": 1, "utility_model": 0, "design": 0},
                                 "conversions": 1, "conversion_value": "250000.00", "awards": 1}

    r = client.post(f"{BASE}/{sid}/reviews", {"year": 2023, "scores": GOOD, "reason": "制度健全"})
    assert r.status_code == 201 and r.json()["outcome"] == "pass" and r.json()["total"] == 78
    assert client.get(f"{BASE}/{sid}/reviews").json()[0]["reviewer"] == fangshan_staff.username

    detail = client.get(f"{BASE}/{sid}").json()
    assert (detail["granted"], detail["spent"], detail["patent_count"], detail["member_count"]) == \
        ("30000.00", "12000.50", 1, 1)
    r = client.patch(f"{BASE}/{sid}", {"address": "北京市房山区良乡创新路8号"})
    assert r.status_code == 200 and r.json()["address"].endswith("8号")


@pytest.mark.parametrize("change, field, words", [
    ({"lat": "北纬"}, "lat", "应为数字"),
    ({"lat": 200}, "lat", "纬度"),
    ({"level": "national"}, "level", "级别"),
    ({"name": ""}, "name", "名称"),
    ({"recognised_year": 2200}, "recognised_year", "年度"),
])
def test_bad_studio_input_is_a_chinese_4xx_naming_the_field(api_client, fangshan_staff, city, change, field, words):
    r = api_client.as_user(fangshan_staff).post(BASE, _studio_body(city, **change))
    assert r.status_code in (400, 422), r.json()
    body = r.json()
    assert field in body["fields"] and words in body["message"] + body["fields"][field]
    assert InnovationStudio.objects.count() == 0


def test_overspend_and_bad_patent_are_refused(api_client, fangshan_staff, city):
    client = api_client.as_user(fangshan_staff)
    sid = client.post(BASE, _studio_body(city)).json()["id"]
    gid = client.post(f"{BASE}/{sid}/grants", {"amount": "100", "year": 2021, "purpose": "补助"}).json()["id"]
    r = client.post(f"{BASE}/grants/{gid}/spend", {"amount": "100.01", "purpose": "耗材"})
    assert r.status_code == 400
    assert r.json()["code"] == "overspent" and "余额" in r.json()["fields"]["amount"]
    assert SpendingEntry.objects.count() == 0
    r = client.post(f"{BASE}/grants/{gid}/spend", {"amount": "十元", "purpose": "耗材"})
    assert r.status_code == 400 and "amount" in r.json()["fields"]
    r = client.post(f"{BASE}/{sid}/patents", {"number": "ZL2023 1 0123456.7", "title": "x"})
    assert r.status_code == 400 and r.json()["code"] == "patent_check" and "number" in r.json()["fields"]
    assert Patent.objects.count() == 0
    r = client.post(f"{BASE}/{sid}/reviews", {"year": 2023, "scores": dict(GOOD, rules=99), "reason": "x"})
    assert r.status_code == 400 and "scores.rules" in r.json()["fields"]


def test_sibling_district_gets_404_and_an_empty_list(api_client, fangshan_staff, haidian_staff, city):
    sid = api_client.as_user(fangshan_staff).post(BASE, _studio_body(city)).json()["id"]
    other = api_client.__class__().as_user(haidian_staff)
    assert other.get(f"{BASE}/{sid}").status_code == 404
    assert other.get(f"{BASE}/{sid}/grants").status_code == 404
    assert other.post(f"{BASE}/{sid}/grants", {"amount": "1", "year": 2021, "purpose": "x"}).status_code == 404
    assert other.get(BASE).json()["count"] == 0
    assert other.get(f"{BASE}/totals").json()["rows"] == []


def test_list_filters_and_a_fixed_number_of_queries(api_client, admin, city, make_studio):
    from zhijia.studios import services

    for k in range(6):
        studio = make_studio(admin, level="municipal" if k % 3 == 0 else "district")
        services.grant_create(admin, studio_id=studio.pk, amount="1000", year=2021, purpose="补助")
        services.grant_create(admin, studio_id=studio.pk, amount="500", year=2022, purpose="补助")
    client = api_client.as_user(admin)
    client.get(BASE)  # warm the token and the scope
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(BASE, {"page_size": 50}).json()
    assert body["count"] == 6 and all(s["granted"] == "1500.00" for s in body["items"])
    assert len(ctx.captured_queries) <= 6, [q["sql"] for q in ctx.captured_queries]
    assert client.get(BASE, {"level": "municipal"}).json()["count"] == 2
    assert client.get(BASE, {"region_code": "110108"}).json()["count"] == 0
    r = client.get(BASE, {"level": "provincial"})
    assert r.status_code == 400 and "level" in r.json()["fields"]


def test_totals_and_excel_export_are_audited(api_client, admin, make_studio):
    from zhijia.studios import services

    studio = make_studio(admin)
    services.grant_create(admin, studio_id=studio.pk, amount="1567000", year=2021, purpose="五年累计")
    client = api_client.as_user(admin)
    totals = client.get(f"{BASE}/totals").json()
    assert totals["total"]["granted"] == "1567000.00" and totals["rows"][0]["district"] == "房山区"
    r = client.get(f"{BASE}/totals.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "区" and rows[1][0] == "房山区" and rows[-1][0] == "合计" and rows[-1][5] == 1567000
    assert AuditEvent.objects.filter(action="export", object_type="studios.totals").count() == 1


def test_public_list_for_a_worker(api_client, admin, make_studio, make_worker_user, city):
    make_studio(admin)
    worker = api_client.as_user(make_worker_user(21, union=city.community))
    near = worker.get(f"{BASE}/public", {"lat": 39.74, "lng": 116.14}).json()
    assert len(near) == 1 and near[0]["distance_m"] > 0 and near[0]["leader_name"] == "张师傅"
    r = worker.get(f"{BASE}/public", {"lat": 116.14, "lng": 39.74})
    assert r.status_code == 400 and "lat" in r.json()["fields"]
    assert worker.get(BASE).status_code == 403  # the staff list is not for workers
