"""GET /api/v3_0/assets/{id}/chart, /chart_data and /kpis (seed 004), and the chart page script."""

from __future__ import annotations

import pytest

from tests.api.belief_helpers import body, owned_sensor, us

START = "2026-11-23T00:00:00+01:00"
WINDOW = {"event_starts_after": START, "event_ends_before": "2026-11-23T02:00:00+01:00"}


@pytest.fixture
def site(client, world):
    """An asset with a power sensor and a price sensor; its charts show both panels."""
    owned = owned_sensor(world, unit="kW", resolution="PT1H", roles=["account-admin"])
    price = world.sensor(owned.asset_id, name="price", unit="EUR/MWh", resolution="PT1H")
    headers = owned.headers
    for sensor_id, values, unit in (
        (owned.sensor_id, [5.0, 7.0], "kW"),
        (price, [40.0, 60.0], "EUR/MWh"),
    ):
        res = client.post(
            f"/api/v3_0/sensors/{sensor_id}/data",
            headers=headers,
            json=body(values, START, "PT2H", unit, prior="2026-11-22T00:00:00+00:00"),
        )
        assert res.status_code == 200, res.text
    # A later belief about the first hour of power: the most recent one wins.
    res = client.post(
        owned.url,
        headers=headers,
        json=body([6.0], START, "PT1H", "kW", prior="2026-11-22T12:00:00+00:00"),
    )
    assert res.status_code == 200, res.text
    res = client.patch(
        f"/api/v3_0/assets/{owned.asset_id}",
        headers=headers,
        json={
            "flex_context": {"consumption-price": {"sensor": price}},
            "sensors_to_show": [
                {"title": "Power", "plots": [{"sensor": owned.sensor_id}]},
                {
                    "title": "Prices",
                    "plots": [{"asset": owned.asset_id, "flex-context": "consumption-price"}],
                },
            ],
            "sensors_to_show_as_kpis": [
                {"title": "Energy", "sensor": owned.sensor_id, "function": "sum"},
                {"title": "Top price", "sensor": price, "function": "max"},
            ],
        },
    )
    assert res.status_code == 200, res.text
    return owned, price


def test_chart_data_gives_the_most_recent_belief_per_event(client, site):
    owned, price = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart_data", headers=owned.headers, params=WINDOW
    )
    assert res.status_code == 200, res.text
    got = {(r["sensor"]["id"], r["event_start"]): r["event_value"] for r in res.json()}
    first = us(START) // 1000
    assert got == {
        (owned.sensor_id, first): 6.0,
        (owned.sensor_id, first + 3_600_000): 7.0,
        (price, first): 40.0,
        (price, first + 3_600_000): 60.0,
    }
    record = res.json()[0]
    assert record["event_end"] - record["event_start"] == 3_600_000
    assert record["sensor"]["unit"] in ("kW", "EUR/MWh") and record["source"]["name"]


def test_chart_data_can_give_every_belief_compressed(client, site):
    owned, _ = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart_data",
        headers=owned.headers,
        params={**WINDOW, "most_recent_beliefs_only": "false", "compress_json": "true"},
    )
    assert res.status_code == 200, res.text
    payload = res.json()
    mine = sorted(
        (r["event_start"], r["event_value"], r["belief_horizon"])
        for r in payload["data"]
        if r["sensor"] == owned.sensor_id
    )
    first = us(START) // 1000
    # Horizons count back from knowledge time, the end of each (metered) hour: the
    # beliefs recorded at the prior were 24 h and 12 h ahead of the first hour's end,
    # 25 h ahead of the second's.
    assert mine == [
        (first, 5.0, 24 * 3600.0),
        (first, 6.0, 12 * 3600.0),
        (first + 3_600_000, 7.0, 25 * 3600.0),
    ]
    assert payload["sensors"][str(owned.sensor_id)]["name"] == "power"
    assert {s["id"] for s in payload["sources"].values()} == {r["source"] for r in payload["data"]}


