"""Pages: the workers' map (in a real browser), check-in by scanning, and the staff console's station pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from zhijia.conftest import screenshot
from zhijia.stations import checkin_tokens, services
from zhijia.stations.models import CheckIn, FollowUp, Station
from zhijia.stations.tests.conftest import ALWAYS, FANGSHAN, OFFICE

# The machine running the suite may be busy: give the page time to answer.
expect.set_options(timeout=20_000)


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_map_shows_markers_and_a_list_with_filters(browser_page, live_server, city, make_staff,
                                                         make_worker_user):
    staff = make_staff("fs_map", city.fangshan)

    def add(name, lat, lng, **kw):
        return services.station_create(staff, union_id=city.fangshan.pk, name=name, address="北京市房山区良乡",
                                       lat=lat, lng=lng, **kw)

    add("良乡加油站职工暖心驿站", FANGSHAN[0] + 0.002, FANGSHAN[1], kind="warm_station", opening_hours=ALWAYS,
        amenities=["microwave", "drinking_water"], contact_phone="010-69350000")
    add("拱辰街道职工之家", FANGSHAN[0] + 0.02, FANGSHAN[1] + 0.01, kind="workers_home", opening_hours=OFFICE,
        amenities=["charger", "seats"])
    add("长阳镇户外劳动者服务站", FANGSHAN[0] + 0.03, FANGSHAN[1] + 0.06, kind="outdoor_station",
        opening_hours=ALWAYS, amenities=["tyre_pump", "first_aid_kit"])
    add("已关闭的站", FANGSHAN[0] + 0.001, FANGSHAN[1], kind="warm_station", opening_hours=ALWAYS, status="closed")
    page = browser_page
    _login(page, live_server, make_worker_user(1))

    # Given no position from the phone, when the map opens, then it falls back to 房山's centre.
    page.goto(f"{live_server.url}/w/stations/")
    page.wait_for_selector("#st-list li")
    assert "房山区中心" in page.inner_text("#st-status")
    page.locator("#st-open-now").uncheck()
    expect(page.locator("#st-list li")).to_have_count(3)
    names = page.locator("#st-list .st-name").all_inner_texts()
    assert names[0].endswith("良乡加油站职工暖心驿站") and names[2].endswith("长阳镇户外劳动者服务站")
    assert "已关闭的站" not in " ".join(names)
    assert page.locator(".leaflet-marker-icon").count() >= 1  # markers (clustered or single) on the map
    screenshot(page, "stations_worker_map")

    # When the worker needs a tyre pump, then only the station that has one is listed.
    page.locator("label.st-chip", has_text="打气筒").click()
    expect(page.locator("#st-list li")).to_have_count(1)
    assert "长阳镇户外劳动者服务站" in page.inner_text("#st-list")
    page.locator("label.st-chip", has_text="打气筒").click()
    page.select_option("#st-kind", "workers_home")
    expect(page.locator("#st-list .st-name")).to_have_text(["1. 拱辰街道职工之家"])
    page.select_option("#st-kind", "")
    expect(page.locator("#st-list li")).to_have_count(3)

    # When a station is picked, its card shows the hours, the amenities and a GCJ-02 navigation link.
    page.locator("#st-list li").first.click()
    card = page.locator("#st-card")
    card.wait_for(state="visible")
    assert "24小时开放" in card.inner_text() and "微波炉" in card.inner_text()
    href = page.locator(".st-nav-amap").get_attribute("href")
    assert "coordinate=gaode" in href and "uri.amap.com/navigation" in href
    screenshot(page, "stations_worker_card")

    # A phone that shares its position: the list is sorted from there.
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": FANGSHAN[0] + 0.03, "longitude": FANGSHAN[1] + 0.06})
    page.select_option("#st-district", "")
    expect(page.locator("#st-list .st-name").first).to_contain_text("长阳镇")
    assert page.locator("#st-card").is_hidden()
    screenshot(page, "stations_worker_map_phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_pages_render_in_a_browser(browser_page, live_server, city, make_staff, make_worker_user):
    staff = make_staff("fs_pages", city.fangshan)
    s = services.station_create(staff, union_id=city.fangshan.pk, name="良乡职工暖心驿站", kind="warm_station",
                                address="北京市房山区良乡", lat=FANGSHAN[0], lng=FANGSHAN[1], opening_hours=OFFICE,
                                amenities=["microwave"])
    services.check_in_record(make_worker_user(3), token=checkin_tokens.token_for(s.pk, s.qr_version))
    page = browser_page
    _login(page, live_server, staff)
    page.goto(f"{live_server.url}/console/stations/")
    assert "良乡职工暖心驿站" in page.inner_text("table")
    screenshot(page, "stations_console_list")
    page.goto(f"{live_server.url}/console/stations/{s.pk}/")
    page.fill("input[name=score_sign]", "3")
    page.click("text=保存检查")
    page.wait_for_selector("text=已生成整改")
    screenshot(page, "stations_console_detail")
    page.goto(f"{live_server.url}/console/stations/{s.pk}/qr/")
    assert page.locator(".st-qr svg").count() == 1
    screenshot(page, "stations_console_qr")
    page.goto(f"{live_server.url}/console/stations/coverage/")
    page.wait_for_selector("#st-coverage-map .leaflet-interactive")
    screenshot(page, "stations_console_coverage")




@pytest.mark.django_db
def test_scanning_the_qr_checks_the_worker_in_once(client, fangshan_staff, make_station, make_worker_user):
    s = make_station(fangshan_staff)
    client.force_login(make_worker_user(7))
    token = checkin_tokens.token_for(s.pk, s.qr_version)
    url = f"/w/stations/checkin/?t={token}"
    r = client.get(url)
    assert r.status_code == 200 and s.name in r.content.decode() and "确认签到" in r.content.decode()
    assert "签到成功" in client.post(url, {"t": token}).content.decode()
    assert "您已签到" in client.post(url, {"t": token}).content.decode()
    assert CheckIn.objects.count() == 1
    forged = client.get(f"/w/stations/checkin/?t=s1.{s.pk}.1.AAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 400 and "二维码无效" in forged.content.decode()


@pytest.mark.django_db
def test_staff_create_a_station_from_the_form_and_errors_name_the_problem(client, fangshan_staff):
    client.force_login(fangshan_staff)
    form = {"name": "新驿站", "kind": "warm_station", "grade": "", "host_type": "supermarket", "address": "良乡",
            "lat": "116.14", "lng": "39.73", "status": "open", "union_id": fangshan_staff.union_id,
            "hours_text": "周一至周日 08:00-20:00", "amenities": ["microwave"]}
    r = client.post("/console/stations/new/", form)
    assert r.status_code == 400 and "写反" in r.content.decode()
    r = client.post("/console/stations/new/", form | {"lat": "39.73", "lng": "116.14"})
    assert r.status_code == 302
    s = Station.objects.get(name="新驿站")
    assert s.amenities == ["microwave"] and s.region_code == "110111"
    r = client.post(f"/console/stations/{s.pk}/edit/", form | {"lat": "39.73", "lng": "116.14",
                                                               "hours_text": "周一 22:00-06:00"})
    assert r.status_code == 400 and "次日" in r.content.decode()


@pytest.mark.django_db
def test_inspection_and_follow_up_from_the_detail_page(client, fangshan_staff, make_station):
    s = make_station(fangshan_staff)
    client.force_login(fangshan_staff)
    scores = {f"score_{k}": "8" for k in ("site", "sign", "facilities", "publicity", "services", "rules", "results")}
    client.post(f"/console/stations/{s.pk}/inspect/", scores | {"score_rules": "2", "inspected_on":
                                                                timezone.localdate().isoformat()})
    follow_up = FollowUp.objects.get(station=s)
    page = client.get(f"/console/stations/{s.pk}/").content.decode()
    assert "未达标" in page and "完成整改" in page
    client.post(f"/console/stations/follow-ups/{follow_up.pk}/resolve/", {"resolution": "制度已上墙",
                                                                          "station_id": s.pk})
    follow_up.refresh_from_db()
    assert follow_up.status == "resolved"
    assert "制度已上墙" in client.get(f"/console/stations/{s.pk}/").content.decode()


@pytest.mark.django_db
def test_a_sibling_district_cannot_open_the_others_station_pages(client, fangshan_staff, haidian_staff,
                                                                 make_station):
    s = make_station(fangshan_staff)
    client.force_login(haidian_staff)
    assert s.name not in client.get("/console/stations/").content.decode()
    assert client.get(f"/console/stations/{s.pk}/").status_code == 404
    assert client.get(f"/console/stations/{s.pk}/qr/").status_code == 404
    assert client.get(f"/console/stations/{s.pk}/edit/").status_code == 404
