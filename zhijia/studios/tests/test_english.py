"""The studios pages in English (cookie django_language=en) and, without the cookie, still in Chinese."""

import pytest

from zhijia.conftest import signed_in


@pytest.mark.django_db
def test_console_pages_in_english(fangshan_staff, make_studio):
    studio = make_studio(fangshan_staff, name="良乡数控创新工作室")
    c = signed_in(fangshan_staff, "en")
    listing = c.get("/console/studios/").content.decode()
    assert "Totals by district" in listing and "分区汇总" not in listing
    assert "良乡数控创新工作室" in listing  # data stays as typed
    detail = c.get(f"/console/studios/{studio.pk}/").content.decode()
    assert "Annual review" in detail and "年度考核" not in detail
    assert "Rules and procedures (15 points)" in detail and "制度建设" not in detail
    totals = c.get("/console/studios/totals/").content.decode()
    assert "Total" in totals and "合计" not in totals
    r = c.post(f"/console/studios/{studio.pk}/grant/", {"amount": "1000", "year": "2021", "purpose": "补助"},
               follow=True)
    assert "Support funds granted" in r.content.decode()


@pytest.mark.django_db
def test_worker_page_in_english(fangshan_worker):
    page = signed_in(fangshan_worker.user, "en").get("/w/studios/").content.decode()
    assert "Near me" in page and "我附近的" not in page


@pytest.mark.django_db
def test_pages_still_chinese_without_the_cookie(fangshan_staff, fangshan_worker, make_studio):
    make_studio(fangshan_staff, name="良乡数控创新工作室")
    listing = signed_in(fangshan_staff).get("/console/studios/").content.decode()
    assert "分区汇总" in listing and "Totals by district" not in listing
    assert "我附近的" in signed_in(fangshan_worker.user).get("/w/studios/").content.decode()


# --- The messages a person gets back (API errors, flash messages) follow the request's language ------------------

STUDIO = {"name": "良乡数控创新工作室", "address": "北京市房山区良乡", "lat": 39.7353, "lng": 116.1392,
          "recognised_year": 2020, "field": "manufacturing", "leader_name": "王师傅", "region_code": "110111"}


@pytest.mark.django_db
def test_api_errors_in_english_same_code_and_field(fangshan_staff, city, make_studio):
    c = signed_in(fangshan_staff, "en")
    r = c.post("/api/v1/studios", dict(STUDIO, union=city.fangshan.pk, level="national"),
               content_type="application/json")
    body = r.json()
    assert r.status_code == 400 and body["code"] == "invalid"
    assert body["fields"]["level"] == "Level \u201cnational\u201d is not valid; choose from: district (District), " \
                                      "municipal (Municipal)"
    studio = make_studio(fangshan_staff)
    r = c.post(f"/api/v1/studios/{studio.pk}/reviews", {"year": 2023, "scores": {"rules": 12}, "reason": "x"},
               content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"scores.team": "Please score \u201cTeam and apprenticeship\u201d (0 to 15 points)"}
    r = c.post(f"/api/v1/studios/{studio.pk}/patents", {"number": "ZL2023 1 0123456.7", "title": "x"},
               content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "patent_check"
    assert r.json()["fields"]["number"].startswith("Patent number \u201cZL2023 1 0123456.7\u201d: the check character")


@pytest.mark.django_db
def test_api_errors_still_chinese_without_the_cookie(fangshan_staff, city):
    r = signed_in(fangshan_staff).post("/api/v1/studios", dict(STUDIO, union=city.fangshan.pk, level="national"),
                                       content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"]["level"] == "级别“national”不正确，可选：district（区级）、municipal（市级）"


@pytest.mark.django_db
def test_flash_error_of_the_studio_card_in_english(fangshan_staff, make_studio):
    studio = make_studio(fangshan_staff)
    c = signed_in(fangshan_staff, "en")
    grant = c.post(f"/console/studios/{studio.pk}/grant/", {"amount": "10.005", "year": "2021", "purpose": "补助"},
                   follow=True).content.decode()
    assert "Amount may have at most two decimal places (in yuan)" in grant
    spend = c.post(f"/console/studios/{studio.pk}/grant/", {"amount": "100", "year": "2021", "purpose": ""},
                   follow=True).content.decode()
    assert "Please fill in: Purpose" in spend and "请填写用途" not in spend
