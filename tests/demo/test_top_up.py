"""``gridflex demo`` on an existing demo tops its series up to now, once, without duplicates.

The demo is built as it would have been three days ago (``now`` in the past), then run again
today: measurements reach now, prices the end of tomorrow, and the forecasts (temperature,
site consumption, carbon) start from the new end of the data. A second run adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from gridflex.demo import world as demo
from gridflex.services import beliefs
from gridflex.services.carbon import load_registry, naming
from gridflex.store.base import session_scope
from gridflex.store.models import Belief, DataSource, Job
from gridflex.timing import utcnow

pytestmark = pytest.mark.slow

US = 1_000_000


def _build(url: str, now):  # noqa: ANN001, ANN202
    with session_scope(url) as session:
        report = demo.build(session, days=3, now=now)
        parts = demo.build_parts(session, report)
    return report, parts


def _counts(url: str) -> tuple[int, int, int]:
    """Beliefs, beliefs of one (sensor, event, source, probability) beyond the first, jobs."""
    with session_scope(url) as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(Belief))
        keys = (
            sa.select(Belief.sensor_id, Belief.event_start_us, Belief.source_id)
            .group_by(
                Belief.sensor_id,
                Belief.event_start_us,
                Belief.source_id,
                Belief.cumulative_probability,
            )
            .subquery()
        )
        distinct = session.scalar(sa.select(sa.func.count()).select_from(keys))
        jobs = session.scalar(sa.select(sa.func.count()).select_from(Job))
    return int(total), int(total - distinct), int(jobs)


def _ends(url: str, report: demo.DemoReport) -> dict[str, int]:
    """The last event start [µs] of each demo series, by source."""
    with session_scope(url) as session:
        rows = session.execute(
            sa.select(Belief.sensor_id, DataSource.name, sa.func.max(Belief.event_start_us))
            .join(DataSource, DataSource.id == Belief.source_id)
            .where(Belief.sensor_id.in_(report.sensors.values()))
            .group_by(Belief.sensor_id, DataSource.name)
        ).all()
        names = {sid: name for name, sid in report.sensors.items()}
        ends = {f"{names[sid]} / {source}": int(last) for sid, source, last in rows}
        registry = load_registry(session)
        inputs = [s.id for s in registry.input_sensors(("DE",))]
        extent = beliefs.event_extent_us(session, inputs)
        ends["carbon DE inputs"] = -1 if extent is None else extent[1]
        made = beliefs.latest_belief_time_of_source_type(
            session, report.sensors["site consumption"], "forecaster"
        )
        ends["site forecast made"] = -1 if made is None else made
        carbon_made = session.scalar(
            sa.select(sa.func.max(Belief.belief_time_us))
            .join(DataSource, DataSource.id == Belief.source_id)
            .where(DataSource.name == naming.FORECASTER["name"])
        )
        ends["carbon forecast made"] = -1 if carbon_made is None else int(carbon_made)
    return ends


def test_a_later_run_tops_the_demo_up_to_now_once(settings):
    url = settings.database_url
    now = utcnow()
    then = now - timedelta(days=3)
    first, _ = _build(url, then)
    assert first.created and first.beliefs_written > 0
    old_counts, old_ends = _counts(url), _ends(url, first)
    assert old_counts[1] == 0

    later, parts = _build(url, now)
    assert not later.created and later.sensors == first.sensors  # its own sensors only
    assert later.beliefs_written > 0 and later.warnings == []
    counts, ends = _counts(url), _ends(url, later)
    quarter = pd.Timestamp(now).floor("15min")
    q_us = int(quarter.timestamp()) * US
    assert counts[0] > old_counts[0] and counts[1] == 0  # more beliefs, none twice
    assert counts[2] == old_counts[2] + 1  # a new schedule: the old one ended before now
    for measured in ("site consumption", "solar production", "temperature", "irradiance"):
        assert ends[f"{measured} / gridflex demo"] == q_us - 15 * 60 * US, measured
    tomorrow_end = int((quarter + pd.Timedelta(days=2)).floor("D").timestamp()) * US
    assert ends["day-ahead prices / gridflex demo"] == tomorrow_end - 15 * 60 * US
    assert ends["temperature / gridflex demo weather"] == q_us + 48 * 3600 * US - 15 * 60 * US
    assert ends["site forecast made"] >= q_us > old_ends["site forecast made"]
    hour_us = int(pd.Timestamp(now).floor("h").timestamp()) * US
    assert ends["carbon DE inputs"] == hour_us - 3600 * US > old_ends["carbon DE inputs"]
    assert ends["carbon forecast made"] == hour_us  # from the end of the new data
    assert any("topped up" in p for p in parts if p.startswith("Carbon"))

    again, parts = _build(url, now)
    assert again.beliefs_written == 0 and again.warnings == []
    assert _counts(url) == counts  # nothing added the second time
    assert any("already has a schedule" in p for p in parts)
    assert any(p.startswith("Carbon demo already present") for p in parts)
