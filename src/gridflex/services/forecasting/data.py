"""The engine's inputs, read from the belief store as known at a plan's data cut-off.

Every read passes ``prior=plan.cutoff``: a belief recorded after the cut-off
(a late measurement, a revision, the actual value itself) cannot reach a model.
The engine then also ignores every value whose event starts at or after the
belief time of the run it makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.engines.forecasting import InsufficientHistoryError
from gridflex.engines.forecasting.forecast import lookback
from gridflex.engines.forecasting.options import make_options, training_window
from gridflex.errors import ValidationError
from gridflex.services import beliefs
from gridflex.services.forecasting.spec import DAY, Plan, ceil_to_grid, floor_to_grid
from gridflex.store.models import Sensor, User
from gridflex.timing import format_duration, to_utc


@dataclass(frozen=True)
class Inputs:
    """Target and regressors on UTC indexes, as known at the cut-off."""

    target: pd.Series
    past: dict[str, pd.Series]
    future: dict[str, pd.Series]


def regressor_name(sensor_id: int) -> str:
    return f"sensor {sensor_id}"


def regressor_sensors(
    session: Session, ids: tuple[int, ...], *, field: str, user: User | None = None
) -> list[Sensor]:
    """The regressor sensors, each existing, readable by ``user`` and of a usable resolution."""
    found = []
    for sensor_id in ids:
        sensor = session.get(Sensor, sensor_id)
        if sensor is None:
            raise ValidationError(f"Regressor sensor {sensor_id} not found.", field=field)
        if user is not None and not permissions.can_access_sensor(user, sensor, permissions.READ):
            raise ValidationError(f"You may not read regressor sensor {sensor_id}.", field=field)
        step = sensor.event_resolution
        if step > timedelta(0) and DAY % step:
            raise ValidationError(
                f"Regressor sensor {sensor_id} has resolution {format_duration(step)}; regressors "
                "need a resolution that divides a day (or none).",
                field=field,
            )
        found.append(sensor)
    return found


def training_start(plan: Plan) -> datetime:
    """Earliest event start any run may read: the first training window plus the feature lookback."""
    spec = plan.spec
    options = make_options(  # the training window, which does not depend on the model
        train_start=spec.train_start,
        train_period=spec.train_period,
        max_training_period=spec.max_training_period,
    )
    origin = pd.Timestamp(ceil_to_grid(plan.made_at[0], plan.resolution))
    window_start = training_window(options, origin)[0]
    lead_end = plan.start + plan.horizon if plan.rolling else plan.end
    n_leads = max(1, int((lead_end - origin) // plan.resolution))
    first = window_start - lookback(n_leads, pd.Timedelta(plan.resolution)) * plan.resolution
    # On the grid of the forecast's start, so that every read below is aligned.
    steps = -(-(plan.start - first.to_pydatetime()) // plan.resolution)
    return plan.start - steps * plan.resolution


def load_inputs(session: Session, sensor: Sensor, plan: Plan) -> Inputs:
    """Target from the training start to the window's end, and the regressors over the same span."""
    first = training_start(plan)
    series = beliefs.read_series(
        session, sensor, start=first, duration=plan.end - first, prior=plan.cutoff
    )
    target = series.to_pandas()
    past = {
        regressor_name(r.id): _regressor(session, r, first, plan)
        for r in regressor_sensors(session, plan.spec.past_regressors, field="past_regressors")
    }
    future = {
        regressor_name(r.id): _regressor(session, r, first, plan)
        for r in regressor_sensors(session, plan.spec.future_regressors, field="future_regressors")
    }
    return Inputs(target, past, future)


def _regressor(session: Session, sensor: Sensor, first: datetime, plan: Plan) -> pd.Series:
    own = sensor.event_resolution
    step = own if own > timedelta(0) else plan.resolution
    start = floor_to_grid(first, step)
    end = ceil_to_grid(plan.end, step)
    series = beliefs.read_series(
        session, sensor, start=start, duration=end - start, resolution=step, prior=plan.cutoff
    )
    return series.to_pandas()


def check_history(session: Session, sensor: Sensor, plan: Plan) -> None:
    """Refuse a plan whose first run has under two days of known history (before any job runs).

    The message says how much is needed, how much was found, and how much more
    was recorded only after the cut-off (so cannot be used at that moment).
    """
    first_origin = ceil_to_grid(plan.made_at[0], plan.resolution)
    spec = plan.spec
    options = make_options(  # the training window, which does not depend on the model
        train_start=spec.train_start,
        train_period=spec.train_period,
        max_training_period=spec.max_training_period,
    )
    window = training_window(options, pd.Timestamp(first_origin))
    start = ceil_to_grid(window[0].to_pydatetime(), plan.resolution)
    end = min(first_origin, floor_to_grid(window[1].to_pydatetime(), plan.resolution))
    needed = timedelta(days=2) // plan.resolution
    found = _count(session, sensor, start, end, plan.cutoff)
    if found >= needed:
        return
    later = _count(session, sensor, start, end, None) - found
    hint = (
        f" {later} more value(s) in that window were recorded after the cut-off "
        f"{to_utc(plan.cutoff).isoformat()}; a forecast cannot use them (set 'prior' later, or "
        "post history with the belief times at which it was known)."
        if later > 0
        else ""
    )
    raise InsufficientHistoryError(
        f"Forecasting sensor {sensor.id} needs at least 2 days of history known before "
        f"{to_utc(plan.made_at[0]).isoformat()}: {needed} values at "
        f"{format_duration(plan.resolution)} in the training window {start.isoformat()} to "
        f"{end.isoformat()}; found {found}.{hint}"
    )


def _count(
    session: Session, sensor: Sensor, start: datetime, end: datetime, prior: datetime | None
) -> int:
    if end <= start:
        return 0
    series = beliefs.read_series(session, sensor, start=start, duration=end - start, prior=prior)
    return int(np.count_nonzero(~np.isnan(series.values)))
