"""The union picker of the members forms: search by name or pinyin, scoped to what the caller may pick."""

import pytest

from zhijia.members.models import MembershipTransfer
from zhijia.members.tests.factories import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def fangshan(city, make_staff, client):
    user = make_staff("fangshan", city.fangshan)
    client.force_login(user)
    return user


def _results(client, q, purpose="scope", field="union"):
    r = client.get("/console/members/unions/pick/", {"field": field, "purpose": purpose, "results": "1",
                                                      f"{field}_q": q})
    assert r.status_code == 200
    return r.content.decode()


def test_search_by_name_pinyin_and_initials_within_scope(client, city, fangshan):
    assert city.chengguan.name in _results(client, "城关")
    assert city.fangshan.name in _results(client, "fsq")  # pinyin initials of 房山区…
    assert city.couriers.name in _results(client, "kuaidi")  # full pinyin
    # A sibling district's unions are not offered where the caller's own subtree is the rule ...
    assert city.zhongguancun.name not in _results(client, "中关村")
    assert "没有名称或拼音含" in _results(client, "中关村")
    # ... but are, by name only, where the service accepts any union (re-route, transfer into)
    assert city.zhongguancun.name in _results(client, "zgc", purpose="target")


def test_picking_shows_the_choice_in_a_hidden_field_and_refuses_out_of_scope(client, city, fangshan):
    r = client.get("/console/members/unions/pick/", {"field": "to_union", "purpose": "target",
                                                      "pick": city.zhongguancun.pk})
    html = r.content.decode()
    assert f'name="to_union" value="{city.zhongguancun.pk}"' in html and city.zhongguancun.name in html
    r = client.get("/console/members/unions/pick/", {"field": "union", "purpose": "scope",
                                                      "pick": city.zhongguancun.pk})
    assert r.status_code == 404
    assert client.get("/console/members/unions/pick/", {"field": "x\"><script>", "purpose": "scope"}).status_code == 400


def test_forms_render_the_one_picker(client, city, fangshan, make_worker_user):
    user = make_worker_user(170, union=city.couriers)
    membership = user.worker.memberships.get()
    a = apply(fangshan, 171)
    pages = {f"/console/members/m/{membership.pk}/": "to_union", f"/console/members/applications/{a.pk}/": "union",
             "/console/members/imports/": "union", "/console/members/rules/": "target_union",
             "/console/members/list/": "union", "/console/members/applications/": "union"}
    for url, field in pages.items():
        html = client.get(url).content.decode()
        assert f'id="picker-{field}"' in html and f'name="{field}_q"' in html, url
        assert 'inputmode="numeric" required' not in html, url  # no more typing ids


def test_list_and_queue_filter_by_the_picked_union(client, city, fangshan, make_worker_user):
    make_worker_user(172, union=city.couriers)
    make_worker_user(173, union=city.community)
    html = client.get("/console/members/list/", {"union": city.couriers.pk}).content.decode()
    assert "共 1 人" in html and city.couriers.name in html and 'class="picked"' in html
    apply(fangshan, 174)  # routed to the courier union
    assert "队列为空" in client.get("/console/members/applications/", {"union": city.community.pk}).content.decode()
    assert "队列为空" not in client.get("/console/members/applications/",
                                        {"union": city.couriers.pk}).content.decode()


def test_transfer_form_posts_the_picked_union(client, city, fangshan, make_worker_user):
    user = make_worker_user(175, union=city.couriers)
    membership = user.worker.memberships.get()
    client.post(f"/console/members/m/{membership.pk}/transfer/", {"to_union": city.zhongguancun.pk,
                                                                  "to_union_q": "zgc", "reason": "搬家"})
    t = MembershipTransfer.objects.get()
    assert t.to_union == city.zhongguancun and t.from_confirmed_at is not None


def test_api_union_choices(api_client, city, fangshan):
    api_client.as_user(fangshan)
    names = [u["name"] for u in api_client.get("/api/v1/members/union-choices", {"q": "街道"}).json()]
    assert names == [city.chengguan.name]
    names = [u["name"] for u in api_client.get("/api/v1/members/union-choices",
                                               {"q": "街道", "purpose": "target"}).json()]
    assert set(names) == {city.chengguan.name, city.zhongguancun.name}
    assert api_client.get("/api/v1/members/union-choices", {"purpose": "all"}).status_code == 400


def test_import_without_a_picked_union_names_the_field(client, city, fangshan):
    import io

    r = client.post("/console/members/imports/", {"union": "", "file": io.BytesIO(b"x")})
    assert r.status_code == 400 and "请先搜索并选择要导入到的工会" in r.content.decode()


def test_picker_queries_do_not_grow_with_the_matches(api_client, city, fangshan, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhijia.orgs.models import Kind, Level, Union
    from zhijia.orgs.services import _insert

    api_client.as_user(fangshan)
    with CaptureQueriesContext(connection) as few:
        assert len(api_client.get("/api/v1/members/union-choices", {"q": "社区"}).json()) == 1
    for i in range(8):
        _insert(Union(parent=city.chengguan, name=f"第{i}社区工会", level=Level.COMMUNITY, kind=Kind.COMMUNITY,
                      region_code="110111001001"))
    with CaptureQueriesContext(connection) as many:
        assert len(api_client.get("/api/v1/members/union-choices", {"q": "社区"}).json()) == 9
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as page:
        assert _results(client, "社区").count("picker-option") == 9
    assert len(page) <= len(few) + 4  # session, user, scope, the one search query
