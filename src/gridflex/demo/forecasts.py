"""The demo's forecast: the next 48 hours of the site's consumption, made when the demo is built."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridflex.errors import InsufficientDataError
from gridflex.services import beliefs, forecasting, sensors
from gridflex.timing import utcnow

SENSOR = "site consumption"


def build(session: Session, report: Any) -> str:
    """Forecast the site's consumption once (trained on the last 4 weeks, to stay fast)."""
    sensor_id = report.sensors.get(SENSOR)
    sensor = None if sensor_id is None else sensors.find_sensor(session, sensor_id)
    if sensor is None:
        return "Forecasts: no site consumption sensor in the demo; skipped."
    if beliefs.has_beliefs_from_source_type(session, sensor.id, "forecaster"):
        return f"Forecasts: sensor {sensor.id} ({SENSOR}) already has a forecast."
    now = utcnow()
    spec = forecasting.make_spec(
        sensor, now=now, duration=timedelta(hours=48), train_period=timedelta(days=28)
    )
    try:
        plan = forecasting.resolve(spec, sensor, now=now)
        forecasting.check_history(session, sensor, plan)
        outcome = forecasting.run_plan(session, sensor, plan)
    except InsufficientDataError as exc:
        return f"Forecasts: skipped ({exc.message})"
    made = outcome.runs[0].belief_time.isoformat()
    return (
        f"Forecasts: the next 48 h of {SENSOR} (sensor {sensor.id}) forecast at {made}; "
        f"refresh with `gridflex forecast refresh --sensors {sensor.id} --every 15`."
    )
