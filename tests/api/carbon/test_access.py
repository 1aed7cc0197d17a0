"""Tokens and access limits: who may use which zones and routes."""

from __future__ import annotations

import pytest

from gridflex.services.accounts import get_account
from gridflex.store.base import session_scope

DATA_ROUTES = [
    "/v3/carbon-intensity/latest",
    "/v3/carbon-intensity/history",
    "/v3/power-breakdown/latest",
    "/v3/power-breakdown/history",
    "/v3/power-consumption-breakdown/history",
]


@pytest.mark.parametrize("path", DATA_ROUTES)
def test_data_routes_need_a_token(client, three_zones, path):
    answer = client.get(path, params={"zone": "A"})
    assert answer.status_code == 401
    assert set(answer.json()) == {"error", "message"}
    assert "auth-token" in answer.json()["message"]


def test_an_invalid_token_is_refused(client, three_zones):
    for token in ("nonsense", "eyJ1aWQiOjF9.c2lnbmF0dXJl"):
        answer = client.get(
            "/v3/carbon-intensity/latest", params={"zone": "A"}, headers={"auth-token": token}
        )
        assert answer.status_code == 401
        assert set(answer.json()) == {"error", "message"}


def test_zones_without_a_token_lists_every_zone(client, three_zones):
    answer = client.get("/v3/zones")
    assert answer.status_code == 200
    zones = answer.json()
    assert zones["A"] == {"zoneName": "Zone A"}
    assert zones["DE"] == {"zoneName": "Germany"}  # shipped country zones, data or not
    assert len(zones) > 200


def test_zones_with_an_unlimited_token_gives_every_route(client, reader, three_zones):
    zones = client.get("/v3/zones", headers=reader).json()
    assert zones["B"] == {"zoneName": "Zone B", "access": ["*"]}


def _limited(world, cli, zones: str, routes: str) -> dict[str, str]:
    account = world.account()
    cli("carbon", "access", "--account", str(account), "--zones", zones, "--routes", routes)
    return {"auth-token": world.user(account).headers["Authorization"]}


def test_an_account_limited_to_zones_and_routes_gets_only_those(client, world, cli, three_zones):
    headers = _limited(world, cli, "A,B", "carbon-intensity/latest,power-breakdown/latest")
    listed = client.get("/v3/zones", headers=headers).json()
    assert set(listed) == {"A", "B"}
    assert listed["A"]["access"] == ["carbon-intensity/latest", "power-breakdown/latest"]
    assert (
        client.get("/v3/carbon-intensity/latest", params={"zone": "A"}, headers=headers).status_code
        == 200
    )
    assert (
        client.get("/v3/power-breakdown/latest", params={"zone": "B"}, headers=headers).status_code
        == 200
    )
    other_zone = client.get("/v3/carbon-intensity/latest", params={"zone": "C"}, headers=headers)
    assert other_zone.status_code == 401 and "'C'" in other_zone.json()["message"]
    by_point = client.get(
        "/v3/carbon-intensity/latest", params={"lat": 0.5, "lon": -37.5}, headers=headers
    )
    assert by_point.status_code == 401  # the point lies in C
    other_route = client.get("/v3/carbon-intensity/history", params={"zone": "A"}, headers=headers)
    assert (
        other_route.status_code == 401
        and "carbon-intensity/history" in other_route.json()["message"]
    )
    no_past = client.get(
        "/v3/updated-since", params={"zone": "A", "since": "2024-01-01T00:00:00Z"}, headers=headers
    )
    assert no_past.status_code == 401  # updated-since needs access to a past route


def test_updated_since_comes_with_a_past_route(client, world, cli, three_zones):
    headers = _limited(world, cli, "A", "carbon-intensity/past")
    assert client.get("/v3/zones", headers=headers).json()["A"]["access"] == [
        "carbon-intensity/past",
        "updated-since",
    ]
    answer = client.get(
        "/v3/updated-since", params={"zone": "A", "since": "2024-01-01T00:00:00Z"}, headers=headers
    )
    assert answer.status_code == 200, answer.text


def test_per_zone_route_lists_in_the_account_attributes(client, world, settings, three_zones):
    account = world.account()
    with session_scope(settings.database_url) as session:
        get_account(session, account).attributes = {
            "carbon_api": {"zones": {"A": ["*"], "B": ["carbon-intensity/history"]}}
        }
    headers = {"auth-token": world.user(account).headers["Authorization"]}
    listed = client.get("/v3/zones", headers=headers).json()
    assert listed == {
        "A": {"zoneName": "Zone A", "access": ["*"]},
        "B": {"zoneName": "Zone B", "access": ["carbon-intensity/history"]},
    }
    assert (
        client.get("/v3/power-breakdown/latest", params={"zone": "A"}, headers=headers).status_code
        == 200
    )
    assert (
        client.get(
            "/v3/carbon-intensity/history", params={"zone": "B"}, headers=headers
        ).status_code
        == 200
    )
    assert (
        client.get("/v3/carbon-intensity/latest", params={"zone": "B"}, headers=headers).status_code
        == 401
    )


def test_clearing_the_limits_gives_everything_back(client, world, cli, three_zones):
    account = world.account()
    cli(
        "carbon",
        "access",
        "--account",
        str(account),
        "--zones",
        "A",
        "--routes",
        "carbon-intensity/latest",
    )
    cli("carbon", "access", "--account", str(account), "--clear")
    headers = {"auth-token": world.user(account).headers["Authorization"]}
    assert client.get("/v3/zones", headers=headers).json()["C"]["access"] == ["*"]


def test_unknown_routes_in_limits_are_refused(cli, world, three_zones):
    result = cli(
        "carbon",
        "access",
        "--account",
        str(world.account()),
        "--routes",
        "carbon/everything",
        ok=False,
    )
    assert result.exit_code == 1 and "carbon/everything" in result.output


def test_an_answer_in_memory_still_checks_each_token(client, reader, world, cli, three_zones):
    # The unlimited reader puts C's latest answer (and its query string) in memory ...
    for _ in range(2):
        ok = client.get("/v3/carbon-intensity/latest", params={"zone": "C"}, headers=reader)
        assert ok.status_code == 200
    # ... and the same query from a token limited to A, or from none, is still refused.
    limited = _limited(world, cli, "A", "carbon-intensity/latest")
    for headers in (limited, limited, {}, {"auth-token": "nonsense"}):
        answer = client.get("/v3/carbon-intensity/latest", params={"zone": "C"}, headers=headers)
        assert answer.status_code == 401, answer.text
