"""The union tree pages and the console shell in English (cookie `django_language=en`), Chinese without it."""

from __future__ import annotations

from zhijia.conftest import signed_in


def test_union_detail_page_in_english_and_chinese(city, make_staff, client):
    client.force_login(make_staff("fangshan", city.fangshan))
    url = f"/console/unions/{city.fangshan.pk}/"
    chinese = client.get(url).content.decode()
    assert "直属下级" in chinese and "行政区划代码" in chinese and "区县" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "Directly below" in english and "Administrative division code" in english and "District" in english
    assert "直属下级" not in english and "行政区划代码" not in english and ">区县<" not in english
    assert "房山区总工会" in english  # data stays as typed
    assert "Union tree" in client.get("/console/unions/").content.decode()


def test_audit_log_and_worker_home_in_english(city, make_staff, make_worker_user, client):
    client.force_login(make_staff("fangshan", city.fangshan))
    client.cookies["django_language"] = "en"
    page = client.get("/console/audit/").content.decode()
    assert "Audit log" in page and "All actions" in page and "全部操作" not in page
    client.force_login(make_worker_user(1, union=city.chengguan))
    home = client.get("/w/").content.decode()
    assert "Workers&#x27; Home" in home and "职工之家" not in home


def test_union_api_refusals_in_english_and_chinese(city, make_staff, api_client):
    api_client.as_user(make_staff("fangshan", city.fangshan))
    body = {"parent_id": city.haidian.pk, "name": "新工会", "level": "community", "kind": "community",
            "region_code": "110111"}

    chinese = api_client.post("/api/v1/unions", body)
    api_client.cookies["django_language"] = "en"
    english = api_client.post("/api/v1/unions", body)
    hidden = api_client.get(f"/api/v1/unions/{city.haidian.pk}")
    region = api_client.patch(f"/api/v1/unions/{city.chengguan.pk}", {"region_code": "999999"})

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["code"] == english.json()["code"] == "unknown_parent"
    assert chinese.json()["fields"] == {"parent_id": "上级工会不存在或不在管辖范围内"}
    assert english.json()["fields"] == {"parent_id": "The parent union does not exist or is outside your scope"}
    assert hidden.status_code == 404
    assert hidden.json() == {"code": "not_found", "message": "Union not found", "fields": {}}
    assert region.json()["fields"] == {"region_code": "The administrative division code 999999 does not exist"}


def test_founding_form_refusal_in_english(city, make_staff):
    staff = make_staff("fangshan", city.fangshan)
    url = f"/console/unions/{city.couriers.pk}/founding/"
    form = {"founded_on": "2025-03-01", "term_years": "9", "chair": "张主席"}

    chinese = signed_in(staff).post(url, form)
    english = signed_in(staff, "en").post(url, form)

    assert chinese.status_code == english.status_code == 400
    assert "任期应为1至5年" in chinese.content.decode()
    assert "The term must be 1 to 5 years" in english.content.decode()
    assert "任期应为1至5年" not in english.content.decode()
