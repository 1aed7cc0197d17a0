"""Schedules through HTTP on small cases computed by hand: the right numbers reach the engine and come back.

Every case is a battery (or PV, or process) over two or three hourly steps, where
the optimum can be read off the prices. Prices are 100 EUR/MWh then 300 EUR/MWh
unless a test says otherwise: charge in the first hour, discharge in the second.
"""

from __future__ import annotations

import pytest

from tests.api.schedules.helpers import START, at, data, post, schedule

BATTERY = {
    "soc-at-start": "5 kWh",
    "soc-min": "0 kWh",
    "soc-max": "10 kWh",
    "power-capacity": "10 kW",
}


@pytest.fixture
def priced(client, site):
    post(client, site.user.headers, site.price, [100, 300], duration="PT2H", unit="EUR/MWh")
    return site


def _context(site, **extra):
    return {"consumption-price": {"sensor": site.price}, **extra}


def test_two_step_battery_by_hand(client, priced):
    site = priced
    soc = site.sensor(name="soc", unit="kWh", resolution="PT0M")
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model={**BATTERY, "state-of-charge": {"sensor": soc}},
        flex_context=_context(site),
    )
    # Fill up (5 kWh at 0.1 EUR/kWh), then empty all 10 kWh at 0.3 EUR/kWh.
    assert got["values"] == pytest.approx([5.0, -10.0])
    assert (got["start"], got["duration"], got["unit"]) == (START, "PT2H", "kW")
    assert got["costs"]["energy"] == pytest.approx(5 * 0.1 - 10 * 0.3)
    assert got["costs_unit"] == "EUR"
    # Energy balance: SoC moves by what flowed in; the SoC sensor holds every step boundary.
    assert data(client, site.user.headers, soc, duration="PT3H", unit="kWh", resolution="PT1H") == (
        pytest.approx([5.0, 10.0, 0.0])
    )
    stored = data(
        client, site.user.headers, site.power, duration="PT2H", unit="kW", source="scheduler"
    )
    assert stored == pytest.approx([5.0, -10.0])


def test_soc_bounds_and_targets_are_respected(client, priced):
    site = priced
    soc = site.sensor(name="soc", unit="kWh", resolution="PT0M")
    model = {
        **BATTERY,
        "soc-min": "2 kWh",
        "soc-max": "9 kWh",
        "soc-targets": [{"datetime": at(2), "value": "6 kWh"}],
        "state-of-charge": {"sensor": soc},
    }
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context=_context(site),
    )
    # Up to soc-max (9), then down to the 6 kWh target (not to soc-min): +4, -3.
    assert got["values"] == pytest.approx([4.0, -3.0])
    socs = data(client, site.user.headers, soc, duration="PT3H", unit="kWh", resolution="PT1H")
    assert socs == pytest.approx([5.0, 9.0, 6.0])


def test_range_minima_from_segments(client, priced):
    site = priced
    model = {**BATTERY, "soc-minima": [{"start": at(1), "end": at(2), "value": "4 kWh"}]}
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context=_context(site),
    )
    assert got["values"] == pytest.approx([5.0, -6.0])  # keeps 4 kWh at both step ends in the range


def test_site_limit_with_inflexible_consumption(client, priced):
    site = priced
    load = site.sensor(site.building, name="load", unit="kW", resolution="PT1H")
    post(client, site.user.headers, load, [3, 3], duration="PT2H", unit="kW")
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model={**BATTERY, "soc-at-start": "0 kWh"},
        flex_context=_context(
            site, **{"inflexible-device-sensors": [load], "site-power-capacity": "5 kW"}
        ),
    )
    # 5 kW connection minus 3 kW load leaves 2 kW to charge; then the 2 kWh go out.
    assert got["values"] == pytest.approx([2.0, -2.0])
    assert got["costs"]["energy"] == pytest.approx(5 * 0.1 + 1 * 0.3)  # site power 5 kW, then 1 kW


