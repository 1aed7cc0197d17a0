"""The API document: every platform route is documented with an example."""

from __future__ import annotations

from gridflex.api.examples import EXAMPLES


def test_every_documented_example_belongs_to_a_real_route(client):
    paths = client.get("/api/v3_0/openapi.json").json()["paths"]
    missing = [key for key in EXAMPLES if key[1] not in paths or key[0] not in paths[key[1]]]
    assert missing == []


def test_examples_reach_the_document(client):
    paths = client.get("/api/v3_0/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if (method, path) not in EXAMPLES:
                continue
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (method, path)
            response = operation["responses"][success[0]]
            has_example = "example" in response.get("content", {}).get("application/json", {})
            assert has_example or success[0] == "204", (method, path)
            if "requestBody" in operation:
                media = operation["requestBody"]["content"]
                assert any("example" in m or "schema" in m for m in media.values()), (method, path)


def test_the_core_routes_are_all_in_the_example_table(client):
    paths = client.get("/api/v3_0/openapi.json").json()["paths"]
    core = (
        "/api/v3_0/accounts",
        "/api/v3_0/users",
        "/api/v3_0/assets",
        "/api/v3_0/sensors",
        "/api/v3_0/jobs",
    )
    undocumented = [
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if path.startswith(core)
        and "/schedules" not in path
        and "/forecasts" not in path
        and (method, path) not in EXAMPLES
    ]
    assert undocumented == []


def test_every_operation_declares_its_error_statuses_in_its_dialect(client):
    """Schema-driven clients and fuzzers rely on the document: each operation lists the error
    statuses it may answer, with the error shape of its API (platform, v1_1 or carbon)."""
    document = client.get("/api/v3_0/openapi.json").json()
    shapes = {"/v3/": "CarbonErrorAnswer", "/api/v1_1": "V1ErrorAnswer"}
    for path, operations in document["paths"].items():
        expected = next(
            (name for prefix, name in shapes.items() if path.startswith(prefix)), "ErrorAnswer"
        )
        for method, operation in operations.items():
            codes = {"400", "401", "403", "404", "422", "503"}
            if method in ("post", "put", "patch"):
                codes |= {"409", "413", "429"}
            assert codes <= set(operation["responses"]), (method, path)
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{expected}"}, (method, path)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
