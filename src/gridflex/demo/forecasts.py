"""The demo's forecast: the next 48 hours of the site's consumption, made when the demo is built."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.demo import world
from gridflex.errors import InsufficientDataError
from gridflex.services import beliefs, forecasting, sensors
from gridflex.timing import utcnow

SENSOR = "site consumption"


def build(session: Session, report: Any) -> str:
    """Forecast the site's consumption (trained on the last 4 weeks, to stay fast), again
    whenever the demo's measurements reach past the newest forecast's belief time."""
    sensor_id = report.sensors.get(SENSOR)
    sensor = None if sensor_id is None else sensors.find_sensor(session, sensor_id)
    if sensor is None:
        return "Forecasts: no site consumption sensor in the demo; skipped."
    measured_end = world.measured_end_us(session, sensor)
    made = beliefs.latest_belief_time_of_source_type(session, sensor.id, "forecaster")
    if made is not None and (measured_end is None or made >= measured_end):
        return f"Forecasts: sensor {sensor.id} ({SENSOR}) already has a forecast."
    now = getattr(report, "now", None) or utcnow()
    spec = forecasting.make_spec(
        sensor, now=now, duration=timedelta(hours=48), train_period=timedelta(days=28)
    )
    try:
        plan = forecasting.resolve(spec, sensor, now=now)
        forecasting.check_history(session, sensor, plan)
        outcome = forecasting.run_plan(session, sensor, plan)
    except InsufficientDataError as exc:
        report.warnings.append(
            f"Forecast of {SENSOR} skipped: {exc.message} Build the demo with --days 2 or more "
            "(in a new database), or run `gridflex demo` again once it holds that much."
        )
        return f"Forecasts: none of {SENSOR} (sensor {sensor.id}) yet."
    made_at = outcome.runs[0].belief_time.isoformat()
    return (
        f"Forecasts: the next 48 h of {SENSOR} (sensor {sensor.id}) forecast at {made_at}; "
        f"refresh with `gridflex forecast refresh --sensors {sensor.id} --every 15`."
    )
