"""Pages: the console list, card, forms and totals (Django client), and in a real browser the console map and the
workers' list by district and near them, with screenshots."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from zhijia.conftest import screenshot
from zhijia.studios import services
from zhijia.studios.models import InnovationStudio, SpendingEntry
from zhijia.studios.tests.conftest import FANGSHAN

expect.set_options(timeout=20_000)


@pytest.mark.django_db
def test_console_pages_and_forms(client, admin, fangshan_staff, haidian_staff, make_studio, city):
    studio = make_studio(fangshan_staff, name="良乡数控创新工作室")
    client.force_login(fangshan_staff)
    page = client.get("/console/studios/?level=district")
    assert page.status_code == 200 and "良乡数控创新工作室" in page.content.decode()
    assert client.get("/console/studios/?level=municipal").content.decode().count("良乡数控创新工作室") == 0

    r = client.post(f"/console/studios/{studio.pk}/grant/", {"amount": "1000", "year": "2021", "purpose": "补助"},
                    follow=True)
    assert "已拨付助推资金" in r.content.decode()
    grant = studio.grants.get()
    r = client.post(f"/console/studios/{studio.pk}/spend/", {"grant": grant.pk, "amount": "1000.01",
                                                            "purpose": "耗材"}, follow=True)
    assert "超出该笔助推资金余额" in r.content.decode() and SpendingEntry.objects.count() == 0
    r = client.post(f"/console/studios/{studio.pk}/patent/", {"number": "ZL2023 1 0123456.7", "title": "x"},
                    follow=True)
    assert "校验位不正确" in r.content.decode()
    detail = client.get(f"/console/studios/{studio.pk}/").content.decode()
    assert "助推资金" in detail and "1,000.00" in detail and "年度考核" in detail

    r = client.post("/console/studios/new/", {"name": "新工作室", "level": "district", "union": city.fangshan.pk,
                                              "address": "房山", "lat": "39.7", "lng": "", "recognised_year": "2022",
                                              "leader_name": "李"})
    assert r.status_code == 400 and "经度" in r.content.decode()
    assert InnovationStudio.objects.count() == 1
    r = client.post("/console/studios/new/", {"name": "新工作室", "level": "district", "union": city.fangshan.pk,
                                              "address": "房山", "lat": "39.73", "lng": "116.13",
                                              "recognised_year": "2022", "leader_name": "李"})
    assert r.status_code == 302 and InnovationStudio.objects.count() == 2

    totals = client.get("/console/studios/totals/").content.decode()
    assert "房山区" in totals and "1,000.00" in totals and "合计" in totals

    client.force_login(haidian_staff)
    assert client.get(f"/console/studios/{studio.pk}/").status_code == 404
    assert "良乡数控创新工作室" not in client.get("/console/studios/").content.decode()


@pytest.mark.django_db
def test_worker_page_by_district_without_javascript(client, admin, make_studio, make_worker_user, city):
    make_studio(admin, name="良乡数控创新工作室")
    client.force_login(make_worker_user(31, union=city.community))
    html = client.get("/w/studios/?district=110111").content.decode()
    assert "良乡数控创新工作室" in html and "共 1 个创新工作室" in html
    assert client.get("/console/studios/").status_code == 403


def _login(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_console_map_and_list_in_a_browser(browser_page, live_server, admin, make_studio, city):
    fs = make_studio(admin, name="良乡数控创新工作室")
    make_studio(admin, name="长阳劳模创新工作室", level="municipal", lat=FANGSHAN[0] + 0.03, lng=FANGSHAN[1] + 0.06)
    make_studio(admin, name="中关村软件创新工作室", union=city.haidian)
    services.grant_create(admin, studio_id=fs.pk, amount="30000", year=2021, purpose="创建补助")
    page = browser_page
    _login(page, live_server, admin)
    page.goto(f"{live_server.url}/console/studios/")
    page.wait_for_selector("#sd-map .leaflet-marker-icon")
    expect(page.locator("#sd-map-status")).to_contain_text("共 3 个工作室")
    assert page.locator("#sd-table tbody tr").count() == 3
    screenshot(page, "studios_console_list")

    page.select_option("select[name=level]", "municipal")
    page.click("#sd-filters button")
    expect(page.locator("#sd-map-status")).to_contain_text("共 1 个工作室")
    expect(page.locator("#sd-table tbody tr")).to_have_count(1)

    page.goto(f"{live_server.url}/console/studios/{fs.pk}/")
    page.wait_for_selector("#sd-map .leaflet-marker-icon")
    page.fill("#sd-spend-form input[name=amount]", "30000.01")
    page.fill("#sd-spend-form input[name=purpose]", "设备")
    page.click("#sd-spend-form button")
    expect(page.locator(".flash.error")).to_contain_text("超出该笔助推资金余额")
    screenshot(page, "studios_console_detail")
    page.goto(f"{live_server.url}/console/studios/totals/")
    expect(page.locator("#sd-totals")).to_contain_text("海淀区")
    screenshot(page, "studios_console_totals")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_finds_studios_by_district_and_near_them(browser_page, live_server, admin, make_studio, city,
                                                        make_worker_user):
    make_studio(admin, name="良乡数控创新工作室")
    make_studio(admin, name="长阳劳模创新工作室", level="municipal", lat=FANGSHAN[0] + 0.03, lng=FANGSHAN[1] + 0.06)
    make_studio(admin, name="中关村软件创新工作室", union=city.haidian)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, live_server, make_worker_user(41, union=city.community))
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": FANGSHAN[0] + 0.03, "longitude": FANGSHAN[1] + 0.06})
    page.goto(f"{live_server.url}/w/studios/")
    expect(page.locator("#sd-list .st-name").first).to_contain_text("长阳劳模创新工作室")
    expect(page.locator("#sd-list li")).to_have_count(3)
    assert "离您最近的" in page.inner_text("#sd-status")
    page.wait_for_selector("#sd-map .leaflet-marker-icon")
    screenshot(page, "studios_worker_near")

    page.select_option("#sd-district", "110108")
    expect(page.locator("#sd-list .st-name")).to_have_text(["1. 中关村软件创新工作室"])
    screenshot(page, "studios_worker_district")
