"""The API's routes are grouped by their first segment (zhijia.api.GroupedNinjaAPI): every route must resolve to the
same view, with the same arguments and name, as in ninja's flat list."""

from __future__ import annotations

import re
import uuid

from django.urls import URLResolver, resolve, reverse
from django.urls.resolvers import RegexPattern
from ninja import NinjaAPI

from zhijia.api import api

_SAMPLES = {"int": "7", "path": "a/b.txt", "uuid": str(uuid.UUID(int=5)), "slug": "x-1", "str": "x1"}


def _sample(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES[m.group(1) or "str"], route)


def _resolver(patterns) -> URLResolver:
    return URLResolver(RegexPattern(r"^"), patterns)


def test_every_route_resolves_as_in_the_flat_list():
    flat = NinjaAPI._get_urls(api)
    grouped = _resolver(api._get_urls())
    flat_resolver = _resolver(flat)
    assert len(flat) > 100
    for pattern in flat:
        sample = _sample(str(pattern.pattern))
        want, got = flat_resolver.resolve(sample), grouped.resolve(sample)
        # Ninja makes the view functions anew with each list: the route, its arguments and its name identify them.
        assert (got.route, got.kwargs, got.url_name) == (want.route, want.kwargs, want.url_name), sample


def test_the_api_is_grouped_and_names_still_reverse():
    top = api._get_urls()
    assert len(top) < 50  # one include per router prefix; the routers' own roots; the API root and the docs
    assert reverse("api:claim_create", kwargs={"benefit_id": 3}) == "/api/v1/benefits/3/claims"
    assert resolve("/api/v1/benefits/3/claims").url_name == "claim_create"
    assert resolve("/api/v1/openapi.json").url_name == "openapi-json"


def test_the_grouped_urls_pass_django_url_checks():
    from django.core import checks

    assert checks.run_checks(tags=[checks.Tags.urls]) == []
