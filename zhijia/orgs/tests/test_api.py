"""The unions API: scope isolation between sibling districts, the error shape, pagination and export."""

import io

import pytest
from openpyxl import load_workbook

from zhijia.audit.models import AuditEvent
from zhijia.orgs.models import Union

pytestmark = pytest.mark.django_db


@pytest.fixture
def fangshan_client(city, make_staff, api_client):
    return api_client.as_user(make_staff("fangshan", city.fangshan))


def test_list_shows_only_the_callers_subtree(city, fangshan_client):
    response = fangshan_client.get("/api/v1/unions", {"page_size": 200})

    assert response.status_code == 200
    body = response.json()
    names = {item["name"] for item in body["items"]}
    assert names == {"房山区总工会", "城关街道总工会", "某社区工会", "房山区快递行业工会联合会"}
    assert body["count"] == 4


def test_sibling_district_sees_nothing_from_list_detail_children_or_export(city, fangshan_client):
    haidian_ids = {city.haidian.pk, city.zhongguancun.pk}

    listed = {item["id"] for item in fangshan_client.get("/api/v1/unions", {"page_size": 200}).json()["items"]}
    filtered = fangshan_client.get("/api/v1/unions", {"region_code": "110108"}).json()
    detail = fangshan_client.get(f"/api/v1/unions/{city.haidian.pk}")
    children = fangshan_client.get(f"/api/v1/unions/{city.haidian.pk}/children")
    export = fangshan_client.get("/api/v1/unions/export.xlsx")
    exported_ids = {row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2,
                                                                                                  values_only=True)}

    assert not listed & haidian_ids
    assert filtered["count"] == 0
    assert detail.status_code == 404
    assert detail.json() == {"code": "not_found", "message": "工会不存在", "fields": {}}
    assert children.status_code == 404
    assert export.status_code == 200
    assert not exported_ids & haidian_ids
    assert city.fangshan.pk in exported_ids


def test_unknown_id_and_out_of_scope_id_answer_the_same(city, fangshan_client):
    missing = fangshan_client.get("/api/v1/unions/999999")
    hidden = fangshan_client.get(f"/api/v1/unions/{city.haidian.pk}")

    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_export_is_audited(city, fangshan_client):
    fangshan_client.get("/api/v1/unions/export.xlsx")

    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "orgs.union"
    assert event.union_path == city.fangshan.path


def test_create_with_bad_region_code_names_the_field_in_chinese(city, fangshan_client):
    before = Union.objects.count()

    response = fangshan_client.post("/api/v1/unions", {"parent_id": city.fangshan.pk, "name": "新工会",
                                                       "level": "street", "kind": "federation",
                                                       "region_code": "123"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body) == {"code", "message", "fields"}
    assert "行政区划代码" in body["fields"]["region_code"]
    assert Union.objects.count() == before


def test_missing_fields_are_named_in_the_error_shape(city, fangshan_client):
    response = fangshan_client.post("/api/v1/unions", {"name": "x"})

    assert response.status_code == 422
    body = response.json()
    assert body["fields"]["parent_id"] == "此项必填"
    assert body["fields"]["region_code"] == "此项必填"


def test_move_into_a_cycle_is_a_400_naming_parent_id(city, make_staff, api_client):
    client = api_client.as_user(make_staff("admin", city.root, role="municipal_admin"))

    response = client.post(f"/api/v1/unions/{city.fangshan.pk}/move", {"parent_id": city.community.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "cycle"
    assert "parent_id" in response.json()["fields"]


def test_children_and_filters(city, fangshan_client):
    children = fangshan_client.get(f"/api/v1/unions/{city.fangshan.pk}/children").json()
    streets = fangshan_client.get("/api/v1/unions", {"level": "street"}).json()
    industry = fangshan_client.get("/api/v1/unions", {"kind": "regional_industry"}).json()
    by_parent = fangshan_client.get("/api/v1/unions", {"parent": city.chengguan.pk}).json()

    assert {c["name"] for c in children["items"]} == {"城关街道总工会", "房山区快递行业工会联合会"}
    assert [u["name"] for u in streets["items"]] == ["城关街道总工会"]
    assert [u["occupation"] for u in industry["items"]] == ["courier"]
    assert [u["name"] for u in by_parent["items"]] == ["某社区工会"]


def test_pagination_bounds_are_checked(city, fangshan_client):
    response = fangshan_client.get("/api/v1/unions", {"page_size": 5000})

    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]


def test_list_query_count_does_not_grow_with_rows(city, fangshan_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        fangshan_client.get("/api/v1/unions", {"page_size": 200})


def test_requests_without_a_token_are_401(city, api_client):
    response = api_client.get("/api/v1/unions")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_worker_gets_403_on_staff_lists(city, make_worker_user, api_client):
    client = api_client.as_user(make_worker_user(1, union=city.chengguan))

    response = client.get("/api/v1/unions")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_search_by_chinese_pinyin_or_initials(city, fangshan_client):
    by_name = fangshan_client.get("/api/v1/unions", {"q": "城关"}).json()
    by_pinyin = fangshan_client.get("/api/v1/unions", {"q": "ChengGuan"}).json()
    by_initials = fangshan_client.get("/api/v1/unions", {"q": "kdhy"}).json()

    assert [u["name"] for u in by_name["items"]] == ["城关街道总工会"]
    assert [u["name"] for u in by_pinyin["items"]] == ["城关街道总工会"]
    assert [u["name"] for u in by_initials["items"]] == ["房山区快递行业工会联合会"]
