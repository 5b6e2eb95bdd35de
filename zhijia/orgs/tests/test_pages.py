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
