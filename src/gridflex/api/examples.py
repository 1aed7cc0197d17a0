"""Examples for the OpenAPI document (Swagger UI at /api/v3_0/docs), kept in one table.

Keys are (method, path) as FastAPI writes them; each entry may give a ``request``
body example and a ``response`` example (with its status code). ``add_examples``
puts them into the generated schema, so routers stay free of documentation bulk.
"""

from __future__ import annotations

from typing import Any

_ASSET = {
    "id": 5,
    "name": "toy-building",
    "description": None,
    "account_id": 1,
    "generic_asset_type_id": 4,
    "generic_asset_type": {"id": 4, "name": "building"},
    "parent_asset_id": None,
    "latitude": 52.374,
    "longitude": 4.88969,
    "external_id": None,
    "attributes": {},
    "flex_context": {"consumption-price": {"sensor": 7}, "site-power-capacity": "500 kVA"},
    "flex_model": {},
    "sensors_to_show": [{"title": "Prices", "plots": [{"sensor": 7}]}],
    "sensors_to_show_as_kpis": [],
    "owner": {"id": 1, "name": "Toy Account"},
    "child_assets": [
        {
            "id": 6,
            "name": "toy-battery",
            "account_id": 1,
            "generic_asset_type": {"id": 3, "name": "battery"},
        }
    ],
    "sensors": [{"id": 10, "name": "prices-15min"}],
}
_SENSOR = {
    "id": 10,
    "name": "prices-15min",
    "unit": "EUR/kWh",
    "timezone": "Europe/Amsterdam",
    "event_resolution": "PT15M",
    "knowledge_horizon": {"fnc": "ex_post", "delay": "PT0S"},
    "entity_address": "ea1.2026-11.localhost:fm1.10",
    "generic_asset_id": 5,
    "attributes": {},
}
_ACCOUNT = {
    "id": 1,
    "name": "Toy Account",
    "account_roles": [1],
    "account_role_names": ["Prosumer"],
    "consultancy_account_id": None,
    "primary_color": "#1a3443",
    "secondary_color": "#f1a122",
    "logo_url": None,
    "attributes": {},
}
_USER = {
    "id": 1,
    "email": "user@example.com",
    "username": "toy-user",
    "account_id": 1,
    "active": True,
    "timezone": "Europe/Amsterdam",
    "flexmeasures_roles": [3],
    "roles": ["account-admin"],
    "last_login_at": "2026-11-22T02:54:08+00:00",
    "last_seen_at": "2026-11-22T02:54:08+00:00",
}
_AUDIT = {
    "event": "Asset toy-battery created",
    "event_datetime": "2026-11-22T02:54:08+00:00",
    "active_user_id": 1,
    "active_user_name": "toy-user",
}
_PAGE = {"num-records": 1, "filtered-records": 1}
_PROCESSED = {"message": "Request has been processed.", "status": "PROCESSED"}
_JOB = {
    "job": "ff35282d-74a5-4c0e-a034-c03e662e025e",
    "status": "FINISHED",
    "message": "Scheduling job has finished.",
    "origin": "scheduling",
    "result": None,
    "func_name": "gridflex.services.scheduling:make_schedule",
    "enqueued_at": "2026-11-22T03:39:35+00:00",
    "started_at": "2026-11-22T03:39:35+00:00",
    "ended_at": "2026-11-22T03:39:36+00:00",
    "exc_info": None,
}

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/"): {
        "response": {
            "versions": ["v3_0"],
            "flexmeasures_version": "1.0.1",
            "gridflex_version": "0.1.0",
            "message": "For these API versions a public endpoint is available ...",
            "status": 200,
        }
    },
    ("get", "/api/v3_0"): {
        "response": {
            "api_version": "v3_0",
            "status": 200,
            "services": [
                {
                    "endpoint_name": "read_assets_api_v3_0_assets_get",
                    "method": "GET",
                    "path": "/api/v3_0/assets",
                    "description": "List all assets ...",
                }
            ],
        }
    },
    ("get", "/api/v3_0/health/ready"): {"response": {"database_sql": True, "status": 200}},
    ("post", "/api/requestAuthToken"): {
        "request": {"email": "user@example.com", "password": "a long secret"},
        "response": {
            "authentication_token": "eyJ1aWQiOjF9.c2lnbmF0dXJl",
            "auth_token": "eyJ1aWQiOjF9.c2lnbmF0dXJl",
            "user_id": 1,
            "status": 200,
        },
    },
    ("get", "/api/v3_0/accounts"): {"response": [_ACCOUNT]},
    ("get", "/api/v3_0/accounts/{id}"): {"response": _ACCOUNT},
    ("patch", "/api/v3_0/accounts/{id}"): {
        "request": {"name": "Toy Account Updated", "primary_color": "#1a3443"},
        "response": {**_ACCOUNT, "name": "Toy Account Updated"},
    },
    ("get", "/api/v3_0/accounts/{id}/auditlog"): {"response": [_AUDIT]},
    ("get", "/api/v3_0/users"): {"response": [{**_USER, "account": _ACCOUNT}]},
    ("post", "/api/v3_0/users"): {
        "request": {"email": "new@example.com", "username": "new user", "account_id": 1},
        "response": {"data": [_USER], **_USER},
        "status": "201",
    },
    ("get", "/api/v3_0/users/{id}"): {"response": {"data": _USER, **_USER}},
    ("patch", "/api/v3_0/users/{id}"): {
        "request": {"active": False},
        "response": {"data": [{**_USER, "active": False}], **_USER, "active": False},
    },
    ("get", "/api/v3_0/users/{id}/auditlog"): {"response": {"data": [_AUDIT], **_PAGE}},
    ("patch", "/api/v3_0/users/{id}/password-reset"): {
        "response": {
            "message": "Password reset; all tokens of this user are invalidated.",
            "status": "PROCESSED",
        }
    },
    ("get", "/api/v3_0/assets"): {"response": [_ASSET]},
    ("post", "/api/v3_0/assets"): {
        "request": {
            "name": "Test battery",
            "generic_asset_type_id": 3,
            "account_id": 1,
            "parent_asset_id": 5,
            "latitude": 40,
            "longitude": 170.3,
            "flex_model": {"soc-max": "450 kWh", "power-capacity": "500 kVA"},
        },
        "response": {**_ASSET, "id": 6, "name": "Test battery"},
        "status": "201",
    },
    ("get", "/api/v3_0/assets/public"): {
        "response": [{**_ASSET, "account_id": None, "owner": None}]
    },
    ("get", "/api/v3_0/assets/types"): {
        "response": [{"id": 1, "name": "solar", "description": "solar panel(s)"}]
    },
    ("post", "/api/v3_0/assets/default_asset_view"): {
        "request": {"default_asset_view": "Graphs", "use_as_default": True},
        "response": {"message": "Default asset view updated successfully."},
    },
    ("post", "/api/v3_0/assets/keep_legends_below_graphs"): {
        "request": {"keep_legends_below_graphs": True},
        "response": {"message": "Legend position preference updated successfully."},
    },
    ("get", "/api/v3_0/assets/{id}"): {"response": _ASSET},
    ("patch", "/api/v3_0/assets/{id}"): {
        "request": {"latitude": 11.1, "longitude": 99.9},
        "response": {**_ASSET, "latitude": 11.1, "longitude": 99.9},
    },
    ("delete", "/api/v3_0/assets/{id}"): {"status": "204"},
    ("get", "/api/v3_0/assets/{id}/auditlog"): {"response": {"data": [_AUDIT], **_PAGE}},
    ("get", "/api/v3_0/assets/{id}/sensors"): {"response": [_SENSOR]},
    ("get", "/api/v3_0/assets/{id}/jobs"): {
        "response": {
            "jobs": [
                {
                    "job_id": _JOB["job"],
                    "queue": "scheduling",
                    "asset_or_sensor_type": "asset",
                    "asset_id": 5,
                    "sensor_id": None,
                    "status": "finished",
                    "err": None,
                    "enqueued_at": _JOB["enqueued_at"],
                    "metadata_hash": "3f2a...",
                }
            ],
            "redis_connection_err": None,
        }
    },
    ("get", "/api/v3_0/assets/{id}/chart_data"): {
        "response": [
            {
                "event_start": 1795388400000,
                "event_end": 1795392000000,
                "event_value": 42.5,
                "sensor": {
                    "id": 1,
                    "name": "day-ahead prices",
                    "unit": "EUR/MWh",
                    "event_resolution": "PT1H",
                    "asset_id": 5,
                },
                "source": {"id": 1, "name": "EPEX", "type": "market", "model": None},
            }
        ]
    },
    ("get", "/api/v3_0/assets/{id}/chart"): {
        "response": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"name": "asset_5"},
            "vconcat": [{"title": "Prices", "mark": {"type": "line"}, "encoding": {}}],
        }
    },
    ("get", "/api/v3_0/assets/{id}/kpis"): {
        "response": {
            "data": [
                {
                    "sensor": 145046,
                    "title": "My KPI",
                    "unit": "MW",
                    "downsample_value": 0,
                    "downsample_function": "sum",
                },
                {
                    "sensor": 141053,
                    "title": "Raw PowerKPI",
                    "unit": "kW",
                    "downsample_value": 816.67,
                    "downsample_function": "sum",
                },
            ]
        }
    },
    ("get", "/api/v3_0/sensors"): {"response": [_SENSOR]},
    ("post", "/api/v3_0/sensors"): {
        "request": {
            "name": "prices-15min",
            "event_resolution": "PT15M",
            "unit": "EUR/kWh",
            "generic_asset_id": 5,
            "timezone": "Europe/Amsterdam",
        },
        "response": _SENSOR,
        "status": "201",
    },
    ("get", "/api/v3_0/sensors/{id}"): {"response": _SENSOR},
    ("patch", "/api/v3_0/sensors/{id}"): {
        "request": {"name": "POWER"},
        "response": {**_SENSOR, "name": "POWER"},
    },
    ("delete", "/api/v3_0/sensors/{id}"): {"status": "204"},
    ("post", "/api/v3_0/sensors/{id}/data"): {
        "request": {
            "values": [0.1003, 0.1009, None, 0.1035],
            "start": "2026-11-23T00:00:00+01:00",
            "duration": "PT1H",
            "unit": "EUR/kWh",
        },
        "response": _PROCESSED,
    },
    ("get", "/api/v3_0/sensors/{id}/data"): {
        "response": {
            "values": [101.675, 129.4],
            "start": "2026-11-23T00:00:00+01:00",
            "duration": "PT2H",
            "resolution": "PT1H",
            "unit": "EUR/MWh",
            **_PROCESSED,
        }
    },
    ("delete", "/api/v3_0/sensors/{id}/data"): {"status": "204"},
    ("post", "/api/v3_0/sensors/{id}/data/upload"): {
        "response": _PROCESSED,
        "form": {
            "uploaded-files": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": "CSV or .xlsx files: event start, value and optional belief time columns",
            },
            "unit": {"type": "string", "description": "unit of the values (default: the sensor's)"},
            "belief-time-measured-instantly": {
                "type": "boolean",
                "description": "belief time = event end (measurements)",
            },
        },
    },
    ("get", "/api/v3_0/sensors/{id}/stats"): {
        "response": {
            "toy-user": {
                "First event start": "2026-11-23T00:00:00+01:00",
                "Last event end": "2026-11-25T00:00:00+01:00",
                "Last recorded": "2026-11-22T03:00:00+00:00",
                "Min value": 0.1,
                "Max value": 0.3,
                "Mean value": 0.2,
                "Sum over values": 38.4,
                "Number of values": 192,
            }
        }
    },
    ("get", "/api/v3_0/sensors/{id}/status"): {
        "response": [
            {
                "staleness": "2 hours",
                "stale": True,
                "staleness_since": "2026-11-22T01:30:00+00:00",
                "reason": "data is outdated",
                "source_type": "user",
                "id": 10,
                "name": "prices-15min",
                "resolution": "15 minutes",
                "asset_name": "toy-building",
                "relation": "sensor belongs to this asset",
            }
        ]
    },
    ("get", "/api/v3_0/jobs/{uuid}"): {
        "response": {**_JOB, **{k.replace("_", "-"): v for k, v in _JOB.items()}}
    },
}


def add_examples(schema: dict[str, Any]) -> dict[str, Any]:
    """Put the examples of ``EXAMPLES`` into an OpenAPI document (in place) and return it."""
    for (method, path), example in EXAMPLES.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        status = example.get("status", "200")
        if "form" in example:
            operation["requestBody"] = {
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": example["form"],
                            "required": ["uploaded-files"],
                        }
                    }
                }
            }
        if "request" in example:
            body = operation.setdefault(
                "requestBody", {"content": {"application/json": {"schema": {"type": "object"}}}}
            )
            for media in body.get("content", {}).values():
                media["example"] = example["request"]
        response = operation.setdefault("responses", {}).setdefault(
            status, {"description": "Success"}
        )
        if "response" in example:
            response.setdefault("content", {}).setdefault("application/json", {})["example"] = (
                example["response"]
            )
    return schema
