"""The API's error shape in the request's language: English with the cookie `django_language=en`, Chinese without.
The code and the fields named stay the same in both."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from zhijia.core.errors import Busy, NotFound, PermissionDenied, ValidationFailed
from zhijia.core.identity import parse_id_number

pytestmark = pytest.mark.django_db


def test_unauthenticated_and_not_found_in_english_and_chinese(city, make_staff, api_client):
    chinese = api_client.get("/api/v1/unions")
    api_client.cookies["django_language"] = "en"
    english = api_client.get("/api/v1/unions")

    assert chinese.status_code == english.status_code == 401
    assert chinese.json() == {"code": "unauthenticated", "message": "请先登录", "fields": {}}
    assert english.json() == {"code": "unauthenticated", "message": "Please sign in first", "fields": {}}


def test_validation_errors_of_the_request_body_in_english_and_chinese(city, make_staff, api_client):
    api_client.as_user(make_staff("fangshan", city.fangshan))
    body = {"parent_id": "x", "level": "community", "kind": "community", "region_code": "110111"}

    chinese = api_client.post("/api/v1/unions", body)
    api_client.cookies["django_language"] = "en"
    english = api_client.post("/api/v1/unions", body)

    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["code"] == english.json()["code"] == "invalid"
    assert chinese.json()["fields"] == {"parent_id": "应为整数", "name": "此项必填"}
    assert english.json()["fields"] == {"parent_id": "Must be a whole number", "name": "This field is required"}
    assert chinese.json()["message"] == "parent_id：应为整数"
    assert english.json()["message"] == "parent_id: Must be a whole number"


def test_paging_refusal_in_english_and_chinese(city, make_staff, api_client):
    api_client.as_user(make_staff("fangshan", city.fangshan))

    chinese = api_client.get("/api/v1/unions", {"page_size": 500})
    api_client.cookies["django_language"] = "en"
    english = api_client.get("/api/v1/unions", {"page_size": 500})

    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {"code": "invalid", "message": "每页条数应在1到200之间",
                              "fields": {"page_size": "每页条数应在1到200之间"}}
    assert english.json() == {"code": "invalid", "message": "The page size must be between 1 and 200",
                              "fields": {"page_size": "The page size must be between 1 and 200"}}


def test_default_messages_and_core_checks_follow_the_active_language():
    assert NotFound().message == "对象不存在" and PermissionDenied().message == "没有权限执行此操作"
    with translation.override("en"):
        assert NotFound().message == "Not found"
        assert PermissionDenied().as_dict() == {"code": "forbidden", "message": "You are not allowed to do this",
                                                "fields": {}}
        assert Busy().message == "The system is busy; please try again shortly"
        with pytest.raises(ValidationFailed) as exc:
            parse_id_number("123", field="worker_id_number")
        assert exc.value.fields == {
            "worker_id_number": "The ID card number must have 18 characters (17 digits, then a digit or X)"}
        # A lazy message becomes text when the error is made, in the language active then.
        lazy = ValidationFailed.field("name", gettext_lazy("此项必填"))
    assert lazy.as_dict() == {"code": "invalid", "message": "This field is required",
                              "fields": {"name": "This field is required"}}
    assert isinstance(lazy.message, str)


def test_a_list_in_a_message_takes_the_languages_separator():
    from django.utils import translation

    from zhijia.core.i18n import listed

    assert listed(["快递员", "网约车司机"]) == "快递员、网约车司机"
    with translation.override("en"):
        assert listed(["courier", 3]) == "courier, 3"
