"""Request schema of the forecasting trigger, in the shape existing clients send it.

Top level: ``start``, ``end``, ``duration`` (at most two), ``prior``,
``max-forecast-horizon``, ``forecast-frequency``, ``probabilistic``, ``model``;
training and regressors inside ``config``. Unknown fields are refused by name.

The answer's model fields (:class:`ModelSelection`, :class:`ForecastPublic`) are
documented here for the OpenAPI page; the router sends them as the service
builds them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gridflex.api.schemas.fields import Duration
from gridflex.errors import ValidationError
from gridflex.timing import parse_datetime


def _aware(value: Any, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    try:
        return parse_datetime(value, field=field)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


class ForecastConfig(BaseModel):
    """Training window and regressors (sensor ids)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    train_start: datetime | None = Field(None, alias="train-start")
    train_period: Duration | None = Field(None, alias="train-period")
    max_training_period: Duration | None = Field(None, alias="max-training-period")
    retrain_frequency: Duration | None = Field(None, alias="retrain-frequency")
    regressors: list[int] = Field(default_factory=list)
    past_regressors: list[int] = Field(default_factory=list, alias="past-regressors")
    future_regressors: list[int] = Field(default_factory=list, alias="future-regressors")

    @field_validator("train_start", mode="before")
    @classmethod
    def _train_start(cls, value: Any) -> Any:
        return _aware(value, "train-start")


class ForecastTrigger(BaseModel):
    """``POST /sensors/{id}/forecasts/trigger``."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "example": {
                "start": "2026-11-24T00:00:00+01:00",
                "duration": "PT48H",
                "probabilistic": True,
                "config": {"train-period": "P60D", "future-regressors": [6]},
            }
        },
    )

    start: datetime | None = None
    end: datetime | None = None
    duration: Duration | None = None
    prior: datetime | None = None
    max_forecast_horizon: Duration | None = Field(None, alias="max-forecast-horizon")
    forecast_frequency: Duration | None = Field(None, alias="forecast-frequency")
    probabilistic: bool = False
    model: str = Field(
        "auto",
        description="auto (default: the best of the others and their blends in a backtest of "
        "the data known before the forecast), boosted, naive-daily, naive-weekly or persistence",
    )
    config: ForecastConfig = Field(default_factory=ForecastConfig)

    @field_validator("start", "end", "prior", mode="before")
    @classmethod
    def _moments(cls, value: Any, info: Any) -> Any:
        return _aware(value, info.field_name)

    def spec_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``services.forecasting.make_spec``."""
        config = self.config
        return {
            "start": self.start,
            "end": self.end,
            "duration": self.duration,
            "prior": self.prior,
            "max_forecast_horizon": self.max_forecast_horizon,
            "forecast_frequency": self.forecast_frequency,
            "retrain_frequency": config.retrain_frequency,
            "model": self.model,
            "probabilistic": self.probabilistic,
            "train_start": config.train_start,
            "train_period": config.train_period,
            "max_training_period": config.max_training_period,
            "regressors": config.regressors,
            "past_regressors": config.past_regressors,
            "future_regressors": config.future_regressors,
        }


class ModelSelection(BaseModel):
    """How model ``auto`` chose: each candidate's error in a backtest of the data known before."""

    chosen: str = Field(
        description="model used, e.g. boosted, the blend boosted+naive-weekly, or the "
        "combination of the three best candidates median-daily | clearsky-median | boosted"
    )
    weights: dict[str, float] = Field(
        default_factory=dict, description="candidates combined and their weights (sum 1)"
    )
    mae: dict[str, float] = Field(description="mean absolute error per candidate (sensor unit)")
    chosen_mae: float | None = Field(
        None, description="mean absolute error of the model used (sensor unit)"
    )
    skill: dict[str, float | None] = Field(
        description="1 - MAE_chosen / MAE_baseline per baseline (naive-daily, naive-weekly, "
        "persistence)"
    )
    first_run: str | None = Field(None, description="belief time of the first backtest run")
    last_run: str | None = Field(None, description="belief time of the last backtest run")
    runs: int = 0
    values: int = Field(0, description="forecast values compared per candidate")
    note: str | None = Field(None, description="why no comparison was made, if none was")


class ForecastPublic(BaseModel):
    """``GET /sensors/{id}/forecasts/{uuid}`` when the forecast is done."""

    values: list[float | None]
    start: str
    duration: str
    unit: str
    resolution: str
    belief_time: str
    source: int
    quantiles: dict[str, list[float | None]] | None = None
    model: str | None = Field(None, description="model that made the (last run of the) forecast")
    selection: ModelSelection | None = None
    skills: dict[str, float | None] | None = Field(
        None, description="rolling forecasts: skill against each baseline over the scored runs"
    )
