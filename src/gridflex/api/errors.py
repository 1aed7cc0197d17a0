"""Domain errors -> HTTP answers, in one table.

Shapes follow the platform (and the reference implementation, so existing
clients understand them): ``{"message": ..., "status": "<STATUS>"}``;
validation errors name the field: ``{"message": {"json": {"start": ["..."]}},
"result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridflex import errors
from gridflex.api.responses import JSON

# class -> (HTTP status, status string); the first matching class in MRO order wins.
ERROR_TABLE: dict[type[errors.GridflexError], tuple[int, str]] = {
    errors.AuthenticationError: (401, "UNAUTHORIZED"),
    errors.PermissionDeniedError: (403, "INVALID_SENDER"),
    errors.InvalidReplacementError: (403, "INVALID_REPLACEMENT"),
    errors.NotFoundError: (404, "NOT_FOUND"),
    errors.ConflictError: (409, "CONFLICT"),
    errors.ValidationError: (422, "UNPROCESSABLE_ENTITY"),
    errors.InsufficientDataError: (422, "INSUFFICIENT_DATA"),
    errors.RateLimitError: (429, "TOO_MANY_REQUESTS"),
    errors.InfeasibleError: (400, "INVALID_DATA"),
    errors.GridflexError: (400, "INVALID_REQUEST"),
}

logger = logging.getLogger("gridflex.api")


class ErrorBody(BaseModel):
    """The shape of every error answer of the platform API."""

    message: str | dict[str, dict[str, list[str]]] = Field(
        description="What went wrong; for 422, the offending fields by location "
        '(e.g. {"json": {"password": ["..."]}})'
    )
    status: str = Field(examples=["UNPROCESSABLE_ENTITY"])
    result: str | None = Field(None, examples=["Rejected"])
    errors: list[str] | None = Field(
        None, description="requestAuthToken only: the message again, as the reference answers"
    )


# What each status means on the routes that declare it (the status strings are examples).
ERROR_MEANINGS: dict[int, str] = {
    400: "Bad request (INVALID_REQUEST)",
    401: "No, invalid or expired token (UNAUTHORIZED)",
    403: "Authenticated, but not allowed (INVALID_SENDER)",
    404: "Not found (NOT_FOUND)",
    409: "Conflicts with what is stored (CONFLICT)",
    413: "Request body too large (PAYLOAD_TOO_LARGE)",
    422: "Invalid input; the message names the field (UNPROCESSABLE_ENTITY)",
    429: "Too many requests; see the Retry-After header (TOO_MANY_REQUESTS)",
    503: "A service the request needs is unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer these error statuses, e.g.
    ``@router.patch(..., responses=error_responses(401, 403, 404, 413, 422))``."""
    return {code: {"model": ErrorBody, "description": ERROR_MEANINGS[code]} for code in codes}


UNAUTHORIZED_MESSAGE = "You could not be properly authenticated for this content or functionality."


def status_for(exc: errors.GridflexError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return 400, "INVALID_REQUEST"


def error_body(exc: errors.GridflexError, location: str = "json") -> dict[str, Any]:
    code, status = status_for(exc)
    if isinstance(exc, errors.ValidationError):
        field = exc.field or "_schema"
        return {
            "message": {location: {field: [exc.message]}},
            "result": "Rejected",
            "status": status,
        }
    body: dict[str, Any] = {"message": exc.message, "status": status}
    if code in (403, 409, 429):
        body["result"] = "Rejected"
    return body


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        where = {"body": "json"}.get(loc[0], loc[0]) if loc else "json"
        field = ".".join(loc[1:]) or "_schema"
        message = str(err.get("msg", "Invalid value.")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            message = "Missing data for required field."
        grouped.setdefault(where, {}).setdefault(field, []).append(message)
    return {"message": grouped, "result": "Rejected", "status": "UNPROCESSABLE_ENTITY"}


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.GridflexError)
    async def _domain(request: Request, exc: errors.GridflexError) -> JSON:
        code, _ = status_for(exc)
        location = "query" if request.method in ("GET", "DELETE") else "json"
        headers = (
            {"Retry-After": str(exc.retry_after_s)}
            if isinstance(exc, errors.RateLimitError)
            else None
        )
        return JSON(error_body(exc, location), status_code=code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSON:
        return JSON(_validation_body(exc), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSON:
        # Clients parse every answer as JSON; the traceback goes to the server log, not to the client.
        logger.exception("Unhandled error on %s %s", request.method, request.url.path)
        return JSON(
            {"message": "Internal server error; it has been logged.", "status": "INTERNAL_ERROR"},
            status_code=500,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSON:
        names = {
            404: "NOT_FOUND",
            405: "INVALID_METHOD",
            413: "PAYLOAD_TOO_LARGE",
            429: "TOO_MANY_REQUESTS",
        }
        return JSON(
            {"message": str(exc.detail), "status": names.get(exc.status_code, "INVALID_REQUEST")},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
