"""The demo's weather forecast: the next 48 hours of temperature at the demo weather station.

So that a forecast can use the temperature as a future regressor (known over the
forecast window), as the README's forecasting example does. The values continue
the measured series' seeded shape (a perfect forecast, which is fine for a demo);
they are believed when the demo is built, by a forecaster source, so a forecast
made later may use them and one of the past may not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex.demo import series, world
from gridflex.services import beliefs, sources
from gridflex.services.belief_checks import to_us
from gridflex.store.models import Sensor
from gridflex.timing import utcnow

SENSOR = "temperature"
HORIZON = pd.Timedelta(hours=48)


def build(session: Session, report: Any) -> str:
    """Forecast the demo's temperature from the end of its measurements for 48 hours; again
    when a later run has topped the measurements up."""
    sensor_id = (getattr(report, "sensors", None) or {}).get(SENSOR)
    sensor = None if sensor_id is None else session.get(Sensor, sensor_id)
    extent = (
        None if sensor is None
        else beliefs.source_extent_us(session, [sensor.id], world.source(session).id)
    )  # fmt: skip
    if sensor is None or extent is None:
        return "Weather forecast: no measured temperature in the demo; skipped."
    source = sources.get_or_create_source(
        session, name="gridflex demo weather", type="forecaster", model="demo series", version="1"
    )
    first = pd.Timestamp(extent[0], unit="us", tz="UTC")
    measured_end = pd.Timestamp(extent[1], unit="us", tz="UTC") + sensor.event_resolution
    held = beliefs.source_extent_us(session, [sensor.id], source.id)
    if held is not None and held[1] >= to_us(measured_end + HORIZON - sensor.event_resolution):
        return f"Weather forecast: sensor {sensor.id} ({SENSOR}) already has one."
    # The whole span, so that the seeded shape continues where the measurements stop (and an
    # earlier forecast's events get the same values again: they are not stored twice).
    index = pd.date_range(first, measured_end + HORIZON, freq="15min", inclusive="left")
    ahead = index >= measured_end
    values = series.temperature_c(index, timezone=world.TIMEZONE)[ahead]
    frame = beliefs.BeliefFrame(
        index[ahead].as_unit("us").asi8,
        np.round(values, 4),
        to_us(getattr(report, "now", None) or utcnow()),
    )
    stored = beliefs.write_beliefs(session, sensor, source, frame).stored
    return (
        f"Weather forecast: the next 48 h of {SENSOR} (sensor {sensor.id}, {stored} values), "
        "usable as a future regressor of forecasts."
    )
