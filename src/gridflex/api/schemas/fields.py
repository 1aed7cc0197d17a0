"""Field types shared by the request schemas: JSON given as objects or as JSON strings, durations."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

from gridflex.errors import ValidationError
from gridflex.timing import parse_duration


def _json_or_string(value: Any) -> Any:
    # Existing clients send these fields JSON-encoded as strings.
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"Not valid JSON: {exc.msg}") from None
    return value


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(value)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


JsonObject = Annotated[dict[str, Any], BeforeValidator(_json_or_string)]
JsonList = Annotated[list[Any], BeforeValidator(_json_or_string)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
