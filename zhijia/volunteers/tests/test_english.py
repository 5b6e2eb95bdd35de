"""Volunteer pages in English: the language cookie turns the page text English, the Chinese pages stay as they were."""

import datetime as dt

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


def test_bad_deployment_input_is_refused_in_english_naming_the_field(api_client, city, make_staff):
    staff = make_staff("fs1", city.fangshan)
    client = api_client.as_user(staff)
    client.cookies["django_language"] = "en"
    payload = {"title": "下沉", "batch": 0, "place": "建西社区", "starts_at": "2022-10-30T08:00:00+08:00",
               "ends_at": "2022-10-30T18:00:00+08:00", "volunteers": []}
    r = client.post("/api/v1/volunteers/deployments", payload)
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"batch": "Batch numbers start at 1"}
    assert r.json()["message"] == "Batch numbers start at 1"
    del client.cookies["django_language"]
    r = client.post("/api/v1/volunteers/deployments", payload)
    assert r.json()["fields"] == {"batch": "批次应从1开始"}


def test_a_second_signup_is_refused_in_english_on_the_page_and_the_api(api_client, city, make_staff, make_worker_user):
    staff = make_staff("fs1", city.fangshan)
    user = make_worker_user(1, union=city.community)
    services.volunteer_register(user, skills=[])
    call = services.volunteer_call_create(staff, title="买菜寄递", task="grocery_delivery", place="建西社区",
                                          starts_at=dt.datetime(2099, 1, 1, 8, tzinfo=dt.UTC),
                                          ends_at=dt.datetime(2099, 1, 1, 18, tzinfo=dt.UTC), needed=5)
    services.call_signup(user, call_id=call.pk)
    client = api_client.as_user(user)
    client.cookies["django_language"] = "en"
    r = client.post(f"/api/v1/volunteers/calls/{call.pk}/signup")
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert r.json()["fields"] == {"call": "You have already signed up for this call"}
    page = signed_in(user, "en").post(f"/w/volunteers/calls/{call.pk}/signup/", follow=True).content.decode()
    assert "You have already signed up for this call" in page and "您已报名该招募" not in page
    page = signed_in(user).post(f"/w/volunteers/calls/{call.pk}/signup/", follow=True).content.decode()
    assert "您已报名该招募" in page
