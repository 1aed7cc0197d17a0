"""Every bad trigger is refused at once with a 422 that names the field (where the reference accepted it,
answered 500, or only failed later in the worker)."""

from __future__ import annotations

import copy
from typing import Any

from tests.api.schedules.helpers import START, at, trigger

MODEL = {
    "soc-at-start": "225 kWh",
    "soc-min": "45 kWh",
    "soc-max": "405 kWh",
    "power-capacity": "500 kW",
}


def _base(site: Any, quarter: int) -> dict[str, Any]:
    return {
        "start": START,
        "duration": "PT48H",
        "flex-model": dict(MODEL),
        "flex-context": {"consumption-price": {"sensor": site.price}},
    }


def _set(path: str, value: Any):  # noqa: ANN202
    """A change to the base body: 'a.b' sets body[a][b]; value None deletes it."""

    def change(body: dict[str, Any], site: Any, quarter: int) -> None:
        *parents, key = path.split(".")
        target = body
        for part in parents:
            target = target[part]
        resolved = value(site, quarter) if callable(value) else value
        if resolved is None:
            target.pop(key, None)
        else:
            target[key] = resolved

    return change


CASES = {
    # The reference's own bad-input cases (C.19-C.24, F.4):
    "soc-at-start above soc-max (C.19)": (
        _set("flex-model.soc-at-start", "500 kWh"),
        "soc-at-start",
    ),
    "unknown flex-model field (C.20)": (_set("flex-model.soc-foo", "1 kWh"), "soc-foo"),
    "soc in kW (C.21)": (_set("flex-model.soc-at-start", "225 kW"), "soc-at-start"),
    "missing start (C.22)": (_set("start", None), "start"),
    "price sensor that does not exist (C.23)": (
        _set("flex-context.consumption-price", {"sensor": 999999}),
        "consumption-price",
    ),
    "duration past the maximum number of steps (C.24)": (_set("duration", "P27D"), "duration"),
    "resolution incompatible with the sensor (F.4)": (_set("resolution", "PT20M"), "resolution"),
    # More of the same kind:
    "naive start": (_set("start", "2026-01-05T00:00:00"), "start"),
    "start off the resolution grid": (_set("start", "2026-01-05T00:07:00+00:00"), "start"),
    "duration not a whole number of steps": (_set("duration", "PT50M"), "duration"),
    "finer resolution than the sensor": (_set("resolution", "PT5M"), "resolution"),
    "prior without offset": (_set("prior", "2026-01-01T00:00:00"), "prior"),
    "unknown top-level field": (_set("scheduler", "MyScheduler"), "scheduler"),
    "unknown flex-context field": (_set("flex-context.site-foo", "1 kW"), "site-foo"),
    "missing consumption price": (
        _set("flex-context.consumption-price", None),
        "consumption-price",
    ),
    "price in kW": (_set("flex-context.consumption-price", "3 kW"), "consumption-price"),
    "price sensor in the wrong unit": (
        _set("flex-context.consumption-price", lambda s, q: {"sensor": q}),
        "consumption-price",
    ),
    "production price in another currency": (
        _set("flex-context.production-price", "0.1 USD/kWh"),
        "production-price",
    ),
    "breach price per kWh": (
        _set("flex-context.site-consumption-breach-price", "1 EUR/kWh"),
        "site-consumption-breach-price",
    ),
    "bare number capacity": (_set("flex-model.power-capacity", 10), "power-capacity"),
    "negative capacity": (_set("flex-model.consumption-capacity", "-1 kW"), "consumption-capacity"),
    "round trip above 100%": (
        _set("flex-model.roundtrip-efficiency", "120%"),
        "roundtrip-efficiency",
    ),
    "storage efficiency of zero": (_set("flex-model.storage-efficiency", 0), "storage-efficiency"),
    "soc-min above soc-max": (_set("flex-model.soc-min", "500 kWh"), "soc-min"),
    "bad soc-unit": (_set("flex-model.soc-unit", "GJ"), "soc-unit"),
    "bare SoC number without soc-unit": (_set("flex-model.soc-max", 400), "soc-max"),
    "target off the step grid": (
        _set(
            "flex-model.soc-targets",
            [{"datetime": "2026-01-05T01:07:00+00:00", "value": "300 kWh"}],
        ),
        "soc-targets",
    ),
    "target too far ahead": (
        _set(
            "flex-model.soc-targets",
            [{"datetime": "2026-06-05T00:00:00+00:00", "value": "300 kWh"}],
        ),
        "soc-targets",
    ),
    "segment without end": (
        _set("flex-model.soc-minima", [{"start": START, "value": "50 kWh"}]),
        "soc-minima",
    ),
    "segment with a bad value": (
        _set("flex-model.soc-minima", [{"start": START, "duration": "PT1H", "value": "fifty"}]),
        "soc-minima",
    ),
    "segment ending before it starts": (
        _set("flex-model.power-capacity", [{"start": at(2), "end": at(1), "value": "1 kW"}]),
        "power-capacity",
    ),
    "datetime segment for a per-step field": (
        _set("flex-model.power-capacity", [{"datetime": at(1), "value": "1 kW"}]),
        "power-capacity",
    ),
    "sensor reference with extra keys": (
        _set(
            "flex-context.consumption-price",
            lambda s, q: {"sensor": s.price, "default": "1 EUR/kWh"},
        ),
        "consumption-price",
    ),
    "efficiency flag that is not a boolean": (
        _set("flex-model.prefer-charging-sooner", "yes"),
        "prefer-charging-sooner",
    ),
    "inflexible sensor that is not a power sensor": (
        _set("flex-context.inflexible-device-sensors", lambda s, q: [s.price]),
        "inflexible-device-sensors",
    ),
    "co2 price without intensity": (
        _set("flex-context.co2-price", "100 EUR/tCO2"),
        "carbon-intensity",
    ),
    "flex-model as a list at the sensor endpoint": (
        _set("flex-model", lambda s, q: [dict(MODEL)]),
        "flex-model",
    ),
    "flex-model of another sensor": (_set("flex-model.sensor", 999), "sensor"),
    "state-of-charge sensor that does not exist": (
        _set("flex-model.state-of-charge", {"sensor": 999999}),
        "state-of-charge",
    ),
    "state-of-charge sensor that is not energy": (
        _set("flex-model.state-of-charge", lambda s, q: {"sensor": s.price}),
        "state-of-charge",
    ),
    "storage without soc-at-start": (_set("flex-model.soc-at-start", None), "soc-at-start"),
    "process with an unknown type": (
        _set("flex-model", {"power": "10 kW", "duration": "PT1H", "process-type": "SOMETIMES"}),
        "process-type",
    ),
    "process without power": (_set("flex-model", {"duration": "PT1H"}), "power"),
    "process with a storage field": (
        _set("flex-model", {"power": "10 kW", "duration": "PT1H", "soc-max": "1 kWh"}),
        "soc-max",
    ),
}


