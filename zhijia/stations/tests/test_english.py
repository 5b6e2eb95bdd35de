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
