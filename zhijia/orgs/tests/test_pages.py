"""Console pages: the tree within scope, and a browser test driving the real server."""

import pytest

from zhijia.conftest import screenshot


@pytest.mark.django_db
def test_tree_page_lists_children_and_hides_siblings(city, make_staff, client):
    client.force_login(make_staff("fangshan", city.fangshan))

    page = client.get("/console/unions/").content.decode()
    partial = client.get(f"/console/unions/{city.chengguan.pk}/children/").content.decode()
    hidden = client.get(f"/console/unions/{city.haidian.pk}/")

    assert "城关街道总工会" in page and "房山区快递行业工会联合会" in page
    assert "海淀" not in page
    assert "某社区工会" in partial
    assert hidden.status_code == 404


@pytest.mark.django_db
def test_console_requires_staff(city, make_worker_user, client):
    client.force_login(make_worker_user(1, union=city.chengguan))

    assert client.get("/console/").status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_logs_in_and_browses_the_tree(city, make_staff, browser_page):
    make_staff("fangshan", city.fangshan, password="zhijia-demo")
    page = browser_page

    page.goto(f"{page.base_url}/console/")
    page.fill("input[name=username]", "fangshan")
    page.fill("input[name=password]", "zhijia-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    assert page.locator("h1").inner_text() == "房山区总工会"

    page.click("text=组织架构")
    page.click("button[aria-label='展开 城关街道总工会']")
    page.wait_for_selector("text=某社区工会")
    screenshot(page, "console-tree")

    assert "海淀区总工会" not in page.content()
    page.click("text=某社区工会")
    assert page.locator(".crumbs").inner_text().startswith("房山区总工会")


@pytest.mark.django_db
def test_staff_creates_a_child_union_from_the_page_and_sees_field_errors(city, make_staff, client):
    client.force_login(make_staff("fangshan", city.fangshan))
    url = f"/console/unions/{city.chengguan.pk}/create/"

    bad = client.post(url, {"name": "新社区工会", "level": "community", "kind": "community", "region_code": "12"},
                      HTTP_HX_REQUEST="true")
    good = client.post(url, {"name": "新社区工会", "level": "community", "kind": "community",
                             "region_code": "110111001003"}, HTTP_HX_REQUEST="true")

    assert bad.status_code == 400
    assert "行政区划代码应为6位或12位数字" in bad.content.decode()
    assert good.status_code == 204
    from zhijia.orgs.models import Union

    created = Union.objects.get(name="新社区工会")
    assert good["HX-Redirect"] == f"/console/unions/{created.pk}/"
    assert created.parent_id == city.chengguan.pk


@pytest.mark.django_db
def test_move_form_refuses_a_cycle_with_a_message(city, make_staff, client):
    client.force_login(make_staff("fangshan", city.fangshan))

    response = client.post(f"/console/unions/{city.chengguan.pk}/move/", {"parent_id": city.community.pk})

    assert response.status_code == 400
    assert "会形成环" in response.content.decode()


@pytest.mark.django_db
def test_founding_form_records_the_committee(city, make_staff, client):
    client.force_login(make_staff("fangshan", city.fangshan))

    response = client.post(f"/console/unions/{city.couriers.pk}/founding/", {
        "founded_on": "2025-03-01", "term_years": "5", "chair": "张主席", "vice_chairs": "李副主席、王副主席",
        "members": "赵委员"})
    page = client.get(f"/console/unions/{city.couriers.pk}/").content.decode()

    assert response.status_code == 302
    assert "2025年3月1日建会" in page and "副主席：王副主席" in page
