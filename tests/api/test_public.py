"""Public routes and the answers every route shares: versions, service listing, health, headers, docs."""

from __future__ import annotations


def test_api_root_lists_v3_0_and_the_compatible_release(client, settings):
    res = client.get("/api/")
    assert res.status_code == 200
    body = res.json()
    assert body["versions"] == ["v3_0", "v1_1"]
    assert body["flexmeasures_version"] == settings.flexmeasures_version
    assert "/api/requestAuthToken" in body["message"]
    assert client.get("/api").json()["versions"] == ["v3_0", "v1_1"]


def test_every_answer_carries_the_flexmeasures_version_header(client, world, settings):
    actor = world.user(world.account())
    for res in (
        client.get("/api/"),
        client.get("/api/v3_0/assets", headers=actor.headers),
        client.get("/api/v3_0/assets"),  # 401
        client.get("/api/v3_0/no-such-route"),  # 404
    ):
        assert res.headers["FlexMeasures-Version"] == settings.flexmeasures_version
    assert client.get("/api/v3_0/health/ready").headers["API-Version"] == "v3_0"
    assert "API-Version" not in client.get("/api/").headers


def test_service_listing_names_the_entity_routes(client):
    res = client.get("/api/v3_0")
    assert res.status_code == 200
    body = res.json()
    assert body["api_version"] == "v3_0"
    listed = {(s["method"], s["path"]) for s in body["services"]}
    expected = {
        ("GET", "/api/v3_0/accounts"),
        ("PATCH", "/api/v3_0/accounts/{id}"),
        ("GET", "/api/v3_0/users"),
        ("POST", "/api/v3_0/users"),
        ("GET", "/api/v3_0/assets"),
        ("POST", "/api/v3_0/assets"),
        ("DELETE", "/api/v3_0/assets/{id}"),
        ("GET", "/api/v3_0/assets/public"),
        ("GET", "/api/v3_0/assets/types"),
        ("GET", "/api/v3_0/sensors"),
        ("PATCH", "/api/v3_0/sensors/{id}"),
        ("GET", "/api/v3_0/health/ready"),
    }
    assert expected <= listed
    assert all(s["description"] for s in body["services"])


def test_health_ready_reports_the_database(client):
    res = client.get("/api/v3_0/health/ready")
    assert res.status_code == 200
    body = res.json()
    assert body["database_sql"] is True
    assert "database_redis" not in body  # only reported when Redis is configured


def test_answers_are_json_on_success_errors_and_204(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    sensor_id = world.sensor(world.asset(account))
    answers = {
        "200": client.get("/api/v3_0/assets", headers=admin.headers),
        "401": client.get("/api/v3_0/assets"),
        "404 route": client.get("/api/v3_0/no-such-route"),
        "404 entity": client.get("/api/v3_0/assets/999999", headers=admin.headers),
        "405": client.put("/api/v3_0/assets", headers=admin.headers),
        "422": client.get("/api/v3_0/assets?page=0", headers=admin.headers),
        "204": client.delete(f"/api/v3_0/sensors/{sensor_id}", headers=admin.headers),
    }
    for name, res in answers.items():
        assert res.status_code == int(name[:3]), name
        assert res.headers["content-type"].startswith("application/json"), name
    assert answers["204"].content == b""
    assert answers["401"].json()["status"] == "UNAUTHORIZED"
    assert answers["404 route"].json()["status"] == "NOT_FOUND"
    assert answers["404 entity"].json()["message"] == "Asset 999999 not found."
    assert answers["405"].json()["status"] == "INVALID_METHOD"
    assert answers["422"].json()["message"]["query"]["page"]


def test_swagger_ui_and_openapi_document_serve(client):
    docs = client.get("/api/v3_0/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    spec = client.get("/api/v3_0/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/v3_0/assets/{id}", "/api/v3_0/sensors/{id}", "/api/v3_0/users/{id}"} <= set(paths)


def test_swagger_ui_is_served_without_any_outside_host(client):
    page = client.get("/api/v3_0/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/api/v3_0/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v3_0/docs/static/swagger-ui.css").status_code == 200
