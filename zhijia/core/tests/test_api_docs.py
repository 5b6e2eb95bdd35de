def test_openapi_lists_the_unions_api(db, client):
    spec = client.get("/api/v1/openapi.json").json()

    assert spec["info"]["title"] == "职工之家 Zhijia API"
    assert {"/api/v1/unions", "/api/v1/unions/{union_id}", "/api/v1/unions/{union_id}/children",
            "/api/v1/auth/token"} <= set(spec["paths"])


def test_api_docs_load_nothing_from_outside(db, client):
    page = client.get("/api/v1/docs").content.decode()

    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "https://" not in page


def test_pages_carry_security_headers(db, client):
    response = client.get("/accounts/login/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_are_chinese_by_default_and_english_on_request(db, client):
    chinese = client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/").content.decode()

    assert "工作人员登录" in chinese
    assert "Staff sign-in" in english and "工作人员登录" not in english


def test_an_english_browser_still_gets_chinese_until_it_chooses(db, client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "工作人员登录" in page


def test_every_navigation_label_has_its_english(db, client, city, make_staff):
    """Each subsystem's console entry reads in English once chosen (labels come from the apps' registrations)."""
    from zhijia.core.nav import STAFF_NAV, WORKER_NAV

    client.force_login(make_staff("nav_admin", city.root, role="municipal_admin"))
    chinese = client.get("/console/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    english = client.get("/console/").content.decode()

    from django.utils import translation

    with translation.override("en"):
        untranslated = [e.label for e in STAFF_NAV + WORKER_NAV if translation.gettext(e.label) == e.label]
    assert untranslated == []
    assert "创新工作室" in chinese and "Innovation studios" in english and "Selections and honours" in english
