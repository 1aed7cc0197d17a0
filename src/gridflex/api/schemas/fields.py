"""Field types shared by the request schemas: JSON given as objects or as JSON strings, durations."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from gridflex.errors import ValidationError
from gridflex.store.base import INT32_MAX
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
# An id as the database holds it (1 .. 2**31 - 1); a larger one is refused naming its field.
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]


def without_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a value (PostgreSQL cannot store them in text)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text must not contain NUL (\\x00) characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            without_nul(key)
            without_nul(item)
    elif isinstance(value, list):
        for item in value:
            without_nul(item)
    return value
