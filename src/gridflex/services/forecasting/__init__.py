"""Forecasting of sensor data: the one code path shared by the API, the CLI and jobs.

Load a sensor's history (and regressors) as known at a data cut-off, call the
forecasting engine, write the forecast back as beliefs of a forecaster data
source, and read it back for clients. See :mod:`.spec` for the timing rules.

Public API
----------
make_spec(sensor, *, now, start, end, duration, prior, ...) -> ForecastSpec
resolve(spec, sensor, *, now) -> Plan
run_plan(session, sensor, plan, *, save, baseline, on_progress) -> Outcome
describe(outcome, sensor) -> dict (a job's JSON result)
trigger_forecast(session, settings, sensor, spec, *, user) -> (Job, reused)
make_forecast(session, **kwargs) -> dict (the job function)
forecast_job(session, sensor, job_id) -> Job | None
forecast_values(session, sensor, job, *, unit) -> dict (values, start, duration, unit)
"""

from gridflex.services.forecasting.data import check_history, load_inputs
from gridflex.services.forecasting.jobs import (
    JOB_FUNC,
    QUEUE,
    check_unit,
    forecast_job,
    forecast_values,
    make_forecast,
    trigger_forecast,
)
from gridflex.services.forecasting.run import (
    SOURCE_NAME,
    Outcome,
    describe,
    forecaster_source,
    run_plan,
)
from gridflex.services.forecasting.spec import (
    DEFAULT_DURATION,
    ForecastSpec,
    Plan,
    make_spec,
    open_spec,
    resolve,
)

__all__ = [
    "DEFAULT_DURATION",
    "JOB_FUNC",
    "QUEUE",
    "SOURCE_NAME",
    "ForecastSpec",
    "Outcome",
    "Plan",
    "check_history",
    "check_unit",
    "describe",
    "forecast_job",
    "forecast_values",
    "forecaster_source",
    "load_inputs",
    "make_forecast",
    "make_spec",
    "open_spec",
    "resolve",
    "run_plan",
    "trigger_forecast",
]