def test_inflexible_production_sensor_with_negative_values_is_netted(client, priced):
    site = priced
    pv = site.sensor(site.building, name="pv", unit="kW", resolution="PT1H")
    post(client, site.user.headers, pv, [-4, 0], duration="PT2H", unit="kW")
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model={**BATTERY, "soc-at-start": "0 kWh"},
        flex_context=_context(
            site, **{"inflexible-device-sensors": [pv], "site-consumption-capacity": "1 kW"}
        ),
    )
    # 4 kW of PV plus 1 kW import: the battery charges 5 kW; then sells 5 kWh.
    assert got["values"] == pytest.approx([5.0, -5.0])


def test_two_batteries_share_one_connection(client, priced):
    site = priced
    second = site.world.asset(site.account, "battery 2", parent_asset_id=site.building)
    power2 = site.sensor(second, name="battery 2 power", unit="kW", resolution="PT1H")
    model = {**BATTERY, "soc-at-start": "0 kWh"}
    body = {
        "duration": "PT2H",
        "flex_model": [{**model, "sensor": site.power}, {**model, "sensor": power2}],
        "flex_context": _context(site, **{"site-consumption-capacity": "12 kW"}),
    }
    first = schedule(client, site.user.headers, site.power, asset=site.building, **body)
    other = schedule(
        client, site.user.headers, site.power, asset=site.building, read=power2, **body
    )
    step1 = first["values"][0] + other["values"][0]
    assert step1 == pytest.approx(12.0)  # together no more than the connection allows
    assert max(first["values"][0], other["values"][0]) <= 10 + 1e-6
    assert first["values"][1] + other["values"][1] == pytest.approx(-12.0)
    assert first["costs"]["energy"] == pytest.approx(12 * 0.1 - 12 * 0.3)


def _sequential_case(client, site):
    post(client, site.user.headers, site.price, [100, 200, 1000], duration="PT3H", unit="EUR/MWh")
    second = site.world.asset(site.account, "urgent", parent_asset_id=site.building)
    urgent = site.sensor(second, name="urgent power", unit="kW", resolution="PT1H")
    flexible = {**BATTERY, "soc-at-start": "0 kWh", "sensor": site.power}
    needs_now = {
        **flexible,
        "sensor": urgent,
        "soc-targets": [{"datetime": at(1), "value": "10 kWh"}],
    }
    context = _context(site, **{"site-consumption-capacity": "10 kW"})
    return urgent, flexible, needs_now, context


def test_joint_scheduling_gives_the_connection_to_the_urgent_device(client, site):
    urgent, flexible, needs_now, context = _sequential_case(client, site)
    body = {"duration": "PT3H", "flex_model": [flexible, needs_now], "flex_context": context}
    h = site.user.headers
    assert schedule(client, h, site.power, asset=site.building, read=urgent, **body)[
        "values"
    ] == pytest.approx([10.0, 0.0, -10.0])
    assert schedule(client, h, site.power, asset=site.building, **body)["values"] == pytest.approx(
        [0.0, 10.0, -10.0]
    )


def test_sequential_scheduling_follows_the_given_order(client, site):
    urgent, flexible, needs_now, context = _sequential_case(client, site)
    h = site.user.headers
    # Urgent first: it takes hour 1, the flexible battery gets hour 2 (as jointly).
    body = {
        "duration": "PT3H",
        "sequential": True,
        "flex_model": [needs_now, flexible],
        "flex_context": context,
    }
    assert schedule(client, h, site.power, asset=site.building, **body)["values"] == pytest.approx(
        [0.0, 10.0, -10.0]
    )
    # Flexible first: it takes the cheapest hour and leaves the urgent device no room for its target.
    body["flex_model"] = [flexible, needs_now]
    res = client.post(
        f"/api/v3_0/assets/{site.building}/schedules/trigger",
        headers=h,
        json={"start": START, **_dashed(body)},
    )
    from tests.api.schedules.helpers import wait_schedule

    failed = wait_schedule(client, h, site.power, res.json()["schedule"])
    assert failed.status_code == 400 and failed.json()["status"] == "UNKNOWN_SCHEDULE"
    assert "soc-targets" in failed.json()["message"]


def _dashed(body):
    return {k.replace("_", "-"): v for k, v in body.items()}


