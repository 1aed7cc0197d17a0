"""Request ids, structured logs and Prometheus metrics, seen from outside."""

from __future__ import annotations

import io
import json
import logging

from gridflex.logs import JsonFormatter, RequestIdFilter
from tests.api.belief_helpers import body, owned_sensor


def test_every_answer_carries_a_request_id_and_a_sane_given_one_is_kept(client):
    first, second = client.get("/api/"), client.get("/api/")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    given = client.get("/api/", headers={"X-Request-ID": "trace-42"})
    assert given.headers["X-Request-ID"] == "trace-42"
    odd = client.get("/api/", headers={"X-Request-ID": "no spaces <or> markup"})
    assert odd.headers["X-Request-ID"] != "no spaces <or> markup"


def test_log_lines_are_json_with_the_request_id(client, world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("gridflex")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        res = client.get("/api/v3_0/assets/999999", headers=world.user(world.account()).headers)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "gridflex.access"]
    assert access, lines
    assert access[-1]["request_id"] == res.headers["X-Request-ID"]
    assert access[-1]["status"] == 404 and access[-1]["route"] == "/api/v3_0/assets/{id}"


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{key}="{value}"' in line for key, value in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_beliefs_written(client, world):
    owned = owned_sensor(world)
    before = client.get("/metrics").text
    client.post(owned.url, headers=owned.headers, json=body([1, 2, 3, 4]))
    client.get("/api/v3_0/assets/999999", headers=owned.headers)
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    route = {"route": "/api/v3_0/assets/{id}", "method": "GET", "status": "404"}
    assert _metric(text, "gridflex_http_requests_total", **route) == (
        _metric(before, "gridflex_http_requests_total", **route) + 1
    )
    assert (
        _metric(text, "gridflex_beliefs_written_total")
        - _metric(before, "gridflex_beliefs_written_total")
        == 4
    )
    assert "gridflex_http_request_duration_seconds_bucket" in text
    assert "gridflex_db_pool_connections" in text and "gridflex_jobs" in text
