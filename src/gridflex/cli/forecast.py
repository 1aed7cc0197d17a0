"""``gridflex forecast``: make a forecast now, backtest a model, or keep forecasts fresh.

- ``gridflex forecast SENSOR --start ... --duration ...`` forecasts in this
  process and stores the forecast as beliefs (``--dry-run``: only print it).
- ``gridflex forecast backtest SENSOR --from ... --to ...`` makes rolling
  forecasts over a past period and prints MAE, RMSE, MAPE and the skill
  against the baselines (and, for ``--model auto``, which model each run used).
- ``gridflex forecast refresh --sensors 4,6 --every 15 --horizon PT48H``
  enqueues a forecasting job per sensor every 15 minutes until stopped.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from gridflex.cli.common import console, print_table, session, settings, split_list
from gridflex.errors import GridflexError, NotFoundError, ValidationError
from gridflex.jobs.backends import get_backend
from gridflex.services import forecasting
from gridflex.store.base import session_scope
from gridflex.store.models import Job, Sensor
from gridflex.timing import format_duration, parse_datetime, parse_duration, utcnow


class _DefaultToMake(TyperGroup):
    """``gridflex forecast SENSOR ...`` runs the hidden ``make`` command; named subcommands win."""

    # ctx: a click Context; recent typer versions bring their own copy of click, so its
    # class depends on the typer installed (typer.Context is a subclass: too narrow here).
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["make", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToMake,
    help="Forecast a sensor (gridflex forecast SENSOR --start ... --duration ...), "
    "backtest a model, or refresh forecasts every N minutes.",
    no_args_is_help=True,
)

_MODEL = typer.Option(
    "auto",
    "--model",
    help="auto (the best in a backtest of the history), boosted, naive-daily, naive-weekly "
    "or persistence",
)
_TRAIN_PERIOD = typer.Option(None, "--train-period", help="training window, e.g. P60D (>= P2D)")
_MAX_TRAIN = typer.Option(None, "--max-training-period", help="cap on the window (default P365D)")
_REGRESSORS = typer.Option("", "--regressors", help="sensor ids used as past and future regressors")
_PAST = typer.Option("", "--past-regressors", help="sensor ids known up to the forecast time")
_FUTURE = typer.Option("", "--future-regressors", help="sensor ids known over the window too")
_PRIOR = typer.Option(
    None, "--prior", help="data cut-off: only data recorded by then (default now)"
)


def _moment(text: str | None, field: str) -> datetime | None:
    return None if text is None else parse_datetime(text, field=field)


def _duration(text: str | None, field: str) -> timedelta | None:
    return None if text is None else parse_duration(text, field=field)


def _ids(text: str, field: str) -> list[int]:
    try:
        return [int(item) for item in split_list(text)]
    except ValueError:
        raise ValidationError(f"{text!r} is not a list of sensor ids.", field=field) from None


def _sensor(db: Session, sensor_id: int) -> Sensor:
    sensor = db.get(Sensor, sensor_id)
    if sensor is None:
        raise NotFoundError(f"Sensor {sensor_id} not found.")
    return sensor


def _common(
    model: str, train_period: str | None, max_training_period: str | None,
    regressors: str, past: str, future: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "model": model,
        "train_period": _duration(train_period, "train-period"),
        "max_training_period": _duration(max_training_period, "max-training-period"),
        "regressors": _ids(regressors, "regressors"),
        "past_regressors": _ids(past, "past-regressors"),
        "future_regressors": _ids(future, "future-regressors"),
    }


@app.command("make", hidden=True)
def make(
    sensor_id: int = typer.Argument(..., metavar="SENSOR", help="id of the sensor to forecast"),
    start: str | None = typer.Option(
        None, "--start", help="first event start (default: next step)"
    ),
    end: str | None = typer.Option(None, "--end", help="end of the window"),
    duration: str | None = typer.Option(
        None, "--duration", help="length of the window (default PT48H)"
    ),
    prior: str | None = _PRIOR,
    model: str = _MODEL,
    probabilistic: bool = typer.Option(False, "--probabilistic", help="also 10/50/90 % quantiles"),
    train_start: str | None = typer.Option(None, "--train-start"),
    train_period: str | None = _TRAIN_PERIOD,
    max_training_period: str | None = _MAX_TRAIN,
    regressors: str = _REGRESSORS,
    past_regressors: str = _PAST,
    future_regressors: str = _FUTURE,
    dry_run: bool = typer.Option(False, "--dry-run", help="print, do not store"),
    show_values: bool = typer.Option(False, "--values", help="print every value"),
) -> None:
    """Forecast SENSOR now, in this process, and store the forecast as beliefs."""
    with session() as db:
        sensor = _sensor(db, sensor_id)
        spec = forecasting.make_spec(
            sensor,
            now=utcnow(),
            start=_moment(start, "start"),
            end=_moment(end, "end"),
            duration=_duration(duration, "duration"),
            prior=_moment(prior, "prior"),
            probabilistic=probabilistic,
            train_start=_moment(train_start, "train-start"),
            **_common(
                model,
                train_period,
                max_training_period,
                regressors,
                past_regressors,
                future_regressors,
            ),
        )
        plan = forecasting.resolve(spec, sensor, now=utcnow())
        forecasting.check_history(db, sensor, plan)
        outcome = forecasting.run_plan(db, sensor, plan, save=not dry_run)
        summary = forecasting.describe(outcome, sensor)
        _print_forecast(outcome, sensor, summary, show_values=show_values)


def _print_forecast(
    outcome: forecasting.Outcome, sensor: Sensor, summary: dict[str, Any], *, show_values: bool
) -> None:
    run = outcome.runs[-1]
    console.print(
        f"Forecast of sensor {sensor.id} ({sensor.name}) made at {summary['belief_time']}: "
        f"{len(run.values)} values of {summary['resolution']} from {summary['start']} {escape(f'[{sensor.unit}]')}, "
        f"model {summary['model']} v{summary['model_version']} trained on "
        f"{summary['n_train_values']} values ({summary['train_start']} to {summary['train_end']})."
    )
    if run.selection is not None:
        console.print(_selection_line(run.selection), markup=False, highlight=False)
    if outcome.source is None:
        console.print("Dry run: nothing stored.")
    else:
        console.print(
            f"Stored {outcome.stored} beliefs ({outcome.already_known} already known) as data "
            f"source {outcome.source.id} ({outcome.source.name}, model {outcome.source.model})."
        )
    index = run.values.index
    rows = (
        range(len(index))
        if show_values or len(index) <= 12
        else [*range(6), *range(len(index) - 6, len(index))]
    )
    quantiles = run.quantiles or {}
    columns = (
        ["event start", *(f"p{round(q * 100)}" for q in quantiles)]
        if quantiles
        else ["event start", "value"]
    )
    table = [
        [
            index[i].isoformat(),
            *(f"{s.iloc[i]:.4g}" for s in (quantiles.values() if quantiles else [run.values])),
        ]
        for i in rows
    ]
    print_table(escape(f"forecast [{sensor.unit}]"), columns, table)


def _selection_line(selection: Any) -> str:
    """How ``auto`` chose: the winner, its backtest error and skill against each baseline."""
    if not selection.mae:
        return f"Model selection: {selection.note}."
    skills = ", ".join(
        f"{name} {100 * value:.1f} %"
        for name, value in selection.skill.items()
        if value is not None
    )
    combined = ", the weighted mean of the three best" if len(selection.weights) > 1 else ""
    return (
        f"Model selection: {selection.chosen} had the least error (MAE "
        f"{selection.chosen_mae:.4g}{combined}) of {len(selection.mae)} candidates in "
        f"{selection.n_runs} backtest runs before the forecast; skill vs {skills}."
    )


@app.command("backtest")
def backtest_command(
    sensor_id: int = typer.Argument(..., metavar="SENSOR"),
    start: str = typer.Option(..., "--from", help="first run's start (and belief time)"),
    end: str = typer.Option(..., "--to", help="end of the period"),
    horizon: str = typer.Option("PT48H", "--horizon", help="length of each run"),
    frequency: str | None = typer.Option(
        None, "--frequency", help="time between runs (default P1D)"
    ),
    retrain_frequency: str | None = typer.Option(
        None, "--retrain-frequency", help="default: every run"
    ),
    baseline: str = typer.Option(
        "naive-weekly", "--baseline", help="naive-weekly, naive-daily or persistence"
    ),
    prior: str | None = _PRIOR,
    model: str = _MODEL,
    train_period: str | None = _TRAIN_PERIOD,
    max_training_period: str | None = _MAX_TRAIN,
    regressors: str = _REGRESSORS,
    past_regressors: str = _PAST,
    future_regressors: str = _FUTURE,
    save: bool = typer.Option(False, "--save", help="store the runs as beliefs too"),
) -> None:
    """Rolling forecasts over [--from, --to): MAE, RMSE, MAPE and skill against the baseline."""
    with session() as db:
        sensor = _sensor(db, sensor_id)
        spec = forecasting.make_spec(
            sensor,
            now=utcnow(),
            start=_moment(start, "from"),
            end=_moment(end, "to"),
            prior=_moment(prior, "prior"),
            max_forecast_horizon=_duration(horizon, "horizon"),
            forecast_frequency=_duration(frequency or "P1D", "frequency"),
            retrain_frequency=_duration(retrain_frequency, "retrain-frequency"),
            **_common(
                model,
                train_period,
                max_training_period,
                regressors,
                past_regressors,
                future_regressors,
            ),
        )
        plan = forecasting.resolve(spec, sensor, now=utcnow())
        if not plan.rolling:  # one run covering the period: still score it
            plan = dataclasses.replace(plan, rolling=True, made_at=(plan.start,))
        forecasting.check_history(db, sensor, plan)
        with Progress(
            TextColumn("Backtest runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("runs", total=len(plan.made_at))
            outcome = forecasting.run_plan(
                db, sensor, plan, save=save, baseline=baseline,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
        assert outcome.backtest is not None
        console.print(
            f"Backtest of sensor {sensor.id} ({sensor.name}) {escape(f'[{sensor.unit}]')}, "
            f"{plan.start.isoformat()} to {plan.end.isoformat()}: runs of "
            f"{format_duration(plan.horizon)} every {format_duration(plan.frequency)}, "
            f"data known at {plan.cutoff.isoformat()}."
        )
        console.print(outcome.backtest.report(), markup=False, highlight=False)
        if outcome.source is not None:  # saved
            console.print(f"Stored {outcome.stored} beliefs as data source {outcome.source.id}.")


@app.command("refresh")
def refresh(
    sensors: str = typer.Option(..., "--sensors", help="comma-separated sensor ids, e.g. 4,6"),
    every: float = typer.Option(15, "--every", min=0.01, help="minutes between refreshes"),
    horizon: str = typer.Option("PT48H", "--horizon", help="length of each forecast"),
    model: str = _MODEL,
    probabilistic: bool = typer.Option(False, "--probabilistic"),
    train_period: str | None = _TRAIN_PERIOD,
    max_training_period: str | None = _MAX_TRAIN,
    regressors: str = _REGRESSORS,
    past_regressors: str = _PAST,
    future_regressors: str = _FUTURE,
    count: int | None = typer.Option(None, "--count", min=1, help="stop after this many rounds"),
) -> None:
    """Every N minutes, enqueue a forecasting job per sensor (made when the job runs) until stopped.

    Without GRIDFLEX_REDIS_URL the jobs run in this process; with it, ``gridflex
    worker`` processes run them. A flex-context can then point at these sensors'
    forecasts, always at most N minutes old.
    """
    config = settings()
    ids = _ids(sensors, "sensors")
    with session() as db:  # check every request once, before the first round
        specs = [
            forecasting.open_spec(
                forecasting.make_spec(
                    _sensor(db, sensor_id),
                    now=utcnow(),
                    duration=_duration(horizon, "horizon"),
                    probabilistic=probabilistic,
                    fixed=False,
                    **_common(
                        model,
                        train_period,
                        max_training_period,
                        regressors,
                        past_regressors,
                        future_regressors,
                    ),
                )
            )
            for sensor_id in ids
        ]
    embedded = get_backend(config).kind == "embedded"
    console.print(
        f"Refreshing forecasts of sensor(s) {', '.join(map(str, ids))} every {every:g} min "
        f"({format_duration(specs[0].duration)} ahead; {'in this process' if embedded else 'by RQ workers'}). "
        "Stop with Ctrl-C."
    )
    rounds = 0
    try:
        while count is None or rounds < count:
            began = time.monotonic()
            job_ids = _enqueue_round(config, specs)
            rounds += 1
            if embedded:
                _report_round(config.database_url, job_ids, timeout=every * 60)
            else:
                console.print(f"{utcnow().isoformat()}: enqueued {', '.join(job_ids)}")
            if count is None or rounds < count:
                time.sleep(max(0.0, every * 60 - (time.monotonic() - began)))
    except KeyboardInterrupt:
        console.print(f"Stopped after {rounds} round(s).")


def _enqueue_round(config: Any, specs: list[forecasting.ForecastSpec]) -> list[str]:
    job_ids = []
    with session() as db:
        for spec in specs:
            try:  # one sensor without enough data must not stop the others
                sensor = _sensor(db, spec.sensor_id)
                job, _ = forecasting.trigger_forecast(db, config, sensor, spec, rate_limit=False)
            except GridflexError as exc:
                console.print(f"[red]sensor {spec.sensor_id}: not forecast:[/red] {exc.message}")
                continue
            job_ids.append(job.id)
    return job_ids


def _report_round(database_url: str, job_ids: list[str], *, timeout: float) -> None:
    """Wait for this round's jobs (they run in this process) and print how each went."""
    deadline = time.monotonic() + max(timeout, 60.0)
    pending = list(job_ids)
    while pending and time.monotonic() < deadline:
        with session_scope(database_url) as db:
            for job_id in list(pending):
                job = db.get(Job, job_id)
                if job is not None and job.status in ("finished", "failed"):
                    pending.remove(job_id)
                    _print_job(job)
        if pending:
            time.sleep(0.1)
    for job_id in pending:
        console.print(f"job {job_id} still running")


def _print_job(job: Job) -> None:
    if job.status == "failed":
        console.print(f"[red]sensor {job.sensor_id}: forecast failed:[/red] {job.error}")
        return
    result = job.result or {}
    console.print(
        f"sensor {job.sensor_id}: forecast made at {result.get('belief_time')} for "
        f"{result.get('start')} + {result.get('duration')}, {result.get('stored')} beliefs stored "
        f"(job {job.id})."
    )