def test_sign_convention_of_the_sensor_and_of_the_request(client, priced):
    site = priced
    flipped = site.sensor(
        name="discharging",
        unit="kW",
        resolution="PT1H",
        attributes={"consumption_is_positive": False},
    )
    body = {"duration": "PT2H", "flex_model": BATTERY, "flex_context": _context(site)}
    stored = schedule(client, site.user.headers, flipped, **body)
    assert stored["values"] == pytest.approx([-5.0, 10.0])  # the sensor's own convention
    h = site.user.headers
    assert data(client, h, flipped, duration="PT2H", unit="kW") == pytest.approx([-5.0, 10.0])
    consumption = schedule(
        client, h, flipped, params={"sign-convention": "consumption-positive"}, **body
    )
    assert consumption["values"] == pytest.approx([5.0, -10.0])
    normal = schedule(
        client, h, site.power, params={"sign-convention": "production-positive"}, **body
    )
    assert normal["values"] == pytest.approx([-5.0, 10.0])


def test_units_are_converted_on_the_way_in_and_out(client, site):
    mw = site.sensor(name="power MW", unit="MW", resolution="PT1H")
    prices = [
        {"start": START, "duration": "PT1H", "value": "0.1 EUR/kWh"},
        {"start": at(1), "end": at(2), "value": "300 EUR/MWh"},
    ]
    model = {"soc-unit": "MWh", "soc-at-start": 0.005, "soc-max": 0.01, "power-capacity": "10000 W"}
    got = schedule(
        client,
        site.user.headers,
        mw,
        duration="PT2H",
        flex_model=model,
        flex_context={"consumption-price": prices},
        params={"unit": "kW"},
    )
    assert got["values"] == pytest.approx([5.0, -10.0]) and got["unit"] == "kW"
    assert data(client, site.user.headers, mw, duration="PT2H", unit="MW") == pytest.approx(
        [0.005, -0.01]
    )


def test_charging_efficiency_shows_in_the_state_of_charge(client, priced):
    site = priced
    soc = site.sensor(name="soc", unit="kWh", resolution="PT0M")
    model = {
        "soc-at-start": "0 kWh",
        "soc-max": "9 kWh",
        "power-capacity": "10 kW",
        "charging-efficiency": "90%",
        "discharging-efficiency": 1,
        "state-of-charge": {"sensor": soc},
    }
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context=_context(site),
    )
    assert got["values"] == pytest.approx([10.0, -9.0])
    assert data(
        client, site.user.headers, soc, duration="PT3H", unit="kWh", resolution="PT1H"
    ) == pytest.approx([0.0, 9.0, 0.0])


def test_heat_pump_cop_and_heat_usage(client, site):
    post(client, site.user.headers, site.price, [300, 100], duration="PT2H", unit="EUR/MWh")
    model = {
        "soc-at-start": "10 kWh",
        "soc-max": "100 kWh",
        "soc-targets": [{"datetime": at(2), "value": "10 kWh"}],
        "charging-efficiency": "4",
        "soc-usage": ["2 kW"],
        "power-capacity": "10 kW",
        "production-capacity": "0 kW",
    }
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context=_context(site),
    )
    # 4 kWh of heat used over two hours, made back at COP 4 in the cheap hour: 1 kW.
    assert got["values"] == pytest.approx([0.0, 1.0])


def test_storage_efficiency_is_per_sensor_step_and_scaled_to_the_schedule(client, priced):
    site = priced
    half_hourly = site.sensor(name="30 min", unit="kW", resolution="PT30M")
    model = {
        "soc-at-start": "8 kWh",
        "soc-max": "10 kWh",
        "power-capacity": "10 kW",
        "consumption-capacity": "0 kW",
        "storage-efficiency": "50%",
    }
    got = schedule(
        client,
        site.user.headers,
        half_hourly,
        duration="PT2H",
        resolution="PT1H",
        flex_model=model,
        flex_context=_context(site),
    )
    # Per hour 25% is kept: 2 kWh left after hour 1 is worth more sold now (0.1) than 0.5 kWh later (0.3).
    assert got["values"] == pytest.approx([-2.0, -2.0, 0.0, 0.0])


