"""Seed 003's example messages: entity addresses, singular/plural keys, groups, time-series notations,
belief filters and sources, each posted or fetched as printed (fragments completed into full messages)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from gridflex.security import issue_token
from gridflex.services import accounts
from gridflex.store.base import session_scope
from gridflex.store.models import Account, Role, User
from tests.api.v1_1 import seed_examples as ex
from tests.api.v1_1.helpers import (
    EA,
    PROCESSED,
    as_printed,
    minutes,
    quarter_starts,
    send,
    stored,
    us,
)
from tests.conftest import Actor

START = "2015-01-01T00:00:00Z"


def _meter(connection: object, values: list, **extra: object) -> dict:
    return {
        "type": "PostMeterDataRequest",
        "connection": connection,
        "values": values,
        "start": START,
        "duration": f"PT{15 * len(values)}M",
        "unit": "MW",
        **extra,
    }


def _read(
    client, actor, connection, start=START, duration="PT1H", kind="GetMeterData", **extra
) -> dict:
    message = {
        "type": f"{kind}Request",
        "connection": connection,
        "start": start,
        "duration": duration,
        **extra,
    }
    res = send(client, "GET", kind[0].lower() + kind[1:], message, actor)
    assert res.status_code == 200, res.text
    return res.json()


def test_the_printed_ea1_example_addresses_owner_30_asset_73(client, world, settings):
    with session_scope(settings.database_url) as session:
        roles = accounts.account_roles_by_name(session, ["MDC"])
        session.add(Account(id=30, name="Owner 30", attributes={}, account_roles=roles))
    actor = world.user(30)
    asset = world.asset(30, "Connection 73", type_name="building", id=73)
    sensor = world.sensor(asset, "power", unit="MW")
    connection = as_printed(ex.EA1_EXAMPLE)[
        "connection"
    ]  # ea1.2021-02.io.flexmeasures.company:30:73
    assert send(
        client, "POST", "postMeterData", _meter(connection, [1, 2, 3, 4]), actor
    ).json() == {
        "type": "PostMeterDataResponse",
        **PROCESSED,
    }
    assert stored(settings, sensor)["event_value"].tolist() == [1, 2, 3, 4]
    # The simplified notations for simulation address the same connection.
    for simplified in ("30:73", "73"):
        assert _read(client, actor, simplified)["values"] == [1, 2, 3, 4]


def test_an_owner_id_that_does_not_own_the_asset_is_unrecognised(client, seed):
    wrong_owner = f"{EA}:{seed.account + 100}:{seed.cs_assets['CS 1']}"
    res = send(client, "POST", "postMeterData", _meter(wrong_owner, [1]), seed.mdc)
    assert res.status_code == 400 and res.json()["status"] == "UNRECOGNIZED_CONNECTION_GROUP"


def test_the_v3_sensor_address_and_the_short_ea1_form_are_connections_too(client, seed, settings):
    sensor_address = client.get(
        f"/api/v3_0/sensors/{seed.cs['CS 1']}", headers=seed.mdc.headers
    ).json()["entity_address"]
    assert sensor_address.endswith(f".io.flexmeasures.company:fm1.{seed.cs['CS 1']}")
    assert (
        send(
            client, "POST", "postMeterData", _meter(sensor_address, [5, 6, 7, 8]), seed.mdc
        ).status_code
        == 200
    )
    assert _read(client, seed.mdc, f"{EA}:{seed.cs_assets['CS 1']}")["values"] == [5, 6, 7, 8]


def test_singular_and_plural_keys_are_the_same(client, seed, settings):
    singular = _meter("CS 1", [1, 2, 3, 4])
    plural = {k: v for k, v in singular.items() if k != "connection"} | {"connections": ["CS 2"]}
    one_value = {k: v for k, v in _meter("CS 3", [9]).items() if k not in ("values", "connection")}
    one_value |= {
        "connections": "CS 3",
        "value": 9,
    }  # a plural key with one value, a singular value key
    for message in (singular, plural, one_value):
        assert send(client, "POST", "postMeterData", message, seed.mdc).status_code == 200
    assert stored(settings, seed.cs["CS 1"])["event_value"].tolist() == [1, 2, 3, 4]
    assert stored(settings, seed.cs["CS 2"])["event_value"].tolist() == [
        1000,
        2000,
        3000,
        4000,
    ]  # kW
    assert stored(settings, seed.cs["CS 3"])["event_value"].tolist() == [9]


def test_stating_a_key_both_singular_and_plural_is_refused(client, seed):
    message = _meter("CS 1", [1]) | {"connections": ["CS 2"]}
    res = send(client, "POST", "postMeterData", message, seed.mdc)
    assert res.status_code == 400 and res.json()["status"] == "INVALID_REQUEST"


def test_groups_example_fans_each_group_out_to_its_connections(client, seed, settings):
    message = as_printed(ex.GROUPS) | {"type": "PostMeterDataRequest"}
    assert send(client, "POST", "postMeterData", message, seed.mdc).status_code == 200
    first, second = (g["values"] for g in message["groups"])
    starts = quarter_starts(
        "2016-05-01T12:45:00Z", 6
    )  # start and unit inherited from the message level
    for name, values in (("CS 1", first), ("CS 2", first), ("CS 3", second)):
        rows = stored(settings, seed.cs[name])
        assert rows["event_start_us"].tolist() == starts
        np.testing.assert_allclose(
            rows["event_value"], np.array(values) * (1000 if name == "CS 2" else 1)
        )
        read = _read(client, seed.mdc, name, start="2016-05-01T12:45:00Z", duration="PT1H30M")
        assert read["values"] == values


def test_groups_override_what_they_inherit(client, seed, settings):
    message = {
        "type": "PostMeterDataRequest",
        "groups": [
            {"connection": "CS 1", "values": [1, 2]},
            {
                "connection": "CS 3",
                "values": [3, 4, 5, 6],
                "start": "2015-01-01T01:00:00Z",
                "duration": "PT1H",
            },
        ],
        "start": START,
        "duration": "PT30M",
        "unit": "MW",
    }
    assert send(client, "POST", "postMeterData", message, seed.mdc).status_code == 200
    assert stored(settings, seed.cs["CS 1"])["event_start_us"].tolist() == quarter_starts(START, 2)
    assert stored(settings, seed.cs["CS 3"])["event_start_us"].tolist() == quarter_starts(
        "2015-01-01T01:00:00Z", 4
    )


def test_flattened_example_posts_one_group_to_both_connections(client, seed, settings):
    message = as_printed(ex.FLATTENED) | {"type": "PostMeterDataRequest"}
    assert send(client, "POST", "postMeterData", message, seed.mdc).status_code == 200
    for name in ("CS 1", "CS 2"):
        read = _read(client, seed.mdc, name, start="2016-05-01T12:45:00Z", duration="PT1H30M")
        assert read["values"] == message["values"]
    assert len(stored(settings, seed.cs["CS 3"])) == 0


def test_values_notation_and_explicit_timeseries_store_the_same_beliefs(client, seed, settings):
    shorthand = as_printed(ex.VALUES_NOTATION) | {
        "type": "PostPrognosisRequest",
        "connection": "CS 1",
        "unit": "MW",
    }
    explicit = as_printed(ex.TIMESERIES_NOTATION) | {
        "type": "PostPrognosisRequest",
        "connection": "CS 3",
        "unit": "MW",
    }
    for message in (shorthand, explicit):
        message["prior"] = "2016-05-01T07:45:00Z"
        assert send(client, "POST", "postPrognosis", message, seed.mdc).status_code == 200
    a, b = stored(settings, seed.cs["CS 1"]), stored(settings, seed.cs["CS 3"])
    for column in ("event_start_us", "event_value", "belief_time_us", "belief_horizon_us"):
        assert a[column].tolist() == b[column].tolist()
    assert a["event_value"].tolist() == [10, 5, 8]
    assert a["event_start_us"].tolist() == quarter_starts("2016-05-01T13:00:00Z", 3)


def test_belief_filter_example_keeps_beliefs_6h_ahead_and_recorded_before_5pm(client, seed):
    """Per event: the most recent prognosis recorded by 17:00 and at least 6 hours before the event ends."""
    start = "2020-08-01T22:00:00Z"  # four quarters ending 22:15 ... 23:00
    base = {
        "type": "PostPrognosisRequest",
        "connection": "CS 1",
        "start": start,
        "duration": "PT1H",
        "unit": "MW",
    }
    for values, prior in (
        ([1] * 4, "10:00"),
        ([2] * 4, "15:00"),
        ([3] * 4, "16:30"),
        ([4] * 4, "17:30"),
    ):
        message = base | {"values": values, "prior": f"2020-08-01T{prior}:00Z"}
        assert send(client, "POST", "postPrognosis", message, seed.mdc).status_code == 200
    filters = as_printed(ex.BELIEF_FILTERS)  # horizon PT6H, prior 17:00
    # By hand: the 16:30 prognosis is 5h45 ahead of 22:15 (too late) but 6h or more ahead of the others;
    # the 17:30 prognosis is after the prior.
    assert _read(client, seed.mdc, "CS 1", start, kind="GetPrognosis", **filters)["values"] == [
        2,
        3,
        3,
        3,
    ]
    assert (
        _read(client, seed.mdc, "CS 1", start, kind="GetPrognosis", prior=filters["prior"])[
            "values"
        ]
        == [3] * 4
    )
    assert _read(client, seed.mdc, "CS 1", start, kind="GetPrognosis")["values"] == [4] * 4


def test_negative_horizon_filter_keeps_beliefs_recorded_at_most_that_long_after_the_fact(
    client, seed
):
    base = {
        "type": "PostMeterDataRequest",
        "connection": "CS 1",
        "start": START,
        "duration": "PT1H",
        "unit": "MW",
    }
    assert (
        send(
            client,
            "POST",
            "postMeterData",
            base | {"values": [1] * 4, "horizon": "-PT5M"},
            seed.mdc,
        ).status_code
        == 200
    )
    assert (
        send(
            client,
            "POST",
            "postMeterData",
            base | {"values": [2] * 4, "horizon": "-PT1H"},
            seed.mdc,
        ).status_code
        == 200
    )
    assert _read(client, seed.mdc, "CS 1", horizon="-PT10M")["values"] == [1] * 4
    assert _read(client, seed.mdc, "CS 1")["values"] == [2] * 4


def _admin_with_id(settings, user_id: int, account_id: int) -> Actor:
    with session_scope(settings.database_url) as session:
        admin = session.scalars(sa.select(Role).where(Role.name == "admin")).one()
        email = f"user{user_id}@example.org"
        user = User(id=user_id, email=email, username=email, account_id=account_id, roles=[admin])
        session.add(user)
        session.flush()
        token = issue_token(user.id, user.token_key, secret_key=settings.secret_key, max_age_s=3600)
    return Actor(user_id, account_id, email, "", {"Authorization": token})


def test_sources_example_selects_data_of_mdc_accounts_or_user_42(client, seed, world, settings):
    """Three sources about the same events, arriving in this order: an MDC member, user 42 (an admin
    of an account without roles) and an admin of a Supplier account."""
    user_42 = _admin_with_id(settings, 42, world.account("Platform"))
    supplier_admin = world.user(world.account("Retailer", roles=["Supplier"]), roles=["admin"])
    prognosis = {"type": "PostPrognosisRequest"}
    assert (
        send(client, "POST", "postMeterData", _meter("CS 1", [1] * 4), seed.mdc).status_code == 200
    )
    assert (
        send(
            client, "POST", "postPrognosis", _meter("CS 1", [2] * 4) | prognosis, user_42
        ).status_code
        == 200
    )
    assert (
        send(
            client, "POST", "postPrognosis", _meter("CS 1", [3] * 4) | prognosis, supplier_admin
        ).status_code
        == 200
    )
    assert _read(client, seed.mdc, "CS 1")["values"] == [3] * 4
    assert (
        _read(client, seed.mdc, "CS 1", **as_printed(ex.SOURCES))["values"] == [2] * 4
    )  # ["MDC", "42"]
    assert _read(client, seed.mdc, "CS 1", sources=["MDC"])["values"] == [1] * 4
    assert _read(client, seed.mdc, "CS 1", source=str(seed.mdc.id))["values"] == [1] * 4
    assert _read(client, seed.mdc, "CS 1", sources=["Supplier", "DSO"])["values"] == [3] * 4
    assert _read(client, seed.mdc, "CS 1", sources=["DSO"])["values"] == [None] * 4


def test_upsampled_30_minute_values_and_downsampled_reads(client, seed, settings):
    """Seed 001: coarser data (30 minutes) are upsampled; seed 003: a GET resolution downsamples (mean power)."""
    message = _meter("CS 1", [4, 8, 6]) | {"duration": "PT1H30M"}
    assert send(client, "POST", "postMeterData", message, seed.mdc).status_code == 200
    assert stored(settings, seed.cs["CS 1"])["event_value"].tolist() == [4, 4, 8, 8, 6, 6]
    assert _read(client, seed.mdc, "CS 1", duration="PT1H30M")["values"] == [4, 4, 8, 8, 6, 6]
    assert _read(client, seed.mdc, "CS 1", duration="PT1H30M", resolution="PT30M")["values"] == [
        4,
        8,
        6,
    ]
    means = _read(client, seed.mdc, "CS 1", duration="PT1H30M", resolution="PT45M")["values"]
    assert means == pytest.approx([16 / 3, 20 / 3], rel=1e-11)  # answers keep 12 significant digits
    # The horizons of the upsampled beliefs follow each 15-minute event.
    rows = stored(settings, seed.cs["CS 1"])
    ends = np.array(quarter_starts(START, 6)) + minutes(15)
    assert rows["belief_horizon_us"].tolist() == (ends - rows["belief_time_us"]).tolist()


def test_reading_a_group_sums_its_connections(client, seed):
    assert (
        send(client, "POST", "postMeterData", _meter("CS 1", [1, 2, 3, 4]), seed.mdc).status_code
        == 200
    )
    assert (
        send(
            client, "POST", "postMeterData", _meter("CS 2", [10, 20, 30, 40]), seed.mdc
        ).status_code
        == 200
    )
    message = {
        "type": "GetMeterDataRequest",
        "connections": ["CS 1", "CS 2"],
        "start": START,
        "duration": "PT1H",
    }
    body = send(client, "GET", "getMeterData", message, seed.mdc).json()
    assert body["values"] == [11, 22, 33, 44]
    groups = {
        "type": "GetMeterDataRequest",
        "groups": [{"connection": "CS 1"}, {"connection": "CS 2"}],
    }
    body = send(
        client, "GET", "getMeterData", groups | {"start": START, "duration": "PT1H"}, seed.mdc
    ).json()
    assert body["groups"] == [
        {"connection": "CS 1", "values": [1, 2, 3, 4]},
        {"connection": "CS 2", "values": [10, 20, 30, 40]},
    ]
    assert body["start"] == START and body["duration"] == "PT1H" and body["unit"] == "MW"


def test_data_posted_through_v3_is_read_through_v1(client, seed):
    res = client.post(
        f"/api/v3_0/sensors/{seed.cs['CS 2']}/data",
        headers=seed.mdc.headers,
        json={"values": [250, -500, 750, 0], "start": START, "duration": "PT1H", "unit": "kW"},
    )
    assert res.status_code == 200
    assert _read(client, seed.mdc, "CS 2")["values"] == [0.25, -0.5, 0.75, 0]


def test_query_string_requests_read_the_same_as_bodies(client, seed):
    assert (
        send(client, "POST", "postMeterData", _meter("CS 1", [1, 2, 3, 4]), seed.mdc).status_code
        == 200
    )
    params = {
        "type": "GetMeterDataRequest",
        "connection": "CS 1",
        "start": START,
        "duration": "PT1H",
        "unit": "MW",
    }
    res = client.get("/api/v1_1/getMeterData", params=params, headers=seed.mdc.headers)
    assert res.json()["values"] == [1, 2, 3, 4]
    res = client.get(
        "/api/v1_1/getMeterData",
        params={**params, "sources": f'["MDC", "{seed.mdc.id}"]'},
        headers=seed.mdc.headers,
    )
    assert res.json()["values"] == [1, 2, 3, 4]


def test_reposting_the_same_values_stores_nothing_new(client, seed, settings):
    message = _meter("CS 1", [1, 2, 3, 4])
    assert send(client, "POST", "postMeterData", message, seed.mdc).json()["status"] == "PROCESSED"
    again = send(client, "POST", "postMeterData", message, seed.mdc)
    assert again.status_code == 200
    assert again.json()["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"
    assert again.json()["type"] == "PostMeterDataResponse"
    assert len(stored(settings, seed.cs["CS 1"])) == 4
    assert us(START) == stored(settings, seed.cs["CS 1"])["event_start_us"][0]