def test_every_bad_trigger_is_422_naming_the_field(client, site):
    """One site, one request per case; all wrong answers are reported together."""
    quarter = site.sensor(name="quarter-hourly", unit="kW", resolution="PT15M")
    wrong = {}
    for case, (change, field) in CASES.items():
        body = copy.deepcopy(_base(site, quarter))
        change(body, site, quarter)
        res = client.post(
            f"/api/v3_0/sensors/{quarter}/schedules/trigger", headers=site.user.headers, json=body
        )
        answer = res.json()
        named = (
            list(answer.get("message", {}).get("json", {}))
            if isinstance(answer.get("message"), dict)
            else None
        )
        if res.status_code != 422 or answer["status"] != "UNPROCESSABLE_ENTITY" or named != [field]:
            wrong[case] = (res.status_code, answer)
    assert wrong == {}


def test_unknown_field_message_names_the_device(client, site):
    body = _base(site, 0)
    body["flex-model"]["soc-foo"] = "1 kWh"
    res = client.post(
        f"/api/v3_0/sensors/{site.power}/schedules/trigger", headers=site.user.headers, json=body
    )
    assert res.json()["message"] == {
        "json": {"soc-foo": [f"battery power (sensor {site.power}): Unknown field."]}
    }


def test_missing_start_message_matches_the_reference(client, site):
    body = _base(site, 0)
    del body["start"]
    res = client.post(
        f"/api/v3_0/sensors/{site.power}/schedules/trigger", headers=site.user.headers, json=body
    )
    assert res.json()["message"] == {"json": {"start": ["Missing data for required field."]}}