def test_coarser_resolution_repeats_setpoints_at_the_sensor_resolution(client, priced):
    site = priced
    quarter = site.sensor(name="15 min", unit="kW", resolution="PT15M")
    got = schedule(
        client,
        site.user.headers,
        quarter,
        duration="PT2H",
        resolution="PT1H",
        flex_model=BATTERY,
        flex_context=_context(site),
    )
    assert got["values"] == pytest.approx([5.0] * 4 + [-10.0] * 4)


def test_pv_is_curtailed_at_negative_prices(client, site):
    post(client, site.user.headers, site.price, [100, -50], duration="PT2H", unit="EUR/MWh")
    solar = site.world.asset(site.account, "pv", type_name="solar", parent_asset_id=site.building)
    pv = site.sensor(solar, name="pv power", unit="kW", resolution="PT1H")
    model = {
        "sensor": pv,
        "consumption-capacity": "0 kW",
        "production-capacity": [{"start": START, "duration": "PT2H", "value": "5 kW"}],
    }
    got = schedule(
        client,
        site.user.headers,
        pv,
        asset=site.building,
        duration="PT2H",
        flex_model=[model],
        flex_context=_context(site),
    )
    assert got["values"] == pytest.approx([-5.0, 0.0])


@pytest.mark.parametrize(
    ("kind", "duration", "expected"),
    [
        ("SHIFTABLE", "PT1H", [0, 10, 0]),
        ("BREAKABLE", "PT2H", [0, 10, 10]),
        ("INFLEXIBLE", "PT1H", [10, 0, 0]),
    ],
)
def test_process_loads_run_in_the_cheapest_hours(client, site, kind, duration, expected):
    post(client, site.user.headers, site.price, [300, 100, 200], duration="PT3H", unit="EUR/MWh")
    model = {"power": "10 kW", "duration": duration, "process-type": kind}
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT3H",
        flex_model=model,
        flex_context=_context(site),
    )
    assert got["values"] == pytest.approx(expected)


def test_prior_sets_the_belief_time_and_the_knowledge_cut_off(client, site):
    h = site.user.headers
    early = "2025-12-01T00:00:00+00:00"
    post(client, h, site.price, [100, 300], duration="PT2H", unit="EUR/MWh", prior=early)
    post(client, h, site.price, [300, 100], duration="PT2H", unit="EUR/MWh")  # known later (now)
    body = {"duration": "PT2H", "flex_model": BATTERY, "flex_context": _context(site)}
    prior = "2025-12-02T00:00:00+00:00"
    assert schedule(client, h, site.power, prior=prior, **body)["values"] == pytest.approx(
        [5.0, -10.0]
    )
    # Recorded at the prior: visible with that prior, not a second before.
    assert data(client, h, site.power, duration="PT2H", unit="kW", prior=prior) == pytest.approx(
        [5.0, -10.0]
    )
    assert data(
        client, h, site.power, duration="PT2H", unit="kW", prior="2025-12-01T23:59:59+00:00"
    ) == [None, None]
    assert schedule(client, h, site.power, **body)["values"] == pytest.approx(
        [-5.0, 0.0]
    )  # today's prices


def test_two_schedules_with_the_same_prior_are_both_kept(client, site):
    h = site.user.headers
    post(
        client,
        h,
        site.price,
        [100, 300],
        duration="PT2H",
        unit="EUR/MWh",
        prior="2025-12-01T00:00:00+00:00",
    )
    prior = "2025-12-02T00:00:00+00:00"
    body = {"duration": "PT2H", "prior": prior, "flex_context": _context(site)}
    assert schedule(client, h, site.power, flex_model=BATTERY, **body)["values"] == pytest.approx(
        [5.0, -10.0]
    )
    emptier = {**BATTERY, "soc-at-start": "2 kWh"}
    assert schedule(client, h, site.power, flex_model=emptier, **body)["values"] == pytest.approx(
        [8.0, -10.0]
    )


