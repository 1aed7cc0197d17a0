"""The v1 message edge: reading a request into one message, answering in the v1 shape.

Every answer carries ``type`` (``<Name>Response``); refusals are
``{"type", "result": "Rejected", "status", "message"}`` with the status strings of
``services.legacy.errors`` and the shared errors translated below. These answers
are produced here, for the ``/api/v1_1`` routes only: the app's global handlers
are untouched. A refused request rolls its transaction back before answering, so
nothing of it is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gridflex import errors
from gridflex.api.deps import authenticate, token_from_headers
from gridflex.api.errors import UNAUTHORIZED_MESSAGE, status_for
from gridflex.api.responses import JSON
from gridflex.config import Settings
from gridflex.services.beliefs import WriteResult
from gridflex.services.legacy.errors import LegacyError
from gridflex.services.legacy.roles import require_access
from gridflex.store.models import User
from gridflex.timing import format_duration

PROCESSED = {"status": "PROCESSED", "message": "Request has been processed."}
ALREADY_RECEIVED = {
    "results": "PROCESSED",
    "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED",
    "message": "Some of the data has already been received and successfully processed.",
}
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


class Unreadable:
    """A body that is not JSON (answered as INVALID_REQUEST once the handler runs)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # the seeds print messages with trailing commas; read them as their authors meant
        return json.loads(_TRAILING_COMMA.sub(r"\1", raw.decode()))
    except (ValueError, UnicodeDecodeError) as exc:
        return Unreadable(str(exc))


def _query_value(values: list[str]) -> Any:
    items: list[Any] = []
    for value in values:
        if value.strip().startswith("["):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = [value]
            items.extend(parsed if isinstance(parsed, list) else [parsed])
        else:
            items.append(value)
    return items[0] if len(items) == 1 else items


async def read_message(request: Request) -> Any:
    """The JSON body, with (for GET) the query parameters on top of it."""
    raw = await request.body()
    body: Any = _loads(raw) if raw.strip() else {}
    if request.method == "GET" and isinstance(body, dict):
        query = {
            key: _query_value(request.query_params.getlist(key)) for key in request.query_params
        }
        body = {**body, **query}
    return body


Message = Annotated[Any, Depends(read_message)]


def expect(message: Any, request_type: str | None, *, required: bool = True) -> dict[str, Any]:
    """The message as a dict, if it is one of ``request_type`` (INVALID_MESSAGE_TYPE otherwise)."""
    if isinstance(message, Unreadable):
        raise LegacyError(
            "INVALID_REQUEST", f"The request body is not valid JSON ({message.problem})."
        )
    if not isinstance(message, dict):
        raise LegacyError("INVALID_REQUEST", "The message must be a JSON object.")
    given = message.get("type")
    if (required or given is not None) and given != request_type:
        raise LegacyError(
            "INVALID_MESSAGE_TYPE",
            f"Request message should specify type '{request_type}'"
            + (f", not {given!r}." if given is not None else "."),
            field="type",
        )
    return message


def authorised(session: Session, settings: Settings, request: Request, service: str) -> User:
    """The authenticated user, if their account's roles open ``service`` to them."""
    user = authenticate(session, settings, token_from_headers(request))
    require_access(user, service)
    return user


def answer(session: Session, name: str, work: Callable[[], dict[str, Any]]) -> JSON:
    """Run ``work`` and answer ``<name>Response``; refusals roll the transaction back first."""
    try:
        body = work()
    except errors.GridflexError as exc:
        session.rollback()
        code, refusal = rejection(exc)
        return JSON({"type": f"{name}Response", **refusal}, status_code=code)
    return JSON({"type": f"{name}Response", **body})


# Validation errors of the shared services that the table answers INVALID_REQUEST, made
# more precise by the field they name.
_BY_FIELD = {
    "start": "INVALID_PERIOD",
    "duration": "INVALID_RESOLUTION",
    "resolution": "INVALID_RESOLUTION",
    "values": "PTUS_INCOMPLETE",
    "unit": "INVALID_UNIT",
}


def rejection(exc: errors.GridflexError) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, LegacyError):
        code, status = exc.http_status, exc.status
    else:
        code, status = status_for(exc, "v1_1")
        if status == "INVALID_REQUEST":
            status = _BY_FIELD.get(exc.field or "", status)
    message = UNAUTHORIZED_MESSAGE if code == 401 else exc.message
    return code, {"result": "Rejected", "status": status, "message": message}


def processed(result: WriteResult) -> dict[str, Any]:
    return dict(ALREADY_RECEIVED if result.nothing_new else PROCESSED)


def iso(moment: datetime) -> str:
    """ISO 8601 in the offset the client used, with ``Z`` for UTC (as the seeds print it)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def body_doc(example: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI description of a message body (read by hand, so FastAPI cannot infer it)."""
    content = {"application/json": {"schema": {"type": "object"}, "example": example}}
    return {"requestBody": {"required": True, "content": content}}


def period(start: datetime, duration: timedelta) -> dict[str, str]:
    return {"start": iso(start), "duration": format_duration(duration)}