def test_body_that_is_not_json_is_422(client, site):
    res = client.post(
        f"/api/v3_0/sensors/{site.power}/schedules/trigger",
        headers={**site.user.headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert res.status_code == 422


ASSET_CASES = {
    "no flex-model": (None, "flex-model"),
    "empty list": ([], "flex-model"),
    "device without sensor": ([dict(MODEL)], "sensor"),
    "sensor outside the asset": ("outside", "sensor"),
    "unknown sensor": ([{**MODEL, "sensor": 999999}], "sensor"),
    "same sensor twice": ("twice", "sensor"),
    "one state-of-charge sensor for two devices": ("shared soc", "state-of-charge"),
}


def test_every_bad_asset_trigger_is_422_naming_the_field(client, site):
    elsewhere = site.world.asset(site.account, "elsewhere")
    outside = site.world.sensor(elsewhere, resolution="PT1H")
    outside_ok = site.world.sensor(site.battery, "second power", resolution="PT1H")
    soc = site.world.sensor(site.battery, "soc", unit="kWh", resolution="PT0M")
    models = {
        "outside": [{**MODEL, "sensor": outside}],
        "twice": [{**MODEL, "sensor": site.power}, {**MODEL, "sensor": site.power}],
        "shared soc": [
            {**MODEL, "sensor": site.power, "state-of-charge": {"sensor": soc}},
            {**MODEL, "sensor": outside_ok, "state-of-charge": {"sensor": soc}},
        ],
    }
    wrong = {}
    for case, (model, field) in ASSET_CASES.items():
        body = {
            **_base(site, 0),
            "flex-model": models.get(model, model) if isinstance(model, str) else model,
        }
        if model is None:
            del body["flex-model"]
        res = client.post(
            f"/api/v3_0/assets/{site.building}/schedules/trigger",
            headers=site.user.headers,
            json=body,
        )
        if res.status_code != 422 or list(res.json()["message"]["json"]) != [field]:
            wrong[case] = (res.status_code, res.json())
    assert wrong == {}


def test_state_of_charge_sensor_with_an_incompatible_resolution(client, site):
    soc = site.sensor(name="soc 20 min", unit="kWh", resolution="PT20M")
    body = _base(site, 0)
    body["flex-model"]["state-of-charge"] = {"sensor": soc}
    res = trigger(
        client,
        site.user.headers,
        sensor=site.power,
        **{k.replace("-", "_"): v for k, v in body.items()},
    )
    assert res.status_code == 422 and list(res.json()["message"]["json"]) == ["state-of-charge"]


def test_soc_sensor_that_may_be_read_but_not_written_is_403(client, site):
    public = site.world.sensor(site.world.asset(None, "public"), unit="kWh", resolution="PT0M")
    body = _base(site, 0)
    body["flex-model"]["state-of-charge"] = {"sensor": public}
    res = client.post(
        f"/api/v3_0/sensors/{site.power}/schedules/trigger", headers=site.user.headers, json=body
    )
    assert res.status_code == 403 and res.json()["status"] == "INVALID_SENDER"


def test_soc_sensor_of_another_account_is_unknown_to_the_user(client, site):
    foreign = site.world.sensor(
        site.world.asset(site.world.account()), unit="kWh", resolution="PT0M"
    )
    body = _base(site, 0)
    body["flex-model"]["state-of-charge"] = {"sensor": foreign}
    res = client.post(
        f"/api/v3_0/sensors/{site.power}/schedules/trigger", headers=site.user.headers, json=body
    )
    assert res.status_code == 422 and list(res.json()["message"]["json"]) == ["state-of-charge"]


def test_a_sensor_that_is_not_power_cannot_be_scheduled(client, site):
    res = client.post(
        f"/api/v3_0/sensors/{site.price}/schedules/trigger",
        headers=site.user.headers,
        json=_base(site, 0),
    )
    assert res.status_code == 422 and list(res.json()["message"]["json"]) == ["sensor"]
