"""A bounded fuzz of every operation in the server's own OpenAPI document (schemathesis), on
SQLite and PostgreSQL: no server error, and every answer's status code, content type and
body as the document declares. ``benchmarks/fuzz_api.py`` runs the long version (more
examples, a real server, a plain user too)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
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


def test_every_operation_answers_as_declared(api_schema, admin_headers):
    # One hypothesis run per operation, so that one operation's failure names it and the
    # others still run (schemathesis' own pytest plugin does not follow our parametrized
    # database fixtures).
    failures, tried = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def answers_as_declared(case):
            response = case.call(headers=admin_headers)
            case.validate_response(response, checks=CHECKS)

        try:
            answers_as_declared()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:800]}")
    assert tried >= 70  # every operation of the document (75 today), not a silently empty run
    assert not failures, "\n\n".join(failures)
