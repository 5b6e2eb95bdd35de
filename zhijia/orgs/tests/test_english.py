"""The union tree pages and the console shell in English (cookie `django_language=en`), Chinese without it."""

from __future__ import annotations


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
