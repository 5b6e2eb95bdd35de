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
