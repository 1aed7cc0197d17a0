"""getService, getConnection, GET /api/, authentication and the USEF roles of each service (seeds 001, 003)."""

from __future__ import annotations

from datetime import UTC, datetime

from gridflex.services.legacy.roles import USEF_ROLES
from tests.api.v1_1 import seed_examples as ex
from tests.api.v1_1.helpers import V1, as_printed, send, stored

METER = {
    "type": "PostMeterDataRequest",
    "connection": "CS 1",
    "values": [1, 2, 3, 4],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H",
    "unit": "MW",
}


def test_api_root_lists_v1_1_next_to_v3_0(client):
    versions = client.get("/api/").json()["versions"]
    assert "v1_1" in versions and "v3_0" in versions


def test_get_service_example_lists_the_printed_services_with_their_access(client):
    res = send(client, "GET", "getService", ex.GET_SERVICE_REQUEST)  # public: no token
    assert res.status_code == 200
    body = res.json()
    assert body["type"] == "GetServiceResponse"
    assert body["version"] == "1.1"  # this listing is v1_1's; the printed one is of version 1.0
    for service in as_printed(ex.GET_SERVICE_RESPONSE)["services"]:
        assert service in body["services"]
    names = {s["name"] for s in body["services"]}
    assert names == {
        "getConnection",
        "getMeterData",
        "postMeterData",
        "getPrognosis",
        "postPrognosis",
        "postPriceData",
        "postWeatherData",
    }


def test_get_service_filters_by_access_role(client):
    for_mdc = client.get(f"{V1}/getService", params={"access": "MDC"}).json()["services"]
    assert "postMeterData" in {s["name"] for s in for_mdc}
    for_prosumer = client.get(f"{V1}/getService", params={"access": "Prosumer"}).json()["services"]
    assert "postMeterData" not in {s["name"] for s in for_prosumer}
    assert all("Prosumer" in s["access"] for s in for_prosumer)
    assert len(for_prosumer) == 6


def test_get_service_refuses_an_unknown_role(client):
    res = client.get(f"{V1}/getService", params={"access": "Hacker"})
    assert res.status_code == 400
    assert res.json()["status"] == "INVALID_ROLE"
    assert res.json()["type"] == "GetServiceResponse"


def test_version_root_is_the_service_listing(client):
    assert client.get(V1).json()["services"] == client.get(f"{V1}/getService").json()["services"]


def test_get_connection_example_is_answered_as_printed(client, world):
    """Four connections of three accounts (3, 8 and 9) that a consultant may read, newest first."""
    consultancy = world.account("Consultancy", roles=["Aggregator"])
    accounts = [consultancy] + [
        world.account(f"Client {i}", consultancy_account_id=consultancy if i in (3, 8, 9) else None)
        for i in range(2, 10)
    ]
    assert accounts == list(range(1, 10))  # fresh identities on both databases
    consultant = world.user(consultancy, roles=["consultant"])
    january_2021 = datetime(2021, 1, 15, tzinfo=UTC)
    for name, owner in (("CS 1", 3), ("CS 2", 9), ("CS 3", 8), ("CS 4", 3)):
        asset = world.asset(owner, name, type_name="one-way_evse")
        world.sensor(asset, "power", unit="MW", created_at=january_2021)
    assert asset == 4
    world.sensor(world.asset(2, "not consulted", type_name="one-way_evse"), "power", unit="MW")
    res = send(client, "GET", "getConnection", ex.GET_CONNECTION_REQUEST, consultant)
    assert res.status_code == 200
    assert res.json() == as_printed(ex.GET_CONNECTION_RESPONSE)


def test_get_connection_lists_only_connections_of_readable_accounts(client, seed, world):
    other = world.account("Neighbour", roles=["Prosumer"])
    world.sensor(world.asset(other, "Neighbour house", type_name="building"), "power", unit="kW")
    world.sensor(
        world.asset(seed.account, "Thermometer", type_name="load"), "temperature", unit="°C"
    )
    body = send(client, "GET", "getConnection", {"type": "GetConnectionRequest"}, seed.mdc).json()
    assert body["names"] == [
        "CS 3",
        "CS 2",
        "CS 1",
    ]  # no power sensor, or another account: not listed
    assert body["connections"][0].endswith(f":{seed.account}:{seed.cs_assets['CS 3']}")


