"""The store's bulk read of many sensors, and the belief table's rebuild (migration 0005)."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from gridflex.services.sources import get_or_create_source
from gridflex.store import migrate
from gridflex.store.base import session_scope
from gridflex.store.queries import beliefs as q

HOUR_US = 3_600_000_000
START_US = 1_700_000_000 * 1_000_000 // HOUR_US * HOUR_US


def _rows(sensor_id: int, source_id: int, n: int, *, belief_offset_us: int = 0) -> np.ndarray:
    rows = np.zeros(n, dtype=q.ROW_DTYPE)
    rows["sensor_id"] = sensor_id
    rows["event_start_us"] = START_US + HOUR_US * np.arange(n)
    rows["belief_time_us"] = rows["event_start_us"] + belief_offset_us
    rows["source_id"] = source_id
    rows["cumulative_probability"] = 0.5
    rows["event_value"] = sensor_id * 1000 + np.arange(n) + belief_offset_us / HOUR_US
    return rows


@pytest.fixture
def filled(db, world):
    """Five sensors: 24, 23, ..., 20 hourly values; the first also has a second belief per event."""
    asset = world.asset(world.account())
    sensor_ids = [world.sensor(asset, name=f"s{i}", resolution="PT1H") for i in range(5)]
    with session_scope(db) as session:
        source = get_or_create_source(session, name="test", type="script").id
        for k, sensor_id in enumerate(sensor_ids):
            q.insert(session, _rows(sensor_id, source, 24 - k))
        q.insert(session, _rows(sensor_ids[0], source, 24, belief_offset_us=HOUR_US))
    return db, sensor_ids, source


def _sorted(found: dict[int, tuple[np.ndarray, np.ndarray]]) -> dict[int, list[tuple[int, float]]]:
    return {
        s: sorted(zip(starts.tolist(), values.tolist(), strict=True))
        for s, (starts, values) in found.items()
    }


def _expected(sensor_ids: list[int], start: int, end: int) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = {}
    for k, sensor_id in enumerate(sensor_ids):
        pairs = [(START_US + HOUR_US * i, float(sensor_id * 1000 + i)) for i in range(24 - k)]
        if k == 0:
            pairs += [(START_US + HOUR_US * i, float(sensor_id * 1000 + i + 1)) for i in range(24)]
        pairs = [(t, v) for t, v in pairs if start <= t < end]
        if pairs:
            out[sensor_id] = sorted(pairs)
    return out


@pytest.mark.parametrize("parallel_from", [1, 1_000_000], ids=["parallel", "serial"])
def test_bulk_read_returns_every_belief_in_the_window(filled, monkeypatch, parallel_from):
    db, sensor_ids, _ = filled
    monkeypatch.setattr(q, "_PARALLEL_FROM", parallel_from)
    start, end = START_US + 2 * HOUR_US, START_US + 21 * HOUR_US
    with session_scope(db) as session:
        found = q.values_by_sensor(session, [*sensor_ids, 99_999], start, end)
    assert _sorted(found) == _expected(sensor_ids, start, end)
    assert 99_999 not in found  # a sensor without beliefs is left out


@pytest.mark.parametrize("parallel_from", [1, 1_000_000], ids=["parallel", "serial"])
def test_bulk_read_in_parts_streams_sensors_in_the_order_asked(filled, monkeypatch, parallel_from):
    db, sensor_ids, _ = filled
    monkeypatch.setattr(q, "_PARALLEL_FROM", parallel_from)
    asked = [sensor_ids[3], 99_999, sensor_ids[0], sensor_ids[4], sensor_ids[2], sensor_ids[1]]
    window = (START_US, START_US + 48 * HOUR_US)
    with session_scope(db) as session:
        streamed = list(q.iter_values_by_sensor(session, asked, *window, sensors_per_read=2))
        whole = q.values_by_sensor(session, sensor_ids, *window)
    assert [sensor_id for sensor_id, _ in streamed] == [s for s in asked if s != 99_999]
    assert _sorted(dict(streamed)) == _sorted(whole) == _expected(sensor_ids, *window)


def test_a_bulk_read_left_early_leaves_the_session_usable(filled, monkeypatch):
    db, sensor_ids, _ = filled
    monkeypatch.setattr(q, "_PARALLEL_FROM", 1)
    window = (START_US, START_US + 48 * HOUR_US)
    with session_scope(db) as session:
        reads = q.iter_values_by_sensor(session, sensor_ids, *window, sensors_per_read=1)
        first, _ = next(reads)
        reads.close()  # the reads in flight end; none is left running
        assert first == sensor_ids[0]
        assert _sorted(q.values_by_sensor(session, sensor_ids, *window)) == _expected(
            sensor_ids, *window
        )


def test_bulk_read_sees_what_its_own_session_has_not_committed(filled, monkeypatch):
    db, sensor_ids, source = filled
    monkeypatch.setattr(q, "_PARALLEL_FROM", 1)
    with session_scope(db) as session:
        q.delete_beliefs(session, sensor_ids[1])
        q.insert(session, _rows(sensor_ids[1], source, 3, belief_offset_us=7 * HOUR_US))
        found = q.values_by_sensor(session, sensor_ids, START_US, START_US + 48 * HOUR_US)
        session.rollback()
    assert _sorted(found)[sensor_ids[1]] == [
        (START_US + HOUR_US * i, float(sensor_ids[1] * 1000 + i + 7)) for i in range(3)
    ]


def test_bulk_read_returns_values_bit_for_bit(db, world):
    asset = world.asset(world.account())
    sensor_id = world.sensor(asset, name="extremes", resolution="PT1H")
    values = np.array([0.1 + 0.2, -2.5, 5e-324, 1.7976931348623157e308, -1 / 3, 1e-300, 12.3456])
    with session_scope(db) as session:
        source = get_or_create_source(session, name="test", type="script").id
        rows = _rows(sensor_id, source, len(values))
        rows["event_value"] = values
        q.insert(session, rows)
    with session_scope(db) as session:
        starts, found = q.values_by_sensor(session, [sensor_id], START_US, START_US + 9 * HOUR_US)[
            sensor_id
        ]
    order = np.argsort(starts)
    assert found[order].tobytes() == values.tobytes()  # bit for bit, not just close


def test_rebuilding_the_belief_table_keeps_every_belief(filled):
    db, sensor_ids, _ = filled
    window = (START_US, START_US + 48 * HOUR_US)
    with session_scope(db) as session:
        before = _sorted(q.values_by_sensor(session, sensor_ids, *window))
    migrate.downgrade(db, "0004_heatmap")
    with session_scope(db) as session:  # today's reads also read revision 0011's chunks
        count = session.execute(sa.text("SELECT count(*) FROM belief")).scalar_one()
        assert count == sum(len(pairs) for pairs in before.values())
    migrate.upgrade(db)
    with session_scope(db) as session:
        assert _sorted(q.values_by_sensor(session, sensor_ids, *window)) == before
    assert sum(len(pairs) for pairs in before.values()) == 24 + 24 + 23 + 22 + 21 + 20
