"""Request schemas of the schedule routes: the trigger body and the schedule query.

The flex-model and flex-context are only shaped here (object or list); their
fields are checked by `gridflex.services.scheduling`, which names the field.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from gridflex.api.schemas.fields import Duration, JsonObject
from gridflex.errors import ValidationError
from gridflex.timing import parse_datetime


def _moment(value: Any, field: str) -> datetime:
    try:
        return parse_datetime(value, field=field)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


class ScheduleTrigger(BaseModel):
    """``POST /sensors/{id}/schedules/trigger`` and ``POST /assets/{id}/schedules/trigger``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: datetime = Field(description="Start of the schedule, ISO 8601 with an offset.")
    duration: Duration | None = Field(
        None, description="Length (default: the planning horizon, 48 h)."
    )
    resolution: Duration | None = Field(
        None, description="Step length: a whole multiple of the power sensors' resolution."
    )
    prior: datetime | None = Field(
        None, description="Belief time of the schedule and knowledge cut-off for its inputs."
    )
    flex_model: Any = Field(
        None,
        alias="flex-model",
        description="Sensor endpoint: one object. Asset endpoint: a list, each with its power 'sensor'.",
    )
    flex_context: JsonObject | None = Field(None, alias="flex-context")
    sequential: bool = Field(
        False, description="Schedule devices one after another (asset endpoint)."
    )
    force_new_job_creation: bool = Field(
        False,
        validation_alias=AliasChoices("force-new-job-creation", "force_new_job_creation"),
        description="Do not reuse an identical recent job.",
    )

    @field_validator("start", "prior", mode="before")
    @classmethod
    def _aware(cls, value: Any, info: Any) -> Any:
        return None if value is None else _moment(value, info.field_name)

    @field_validator("flex_model", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, dict | list):
            raise ValueError(
                "flex-model must be an object (or, at the asset endpoint, a list of objects)."
            )
        return value


class ScheduleQuery(BaseModel):
    """``GET /sensors/{id}/schedules/{uuid}``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    duration: Duration | None = None
    unit: str | None = None
    sign_convention: Literal["consumption-positive", "production-positive"] | None = Field(
        None, alias="sign-convention"
    )

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("duration must be positive.")
        return value
