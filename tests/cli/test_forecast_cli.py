"""``gridflex forecast``: forecast now, backtest with scores, refresh every N minutes (both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gridflex.cli.main import app
from gridflex.config import get_settings
from gridflex.engines.forecasting import backtest, forecast, synthetic_load_kw
from gridflex.services import beliefs, sources
from gridflex.store.base import session_scope
from gridflex.store.models import DataSource, Job, Sensor

HOUR = timedelta(hours=1)
START = datetime(2025, 1, 6, tzinfo=UTC)
END = START + timedelta(days=14)


@pytest.fixture
def run(db, monkeypatch):
    monkeypatch.setenv("GRIDFLEX_DATABASE_URL", db)
    monkeypatch.setenv("GRIDFLEX_MODE", "test")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):  # noqa: ANN202
        result = runner.invoke(app, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield invoke
    get_settings.cache_clear()


def _sensor_with(settings, world, load: pd.Series) -> int:
    """An hourly kW sensor holding ``load``, each value recorded when its hour ended."""
    sensor_id = world.sensor(world.asset(world.account(), type_name="building"), resolution="PT1H")
    with session_scope(settings.database_url) as session:
        sensor = session.get(Sensor, sensor_id)
        source = sources.get_or_create_source(session, name="meter", type="demo script")
        starts = load.index.as_unit("us").asi8
        frame = beliefs.BeliefFrame(starts, load.to_numpy(), starts + 3600 * 10**6)
        beliefs.write_beliefs(session, sensor, source, frame)
    return sensor_id


def _forecast_rows(settings, sensor_id: int) -> list[tuple]:
    with session_scope(settings.database_url) as session:
        forecaster = session.scalars(
            sa.select(DataSource.id).where(DataSource.type == "forecaster")
        )
        ids = list(forecaster) or [-1]
        return list(
            session.execute(
                sa.text(
                    "SELECT event_start_us, belief_time_us, event_value FROM belief WHERE sensor_id = :s "
                    f"AND source_id IN ({', '.join(map(str, ids))}) ORDER BY event_start_us"
                ),
                {"s": sensor_id},
            )
        )


def test_forecast_command_stores_the_forecast_and_prints_it(run, settings, world):
    load = synthetic_load_kw(START, 24 * 14, HOUR, seed=3)
    sensor = _sensor_with(settings, world, load)
    out = run("forecast", str(sensor), "--start", END.isoformat(), "--duration", "PT6H").output
    assert "Stored 6 beliefs" in out and "made at 2025-01-20T00:00:00+00:00" in out
    rows = _forecast_rows(settings, sensor)
    expected = forecast(load, belief_time=END, start=END, end=END + 6 * HOUR, timezone="UTC")
    np.testing.assert_allclose([r[2] for r in rows], expected.values.to_numpy(), rtol=1e-9)
    assert {r[1] for r in rows} == {int(pd.Timestamp(END).value // 1000)}
    # The default model is auto: the line names the model it chose, as the engine chose it.
    assert f"Model selection: {expected.model} had the least error" in out


def test_dry_run_prints_without_storing(run, settings, world):
    sensor = _sensor_with(settings, world, synthetic_load_kw(START, 24 * 14, HOUR, seed=3))
    out = run("forecast", str(sensor), "--start", END.isoformat(), "--duration", "PT3H",
              "--model", "naive-daily", "--dry-run", "--values").output  # fmt: skip
    assert "Dry run: nothing stored." in out and "2025-01-20T02:00:00+00:00" in out
    assert _forecast_rows(settings, sensor) == []


def test_backtest_prints_mae_rmse_mape_and_skill_against_the_baseline(run, settings, world):
    load = synthetic_load_kw(START, 24 * 14, HOUR, seed=4)
    sensor = _sensor_with(settings, world, load)
    frm, to = END - timedelta(days=3), END
    out = run("forecast", "backtest", str(sensor), "--from", frm.isoformat(), "--to", to.isoformat(),
              "--horizon", "PT12H", "--frequency", "PT12H").output  # fmt: skip
    expected = backtest(load, start=frm, end=to, horizon=12 * HOUR, timezone="UTC")
    line = re.search(r"auto\s+(\S+)\s+(\S+)\s+(\S+) %", out)
    assert line is not None, out
    mae = np.mean(np.abs(expected.pairs["forecast"] - expected.pairs["actual"]))
    rmse = np.sqrt(np.mean((expected.pairs["forecast"] - expected.pairs["actual"]) ** 2))
    assert float(line.group(1)) == pytest.approx(mae, rel=1e-3)
    assert float(line.group(2)) == pytest.approx(rmse, rel=1e-3)
    base = np.mean(np.abs(expected.pairs["baseline"] - expected.pairs["actual"]))
    assert f"skill vs naive-weekly (1 - MAE/MAE_baseline): {100 * (1 - mae / base):.1f} %" in out
    assert "6 runs" in out and _forecast_rows(settings, sensor) == []
    # The default model is auto: which model each run used, as the engine chose it.
    counts = pd.Series(expected.chosen).value_counts()
    assert "chosen: " + ", ".join(f"{n} ({c} runs)" for n, c in counts.items()) in out


def test_refresh_makes_a_fresh_forecast_each_round(run, settings, world):
    now = pd.Timestamp.now(tz="UTC").floor("h")
    sensor = _sensor_with(
        settings, world, synthetic_load_kw(now - pd.Timedelta(days=4), 96, HOUR, seed=5)
    )
    out = run("forecast", "refresh", "--sensors", str(sensor), "--every", "0.01",
              "--horizon", "PT3H", "--model", "naive-daily", "--count", "2").output  # fmt: skip
    assert out.count(f"sensor {sensor}: forecast made at") == 2
    with session_scope(settings.database_url) as session:
        jobs = list(session.scalars(sa.select(Job).where(Job.sensor_id == sensor)))
    assert [job.status for job in jobs] == ["finished", "finished"]
    assert jobs[0].queue == "forecasting" and jobs[0].id != jobs[1].id
    rows = _forecast_rows(settings, sensor)
    assert rows and min(r[0] for r in rows) >= int(now.value // 1000)


def test_errors_name_the_problem_and_exit_nonzero(run, settings, world):
    result = run("forecast", "999999", "--duration", "PT6H", ok=False)
    assert result.exit_code == 1 and "Sensor 999999 not found" in result.output
    sensor = _sensor_with(settings, world, synthetic_load_kw(START, 24, HOUR, seed=3))
    result = run(
        "forecast", str(sensor), "--start", (START + timedelta(days=1)).isoformat(), ok=False
    )
    assert result.exit_code == 1 and "at least 2 days" in result.output
    result = run(
        "forecast",
        "backtest",
        str(sensor),
        "--from",
        "yesterday",
        "--to",
        END.isoformat(),
        ok=False,
    )
    assert result.exit_code == 1 and "from" in result.output
