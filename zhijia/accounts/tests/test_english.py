"""Sign-in refusals in the request's language: English with the cookie `django_language=en`, Chinese without."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_wrong_password_over_the_api_in_english_and_chinese(city, make_staff, api_client):
    make_staff("fangshan", city.fangshan, password="right-password")
    body = {"username": "fangshan", "password": "wrong"}

    chinese = api_client.post("/api/v1/auth/token", body)
    api_client.cookies["django_language"] = "en"
    english = api_client.post("/api/v1/auth/token", body)
    missing = api_client.post("/api/v1/auth/token", {})

    assert chinese.status_code == english.status_code == 401
    assert chinese.json() == {"code": "auth_failed", "message": "用户名或密码错误",
                              "fields": {"password": "用户名或密码错误"}}
    assert english.json() == {"code": "auth_failed", "message": "Wrong username or password",
                              "fields": {"password": "Wrong username or password"}}
    assert missing.status_code == 400
    assert missing.json()["fields"] == {"username": "Give a username and password, or a mobile phone and code"}


def test_sign_in_page_shows_the_refusal_in_english(city, make_staff, client):
    make_staff("fangshan", city.fangshan, password="right-password")

    chinese = client.post("/accounts/login/", {"username": "fangshan", "password": "nope"})
    client.cookies["django_language"] = "en"
    english = client.post("/accounts/login/", {"username": "fangshan", "password": ""})
    phone = client.post("/accounts/w/login/", {"action": "send_code", "phone": "123"})

    assert chinese.status_code == english.status_code == phone.status_code == 400
    assert "用户名或密码错误" in chinese.content.decode()
    assert "Please enter the password" in english.content.decode() and "请输入密码" not in english.content.decode()
    assert "The mobile phone number is not valid" in phone.content.decode()
