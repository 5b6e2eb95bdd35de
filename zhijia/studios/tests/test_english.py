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
