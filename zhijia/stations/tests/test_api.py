"""The stations API as a client sees it: contract fields, bad input as 4xx naming the field, scope, open data."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from zhijia.stations.tests.conftest import FANGSHAN, HAIDIAN, OFFICE

pytestmark = pytest.mark.django_db
NEAREST = "/api/v1/stations/nearest"


@pytest.fixture
def two_districts(fangshan_staff, haidian_staff, make_station):
    fs = make_station(fangshan_staff, name="房山驿站", code="FS-1", amenities=["microwave"])
    hd = make_station(haidian_staff, name="海淀驿站", code="HD-1", lat=HAIDIAN[0], lng=HAIDIAN[1],
                      address="海淀", kind="workers_home", opening_hours=OFFICE)
    return fs, hd


def test_nearest_answers_the_contract_fields_sorted_by_distance(api_client, make_worker_user, two_districts):
    fs, hd = two_districts
    api_client.as_user(make_worker_user(1))
    r = api_client.get(NEAREST, {"lat": FANGSHAN[0] + 0.001, "lng": FANGSHAN[1], "limit": 5})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [s["id"] for s in body] == [fs.id, hd.id]
    first = body[0]
    assert {"id", "name", "kind", "lat", "lng", "amenities", "open_now", "distance_m"} <= set(first)
    assert first["distance_m"] == pytest.approx(111.2, abs=0.5)
    assert first["open_now"] is True and first["amenities"] == ["microwave"]
    assert (first["lat"], first["lng"]) == FANGSHAN
    assert first["gcj02"] != [first["lat"], first["lng"]]


def test_nearest_filters_by_kind_and_amenity(api_client, make_worker_user, two_districts):
    fs, hd = two_districts
    api_client.as_user(make_worker_user(1))
    assert [s["id"] for s in api_client.get(NEAREST, {"lat": 39.8, "lng": 116.2, "kind": "workers_home"}).json()] \
        == [hd.id]
    assert [s["id"] for s in api_client.get(NEAREST, {"lat": 39.8, "lng": 116.2, "amenity": "microwave"}).json()] \
        == [fs.id]


@pytest.mark.parametrize(("params", "field"), [
    ({"lat": 116.14, "lng": 39.73}, "lat"),
    ({"lat": 48.85, "lng": 2.35}, "lng"),
    ({"lat": 39.73, "lng": 116.14, "amenity": "sauna"}, "amenity"),
    ({"lat": 39.73, "lng": 116.14, "kind": "castle"}, "kind"),
    ({"lat": 39.73, "lng": 116.14, "limit": 500}, "limit"),
    ({"lat": 39.73, "lng": 116.14, "limit": 0}, "limit"),
    ({"lat": "north", "lng": 116.14}, "lat"),
    ({"lng": 116.14}, "lat"),
])
def test_nearest_bad_input_is_a_4xx_naming_the_field(api_client, make_worker_user, params, field):
    api_client.as_user(make_worker_user(1))
    r = api_client.get(NEAREST, params)
    assert 400 <= r.status_code < 500
    body = r.json()
    assert field in body["fields"] and body["message"]


def test_nearest_needs_sign_in(client):
    assert client.get(NEAREST, {"lat": 39.73, "lng": 116.14}).status_code == 401


def test_create_and_patch_through_the_api(api_client, fangshan_staff):
    api_client.as_user(fangshan_staff)
    payload = {"union_id": fangshan_staff.union_id, "name": "城关驿站", "kind": "warm_station", "address": "城关",
               "lat": 39.70, "lng": 116.05, "opening_hours": {"weekly": {"fri": [["22:00", "06:00+1"]]}},
               "amenities": ["seats"], "host_type": "barber"}
    r = api_client.post("/api/v1/stations", payload)
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = api_client.patch(f"/api/v1/stations/{sid}", {"opening_hours": {"weekly": {"mon": [["20:00", "08:00"]]}}})
    assert r.status_code == 400 and "opening_hours.weekly.mon[0]" in r.json()["fields"]
    r = api_client.patch(f"/api/v1/stations/{sid}", {"lat": 39.7353, "lng": 116.1392, "status": "suspended"})
    assert r.status_code == 200 and r.json()["status"] == "suspended" and r.json()["open_now"] is False


@pytest.mark.parametrize(("change", "field"), [
    ({"lat": 116.05, "lng": 39.70}, "lat"),
    ({"amenities": ["jacuzzi"]}, "amenities"),
    ({"opening_hours": {"weekly": {"mon": [["08:00", "12:00"], ["09:00", "10:00"]]}}}, "opening_hours.weekly.mon"),
])
def test_create_bad_input_is_a_400_naming_the_field(api_client, fangshan_staff, change, field):
    api_client.as_user(fangshan_staff)
    payload = {"union_id": fangshan_staff.union_id, "name": "x", "kind": "warm_station", "address": "城关",
               "lat": 39.70, "lng": 116.05, "opening_hours": {"always": True}} | change
    r = api_client.post("/api/v1/stations", payload)
    assert r.status_code == 400 and field in r.json()["fields"]


def test_a_sibling_district_sees_nothing_of_the_other(api_client, fangshan_staff, haidian_staff, two_districts):
    fs, hd = two_districts
    api_client.as_user(haidian_staff)
    listing = api_client.get("/api/v1/stations").json()
    assert [s["id"] for s in listing["items"]] == [hd.id] and listing["count"] == 1
    assert api_client.get(f"/api/v1/stations/{fs.id}").status_code == 404
    assert api_client.get(f"/api/v1/stations/{fs.id}/inspections").status_code == 404
    assert api_client.get(f"/api/v1/stations/{fs.id}/qr").status_code == 404
    assert api_client.patch(f"/api/v1/stations/{fs.id}", {"name": "x"}).status_code == 404
    sheet = load_workbook(io.BytesIO(api_client.get("/api/v1/stations/export.xlsx").content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["海淀驿站"]
    heat = api_client.get("/api/v1/stations/visits/heat").json()
    assert all(h["station_id"] != fs.id for h in heat)


def test_list_filters_by_union_kind_and_status(api_client, make_staff, city, two_districts):
    fs, hd = two_districts
    api_client.as_user(make_staff("city_admin", city.root, role="municipal_admin"))
    assert api_client.get("/api/v1/stations").json()["count"] == 2
    assert [s["id"] for s in api_client.get("/api/v1/stations", {"union": city.haidian.id}).json()["items"]] == [hd.id]
    assert [s["id"] for s in api_client.get("/api/v1/stations", {"kind": "warm_station"}).json()["items"]] == [fs.id]
    assert api_client.get("/api/v1/stations", {"status": "closed"}).json()["count"] == 0


def test_open_data_is_public_geojson_and_xlsx_of_open_stations(client, haidian_staff, two_districts, make_station):
    make_station(haidian_staff, name="关闭的站", lat=HAIDIAN[0], lng=HAIDIAN[1], status="closed")
    geo = json.loads(client.get("/api/v1/stations/open-data.geojson").content)
    assert geo["type"] == "FeatureCollection"
    names = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in geo["features"]}
    assert set(names) == {"房山驿站", "海淀驿站"}
    assert names["房山驿站"] == [FANGSHAN[1], FANGSHAN[0]]  # [lng, lat]
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/stations/open-data.xlsx").content)).active
    assert sheet.max_row == 3


def test_check_in_via_api_refuses_a_forged_token(api_client, make_worker_user, two_districts):
    fs, _ = two_districts
    api_client.as_user(make_worker_user(5))
    r = api_client.post("/api/v1/stations/check-ins", {"token": f"s1.{fs.id}.1.forgedsignatureAAAA"})
    assert r.status_code == 400 and r.json()["fields"]["token"]


def test_the_printable_qr_carries_a_signed_check_in_link(api_client, fangshan_staff, two_districts):
    fs, _ = two_districts
    api_client.as_user(fangshan_staff)
    r = api_client.get(f"/api/v1/stations/{fs.id}/qr")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml" and b"<svg" in r.content


def test_import_via_api_with_a_row_report(api_client, fangshan_staff):
    from zhijia.stations.tests.test_services import IMPORT_ROWS, _xlsx

    api_client.as_user(fangshan_staff)
    upload = io.BytesIO(_xlsx(IMPORT_ROWS))
    upload.name = "stations.xlsx"
    r = Client.post(api_client, "/api/v1/stations/import", {"union_id": fangshan_staff.union_id, "file": upload,
                                                           "dry_run": "true"},
                    HTTP_AUTHORIZATION=f"Bearer {api_client.token}")
    assert r.status_code == 200, r.content
    assert r.json()["ok"] == 2 and r.json()["dry_run"] is True


def test_coverage_gaps_api_and_export(api_client, fangshan_staff, two_districts):
    api_client.as_user(fangshan_staff)
    r = api_client.get("/api/v1/stations/coverage-gaps", {"reach_m": 10})
    assert r.status_code == 400 and "reach_m" in r.json()["fields"]
    assert api_client.get("/api/v1/stations/coverage-gaps").json()["reach_m"] == 1000
    r = api_client.get("/api/v1/stations/coverage-gaps.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
