"""A bounded fuzz of every operation in the server's own OpenAPI document (schemathesis), on
SQLite and PostgreSQL: no server error, and every answer's status code, content type and
body as the document declares. ``benchmarks/fuzz_api.py`` runs the long version (more
examples, a real server, a plain user too)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/api/v3_0/openapi.json", app)


@pytest.fixture
def admin_headers(world):
    """An admin of an account with a battery that has a power sensor: ids 1 exist."""
    account = world.account("Fuzz", roles=["Prosumer", "MDC", "DSO"])
    world.sensor(world.asset(account, attributes={"capacity_in_mw": 0.01}))
    return world.user(account, roles=["admin"]).headers


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_declared(case, admin_headers):
    response = case.call(headers=admin_headers)
    case.validate_response(response, checks=CHECKS)
