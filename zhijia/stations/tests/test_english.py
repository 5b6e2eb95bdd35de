"""Pages in English: with the language cookie set to English the worker's station map and the staff's station
pages read in English (choice labels too); without it they are Chinese as before."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_worker_map_in_english_and_in_chinese(client, make_worker_user):
    client.force_login(make_worker_user(1))
    client.cookies["django_language"] = "en"
    page = client.get("/w/stations/").content.decode()
    assert "Find a station" in page and "Use my phone's location" in page and "使用手机定位" not in page
    assert "Warm rest station" in page and "Drinking water" in page  # the model's choice labels

    del client.cookies["django_language"]
    chinese = client.get("/w/stations/").content.decode()
    assert "使用手机定位" in chinese and "职工暖心驿站" in chinese and "Find a station" not in chinese


@pytest.mark.django_db
def test_staff_pages_in_english_and_in_chinese(client, fangshan_staff, make_station):
    station = make_station(fangshan_staff)
    client.force_login(fangshan_staff)
    client.cookies["django_language"] = "en"
    listing = client.get("/console/stations/").content.decode()
    assert "New station" in listing and "Warm rest station" in listing and "新建站点" not in listing
    detail = client.get(f"/console/stations/{station.pk}/").content.decode()
    assert "Record a seven-haves inspection" in detail and "Drinking water" in detail
    assert "记录一次七有检查" not in detail

    del client.cookies["django_language"]
    chinese = client.get("/console/stations/").content.decode()
    assert "新建站点" in chinese and "职工暖心驿站" in chinese and "New station" not in chinese


# --- the messages of bad input follow the request's language ---------------------------------------------------------

def _post(client, path, data):
    return client.post(path, data, content_type="application/json")


@pytest.mark.django_db
def test_bad_station_input_in_english_and_in_chinese(fangshan_staff):
    from zhijia.conftest import signed_in

    payload = {"union_id": fangshan_staff.union_id, "name": "城关驿站", "kind": "warm_station", "address": "城关",
               "lat": 116.05, "lng": 39.70, "opening_hours": {"always": True}}
    english = _post(signed_in(fangshan_staff, "en"), "/api/v1/stations", payload).json()
    assert english["code"] == "swapped" and english["fields"]["lat"].startswith(
        "Latitude and longitude seem to be swapped (latitude 116.05, longitude 39.7)")
    chinese = _post(signed_in(fangshan_staff), "/api/v1/stations", payload).json()
    assert chinese["code"] == "swapped"
    assert chinese["fields"]["lat"].startswith("纬度与经度似乎写反了（纬度 116.05，经度 39.7）")

    overlapping = payload | {"lat": 39.70, "lng": 116.05,
                             "opening_hours": {"weekly": {"mon": [["08:00", "12:00"], ["09:00", "10:00"]]}}}
    english = _post(signed_in(fangshan_staff, "en"), "/api/v1/stations", overlapping).json()
    assert english["code"] == "overlap"
    assert english["fields"] == {"opening_hours.weekly.mon": "Time ranges overlap: 08:00-12:00 and 09:00-10:00"}
    chinese = _post(signed_in(fangshan_staff), "/api/v1/stations", overlapping).json()
    assert chinese["fields"] == {"opening_hours.weekly.mon": "时间段重叠：08:00-12:00 与 09:00-10:00"}

    unknown = payload | {"lat": 39.70, "lng": 116.05, "amenities": ["jacuzzi"]}
    english = _post(signed_in(fangshan_staff, "en"), "/api/v1/stations", unknown).json()
    assert english["code"] == "unknown_amenity"
    assert english["fields"]["amenities"].startswith("Unknown amenity code “jacuzzi”; choose from: drinking_water, ")


@pytest.mark.django_db
def test_check_in_refusal_in_english_and_in_chinese(make_worker_user, fangshan_staff, make_station):
    from zhijia.conftest import signed_in

    station = make_station(fangshan_staff)
    worker = make_worker_user(1)
    forged = {"token": f"s1.{station.pk}.1.forgedsignatureAAAA"}
    english = _post(signed_in(worker, "en"), "/api/v1/stations/check-ins", forged).json()
    assert english == {"code": "bad_token", "message": "Invalid QR code. Please scan the check-in code posted at the "
                       "station.", "fields": {"token": "Invalid QR code. Please scan the check-in code posted at the "
                                                       "station."}}
    chinese = _post(signed_in(worker), "/api/v1/stations/check-ins", forged).json()
    assert chinese["code"] == "bad_token" and chinese["message"] == "二维码无效，请扫描站点张贴的签到码"
