"""updated-since: which events were (re)computed after a moment, with start, end, limit, threshold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.carbon.conftest import hour, production_csv


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def revised(client, reader, cli, files, three_zones):
    """After the three-zone import: then hour 1 of A changes and hour 3 is added."""
    between = datetime.now(UTC)
    rows = [(hour(1), "A", "coal", 90.0)] + [
        (hour(3), z, k, mw)
        for z, k, mw in (("A", "coal", 100.0), ("B", "wind", 100.0), ("C", "solar", 50.0))
    ]
    cli("carbon", "import", "--production", files("revision.csv", production_csv(rows)))
    return between


def _updates(client, reader, **params):
    answer = client.get("/v3/updated-since", params={"zone": "C", **params}, headers=reader)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_everything_counts_as_updated_since_before_the_first_import(client, reader, revised):
    body = _updates(client, reader, since="2000-01-01T00:00:00Z")
    assert [u["datetime"] for u in body["updates"]] == [
        hour(h).replace(":00Z", ":00.000Z") for h in range(4)
    ]
    assert body["limit"] == 100 and body["limitReached"] is False and body["threshold"] == "PT0S"


def test_only_events_computed_after_since_are_listed(client, reader, revised):
    body = _updates(client, reader, since=revised.isoformat())
    # C's inputs did not change at hour 1, but its traced mix did: A's coal reaches it through B.
    assert [u["datetime"][:13] for u in body["updates"]] == ["2024-03-01T01", "2024-03-01T03"]
    for update in body["updates"]:
        assert _iso(update["updated_at"]) > revised
    assert _updates(client, reader, since=datetime.now(UTC).isoformat())["updates"] == []


def test_start_and_end_bound_the_events(client, reader, revised):
    body = _updates(client, reader, since="2000-01-01T00:00:00Z", start=hour(1), end=hour(3))
    assert [u["datetime"][:13] for u in body["updates"]] == ["2024-03-01T01", "2024-03-01T02"]


def test_threshold_keeps_events_updated_long_after_they_were_created(client, reader, revised):
    # Hour 1 was first computed at the first import and again at the second, at least a
    # millisecond later; hour 3 was computed once, hours 0 and 2 never changed.
    body = _updates(client, reader, since="2000-01-01T00:00:00Z", threshold="PT0.001S")
    assert [u["datetime"][:13] for u in body["updates"]] == ["2024-03-01T01"]
    assert body["threshold"] == "PT0.001S"
    assert _updates(client, reader, since="2000-01-01T00:00:00Z", threshold="P1D")["updates"] == []


def test_limit_cuts_the_list_and_says_so(client, reader, revised):
    body = _updates(client, reader, since="2000-01-01T00:00:00Z", limit=3)
    assert len(body["updates"]) == 3 and body["limitReached"] is True and body["limit"] == 3
    exact = _updates(client, reader, since="2000-01-01T00:00:00Z", limit=4)
    assert len(exact["updates"]) == 4 and exact["limitReached"] is False
    assert _updates(client, reader, since="2000-01-01T00:00:00Z", limit=1000)["limit"] == 1000


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"since": "yesterday"},
        {"since": "2024-01-01T00:00:00Z", "limit": 0},
        {"since": "2024-01-01T00:00:00Z", "limit": 1001},
        {"since": "2024-01-01T00:00:00Z", "threshold": "a while"},
        {"since": "2024-01-01T00:00:00Z", "threshold": "-PT1H"},
        {"since": "2024-01-01T00:00:00Z", "start": hour(2), "end": hour(1)},
    ],
)
def test_bad_parameters_are_bad_requests(client, reader, three_zones, params):
    answer = client.get("/v3/updated-since", params={"zone": "A", **params}, headers=reader)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error", "message"}
