"""Volunteer pages in English: the language cookie turns the page text English, the Chinese pages stay as they were."""

from zhijia.conftest import signed_in
from zhijia.volunteers import services


def test_worker_page_in_english_and_in_chinese(city, make_worker_user):
    user = make_worker_user(1, union=city.community)
    page = signed_in(user, "en").get("/w/volunteers/").content.decode()
    assert "Sign up as a volunteer" in page and "Grocery delivery" in page and 'value="买菜寄递"' in page
    assert "报名成为志愿者" not in page
    page = signed_in(user).get("/w/volunteers/").content.decode()
    assert "报名成为志愿者" in page and "Sign up as a volunteer" not in page


def test_console_in_english_and_in_chinese(city, make_worker_user, make_staff):
    staff = make_staff("fs1", city.fangshan)
    services.volunteer_register(make_worker_user(1, union=city.community), skills=["买菜寄递"])
    page = signed_in(staff, "en").get("/console/volunteers/").content.decode()
    assert "Send a new batch" in page and "Volunteer roster" in page and "Grocery delivery" in page
    assert "派出新批次" not in page and "志愿者名册" not in page
    page = signed_in(staff).get("/console/volunteers/").content.decode()
    assert "派出新批次" in page and "买菜寄递" in page and "Send a new batch" not in page