def test_chart_data_leaves_out_sensors_the_user_may_not_read(client, world, site):
    owned, _ = site
    stranger = world.sensor(world.asset(world.account()), name="secret", resolution="PT1H")
    res = client.patch(
        f"/api/v3_0/assets/{owned.asset_id}",
        headers=owned.headers,
        json={"sensors_to_show": [stranger, owned.sensor_id]},
    )
    assert res.status_code == 200, res.text
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart_data", headers=owned.headers, params=WINDOW
    )
    assert {r["sensor"]["id"] for r in res.json()} == {owned.sensor_id}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"event_starts_after": "yesterday"}, "event_starts_after"),
        ({**WINDOW, "event_ends_before": START}, "event_ends_before"),
        (
            {
                **WINDOW,
                "beliefs_after": "2026-11-23T00:00:00Z",
                "beliefs_before": "2026-11-22T00:00:00Z",
            },
            "beliefs_before",
        ),
    ],
)
def test_chart_data_rejects_bad_windows_naming_the_field(client, site, params, field):
    owned, _ = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart_data", headers=owned.headers, params=params
    )
    assert res.status_code == 422, res.text
    assert field in res.text


def test_chart_is_a_vega_lite_spec_with_one_panel_per_entry(client, site):
    owned, price = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart",
        headers=owned.headers,
        params={**WINDOW, "include_data": "true", "chart_type": "bar_chart", "height": "150"},
    )
    assert res.status_code == 200, res.text
    spec = res.json()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    assert [p["title"] for p in spec["vconcat"]] == ["Power", "Prices"]
    assert spec["vconcat"][1]["transform"][0]["filter"]["oneOf"] == [price]
    assert {p["mark"]["type"] for p in spec["vconcat"]} == {"bar"}
    assert spec["vconcat"][0]["height"] == 150
    assert len(spec["data"]["values"]) == 4
    without = client.get(f"/api/v3_0/assets/{owned.asset_id}/chart", headers=owned.headers).json()
    assert without["data"] == {"name": f"asset_{owned.asset_id}"}


@pytest.mark.parametrize(
    ("params", "field"), [({"chart_type": "pie"}, "chart_type"), ({"width": "wide"}, "width")]
)
def test_chart_rejects_unknown_options(client, site, params, field):
    owned, _ = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart", headers=owned.headers, params=params
    )
    assert res.status_code == 422 and field in res.text


def test_chart_for_a_browser_is_a_page_that_draws_offline(client, site):
    owned, _ = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/chart",
        headers={**owned.headers, "Accept": "text/html"},
        params=WINDOW,
    )
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    # scripts named with their server: a page saved to a file still finds them
    assert '<script src="http://testserver/ui/vega-embed.js">' in res.text
    assert '<script src="http://testserver/ui/chart-page.js" defer>' in res.text  # no inline code
    assert '"event_value":6.0' in res.text  # the data travels with the page
    script = client.get("/ui/vega-embed.js")
    assert (
        script.status_code == 200 and "vegaEmbed" in script.text and "http" not in script.text[:200]
    )


def test_kpis_summarise_the_window(client, site):
    owned, price = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/kpis",
        headers=owned.headers,
        params={"start": START, "end": "2026-11-23T02:00:00+01:00"},
    )
    assert res.status_code == 200, res.text
    assert res.json() == {
        "data": [
            {
                "sensor": owned.sensor_id,
                "title": "Energy",
                "unit": "kW",
                "downsample_value": 13.0,
                "downsample_function": "sum",
            },
            {
                "sensor": price,
                "title": "Top price",
                "unit": "EUR/MWh",
                "downsample_value": 60.0,
                "downsample_function": "max",
            },
        ]
    }


def test_kpis_need_a_window(client, site):
    owned, _ = site
    res = client.get(
        f"/api/v3_0/assets/{owned.asset_id}/kpis", headers=owned.headers, params={"start": START}
    )
    assert res.status_code == 422 and "end" in res.text


@pytest.mark.parametrize("path", ["chart", "chart_data", "kpis"])
def test_charts_are_refused_to_strangers_and_anonymous_callers(client, world, site, path):
    owned, _ = site
    stranger = world.user(world.account())
    params = {"start": START, "end": "2026-11-23T02:00:00+01:00"}
    url = f"/api/v3_0/assets/{owned.asset_id}/{path}"
    assert client.get(url, params=params).status_code == 401
    assert client.get(url, headers=stranger.headers, params=params).status_code == 403