def test_get_connection_also_answers_a_query_string_request(client, seed):
    res = client.get(
        f"{V1}/getConnection", params={"type": "GetConnectionRequest"}, headers=seed.mdc.headers
    )
    assert res.status_code == 200 and res.json()["names"] == ["CS 3", "CS 2", "CS 1"]


def test_a_token_from_request_auth_token_works_on_v1_1(client, seed):
    credentials = as_printed(ex.AUTH_TOKEN_REQUEST) | {
        "email": seed.mdc.email,
        "password": seed.mdc.password,
    }
    token = client.post("/api/requestAuthToken", json=credentials).json()["auth_token"]
    res = client.get(
        f"{V1}/getConnection",
        params={"type": "GetConnectionRequest"},
        headers={"Authorization": token},
    )
    assert res.status_code == 200


def test_requests_without_a_valid_token_are_unauthorized(client, seed, settings):
    for headers in ({}, {"Authorization": "not-a-token"}):
        res = client.post(f"{V1}/postMeterData", json=METER, headers=headers)
        assert res.status_code == 401
        assert res.json()["status"] == "UNAUTHORIZED"
        assert res.json()["type"] == "PostMeterDataResponse"
    assert len(stored(settings, seed.cs["CS 1"])) == 0


def test_posting_meter_data_is_for_mdc_accounts_only(client, seed, settings, world):
    """A Prosumer that may write the connection is still refused: the service is the MDC's."""
    prosumer_account = world.account("Home owner", roles=["Prosumer"])
    prosumer = world.user(prosumer_account)
    world.sensor(world.asset(prosumer_account, "Home", type_name="building"), "power", unit="kW")
    res = send(client, "POST", "postMeterData", {**METER, "connection": "Home"}, prosumer)
    assert res.status_code == 403
    assert res.json() == {
        "type": "PostMeterDataResponse",
        "result": "Rejected",
        "status": "INVALID_SENDER",
        "message": res.json()["message"],
    }
    assert "MDC" in res.json()["message"]
    # The same prosumer may post a prognosis for it.
    prognosis = {**METER, "type": "PostPrognosisRequest", "connection": "Home"}
    assert send(client, "POST", "postPrognosis", prognosis, prosumer).status_code == 200
    assert send(client, "POST", "postMeterData", METER, seed.mdc).status_code == 200


def test_accounts_without_a_usef_role_are_refused_every_data_service(client, seed, world):
    consultancy = world.account("Advisers", roles=["Consultancy"])
    adviser = world.user(consultancy)
    for endpoint, method, kind in (
        ("getConnection", "GET", "GetConnection"),
        ("getMeterData", "GET", "GetMeterData"),
        ("postPrognosis", "POST", "PostPrognosis"),
    ):
        res = send(client, method, endpoint, {**METER, "type": f"{kind}Request"}, adviser)
        assert res.status_code == 403, endpoint
        assert res.json()["status"] == "INVALID_SENDER"
        assert res.json()["type"] == f"{kind}Response"


def test_admins_may_call_every_service(client, seed):
    assert send(client, "POST", "postMeterData", METER, seed.admin).status_code == 200


def test_every_usef_role_may_read_meter_data(client, seed, world):
    for role in USEF_ROLES:
        account = world.account(f"{role} org", roles=[role])
        actor = world.user(account)
        world.sensor(world.asset(account, f"{role} site", type_name="building"), "power", unit="kW")
        request = {**METER, "type": "GetMeterDataRequest", "connection": f"{role} site"}
        del request["values"]
        assert send(client, "GET", "getMeterData", request, actor).status_code == 200, role


def test_members_of_another_account_cannot_post_for_a_connection(client, seed, world, settings):
    other_mdc = world.user(world.account("Other MDC", roles=["MDC"]))
    address = f"{seed.account}:{seed.cs_assets['CS 1']}"
    res = send(client, "POST", "postMeterData", {**METER, "connection": address}, other_mdc)
    assert res.status_code == 400
    assert (
        res.json()["status"] == "UNRECOGNIZED_CONNECTION_GROUP"
    )  # not theirs: not revealed either
    assert len(stored(settings, seed.cs["CS 1"])) == 0


def test_readers_who_may_not_write_a_connection_are_invalid_senders(client, seed, world, settings):
    reader = world.user(world.account("Auditors", roles=["MDC"]), roles=["admin-reader"])
    res = send(client, "POST", "postMeterData", METER, reader)
    assert res.status_code == 403
    assert res.json()["status"] == "INVALID_SENDER"
    assert len(stored(settings, seed.cs["CS 1"])) == 0