def test_flex_context_is_inherited_and_overridable(client, site):
    world = site.world
    portfolio = world.asset(site.account, "portfolio", type_name="building")
    prices = world.sensor(portfolio, "portfolio prices", unit="EUR/MWh", resolution="PT1H")
    post(client, site.user.headers, prices, [100, 300], duration="PT2H", unit="EUR/MWh")
    res = client.patch(
        f"/api/v3_0/assets/{site.building}",
        headers=site.user.headers,
        json={"parent_asset_id": portfolio, "flex_context": {"site-power-capacity": "3 kW"}},
    )
    assert res.status_code == 200, res.json()
    client.patch(
        f"/api/v3_0/assets/{portfolio}",
        headers=site.user.headers,
        json={
            "flex_context": {
                "consumption-price": {"sensor": prices},
                "site-power-capacity": "100 kW",
            }
        },
    )
    model = {**BATTERY, "soc-at-start": "0 kWh"}
    inherited = schedule(client, site.user.headers, site.power, duration="PT2H", flex_model=model)
    assert inherited["values"] == pytest.approx([3.0, -3.0])  # portfolio prices, building capacity
    override = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context={"site-power-capacity": "1 kW"},
    )
    assert override["values"] == pytest.approx([1.0, -1.0])


def test_flex_model_stored_on_the_asset_is_used_and_overridable(client, priced):
    site = priced
    res = client.patch(
        f"/api/v3_0/assets/{site.battery}",
        headers=site.user.headers,
        json={"flex_model": {"soc-max": "10 kWh", "power-capacity": "10 kW"}},
    )
    assert res.status_code == 200, res.json()
    body = {"duration": "PT2H", "flex_context": _context(site)}
    got = schedule(
        client, site.user.headers, site.power, flex_model={"soc-at-start": "5 kWh"}, **body
    )
    assert got["values"] == pytest.approx([5.0, -10.0])
    smaller = schedule(
        client,
        site.user.headers,
        site.power,
        flex_model={"soc-at-start": "5 kWh", "power-capacity": "4 kW"},
        **body,
    )
    assert smaller["values"] == pytest.approx([-1.0, -4.0])  # only 4 kWh fit in the dear hour


def test_targets_beyond_the_duration_extend_the_schedule(client, site):
    post(client, site.user.headers, site.price, [100, 300, 200], duration="PT3H", unit="EUR/MWh")
    model = {**BATTERY, "soc-targets": [{"datetime": at(3), "value": "10 kWh"}]}
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT1H",
        flex_model=model,
        flex_context=_context(site),
    )
    # Three hours are planned (not one): sell in the dear hour, end full.
    assert got["duration"] == "PT3H"
    assert got["values"] == pytest.approx([5.0, -10.0, 10.0])


def test_carbon_price_adds_emissions_cost(client, site):
    post(client, site.user.headers, site.price, [100, 100], duration="PT2H", unit="EUR/MWh")
    intensity = site.sensor(site.building, name="intensity", unit="gCO2eq/kWh", resolution="PT1H")
    post(client, site.user.headers, intensity, [500, 100], duration="PT2H", unit="gCO2eq/kWh")
    model = {
        **BATTERY,
        "soc-at-start": "10 kWh",
        "soc-targets": [{"datetime": at(2), "value": "10 kWh"}],
    }
    context = _context(
        site, **{"co2-price": "100 EUR/tCO2", "carbon-intensity": {"sensor": intensity}}
    )
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context=context,
    )
    # Same energy price; exporting in the dirty hour and importing (back to full) in the clean one saves CO2.
    assert got["values"] == pytest.approx([-10.0, 10.0])
    assert got["costs"]["emissions"] == pytest.approx(0.1 * (0.5 * -10 + 0.1 * 10))
    assert got["costs"]["energy"] == pytest.approx(0.0)


def test_legacy_price_sensor_field_and_soc_gain(client, priced):
    site = priced
    model = {
        "soc-at-start": "0 kWh",
        "soc-max": "10 kWh",
        "power-capacity": "10 kW",
        "soc-gain": ["2 kW"],
    }
    got = schedule(
        client,
        site.user.headers,
        site.power,
        duration="PT2H",
        flex_model=model,
        flex_context={"consumption-price-sensor": site.price},
    )
    # 2 kWh gained each hour: charge 6 (8 kWh after hour 1), so that with 2 more the dear hour sells 10.
    assert got["values"] == pytest.approx([6.0, -10.0])
