"""The JavaScript catalogue: /jsi18n/ gives the page scripts' English (gettext/interpolate), and every page loads it
before its own scripts."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_catalogue_is_english_with_the_cookie_and_empty_without(client):
    client.cookies["django_language"] = "en"
    body = client.get("/jsi18n/").content.decode()
    assert "django.gettext = function" in body and "django.interpolate = function" in body
    assert '"Response rate"' in body and '"Starts in %(clock)s"' in body and '"Led by %(name)s"' in body
    del client.cookies["django_language"]
    body = client.get("/jsi18n/").content.decode()
    assert "Response rate" not in body  # Chinese is the source language: no catalogue, gettext returns the msgid


def _scripts(html: str) -> list[str]:
    return re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)


def test_console_and_worker_pages_load_the_catalogue_first(client, city, make_staff, make_worker_user):
    client.force_login(make_staff("fs", city.fangshan))
    scripts = _scripts(client.get("/console/members/").content.decode())
    assert scripts[0] == "/jsi18n/" and any(s.endswith("js/members.js") for s in scripts)
    client.force_login(make_worker_user(1))
    scripts = _scripts(client.get("/w/members/join/").content.decode())
    assert scripts[0] == "/jsi18n/" and any(s.endswith("js/members.js") for s in scripts)
