"""Domain errors -> HTTP answers: one table, with a column per API dialect.

The platform (v3_0) answers ``{"message": ..., "status": "<STATUS>"}`` (validation errors
name the field: ``{"message": {"json": {"start": ["..."]}}, "result": "Rejected",
"status": "UNPROCESSABLE_ENTITY"}``); the legacy v1_1 API answers the v1 status strings;
the carbon API (seed 002) its own ``{"error", "message"}``. Each dialect formats the body,
but which status code and name an error gets is decided here, once.

Errors that are not ours are answered too, never with a dropped connection: a database
that cannot be reached or a queue that is down -> 503 with ``Retry-After``; a number the
database cannot hold or JSON nested beyond parsing -> 422/400; anything else -> 500,
logged with its traceback.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridflex import errors
from gridflex.api.responses import JSON

Dialect = Literal["v3_0", "v1_1", "carbon"]
DIALECTS: tuple[Dialect, ...] = ("v3_0", "v1_1", "carbon")

# error class -> (code, name) per dialect: v3_0, v1_1, carbon. The first class in the MRO wins.
# fmt: off
ERROR_TABLE: dict[type[errors.GridflexError], tuple[tuple[int, str], ...]] = {
    errors.AuthenticationError:     ((401, "UNAUTHORIZED"),        (401, "UNAUTHORIZED"),                  (401, "Unauthorized")),
    errors.PermissionDeniedError:   ((403, "INVALID_SENDER"),      (403, "INVALID_SENDER"),                (401, "Unauthorized")),
    errors.InvalidReplacementError: ((403, "INVALID_REPLACEMENT"), (403, "INVALID_REPLACEMENT"),           (409, "Conflict")),
    errors.NotFoundError:           ((404, "NOT_FOUND"),           (400, "UNRECOGNIZED_CONNECTION_GROUP"), (404, "Not Found")),
    errors.ConflictError:           ((409, "CONFLICT"),            (409, "CONFLICT"),                      (409, "Conflict")),
    errors.TooLargeError:           ((413, "PAYLOAD_TOO_LARGE"),   (413, "PAYLOAD_TOO_LARGE"),             (413, "Payload Too Large")),
    errors.UnitError:               ((422, "UNPROCESSABLE_ENTITY"), (400, "INVALID_UNIT"),                 (400, "Bad Request")),
    errors.ResolutionError:         ((422, "UNPROCESSABLE_ENTITY"), (400, "INVALID_RESOLUTION"),           (400, "Bad Request")),
    errors.ValidationError:         ((422, "UNPROCESSABLE_ENTITY"), (400, "INVALID_REQUEST"),              (400, "Bad Request")),
    errors.InsufficientDataError:   ((422, "INSUFFICIENT_DATA"),   (400, "INVALID_REQUEST"),               (404, "Not Found")),
    errors.RateLimitError:          ((429, "TOO_MANY_REQUESTS"),   (429, "TOO_MANY_REQUESTS"),             (429, "Too Many Requests")),
    errors.UnavailableError:        ((503, "SERVICE_UNAVAILABLE"), (503, "SERVICE_UNAVAILABLE"),           (503, "Service Unavailable")),
    errors.InfeasibleError:         ((400, "INVALID_DATA"),        (400, "INVALID_REQUEST"),               (400, "Bad Request")),
    errors.GridflexError:           ((400, "INVALID_REQUEST"),     (400, "INVALID_REQUEST"),               (400, "Bad Request")),
}
# fmt: on

logger = logging.getLogger("gridflex.api")


UNAUTHORIZED_MESSAGE = "You could not be properly authenticated for this content or functionality."
INTERNAL_ERROR = {
    "message": "Internal server error; it has been logged.",
    "status": "INTERNAL_ERROR",
}


def status_for(exc: errors.GridflexError, dialect: Dialect = "v3_0") -> tuple[int, str]:
    """The HTTP status code and status name ``exc`` is answered with in ``dialect``."""
    column = DIALECTS.index(dialect)
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls][column]
    return ERROR_TABLE[errors.GridflexError][column]


def retry_headers(exc: errors.GridflexError) -> dict[str, str] | None:
    retry = getattr(exc, "retry_after_s", None)
    return {"Retry-After": str(retry)} if retry is not None else None


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


def domain_error(exc: BaseException) -> errors.GridflexError | None:
    """The domain error standing for an exception that is not ours, if any.

    SQLAlchemy wraps errors raised while binding parameters (e.g. an id out of range, see
    ``store.base.Int32``); database errors caused by the input become validation errors;
    a database or queue that cannot be reached becomes ``UnavailableError``.
    """
    if isinstance(exc, errors.GridflexError):
        return exc
    if isinstance(exc, sa_exc.StatementError) and isinstance(exc.orig, errors.GridflexError):
        return exc.orig
    if isinstance(exc, sa_exc.DataError | OverflowError):
        problem = str(getattr(exc, "orig", exc)).splitlines()[0]
        return errors.ValidationError(f"A value cannot be stored or compared: {problem}")
    if isinstance(exc, RecursionError):
        return errors.ValidationError("The request is nested too deeply to be read.")
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return errors.UnavailableError(
            "The database cannot be reached right now; please retry shortly.", retry_after_s=5
        )
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return errors.UnavailableError(
            "The job queue (Redis) cannot be reached right now; please retry shortly.",
            retry_after_s=10,
        )
    return None


def answer(request: Request, exc: errors.GridflexError) -> JSON:
    """The v3_0 answer to a domain error (other dialects answer in their routers)."""
    code, _ = status_for(exc)
    location = "query" if request.method in ("GET", "DELETE") else "json"
    return JSON(error_body(exc, location), status_code=code, headers=retry_headers(exc))


def dialect_of(path: str) -> Dialect:
    return (
        "carbon" if path.startswith("/v3/") else "v1_1" if path.startswith("/api/v1_1") else "v3_0"
    )


def answer_unexpected(method: str, path: str, exc: Exception) -> JSON:
    """The answer to an exception no handler took, in the dialect of the route's API."""
    domain = domain_error(exc)
    if domain is None:
        logger.error("Unhandled error on %s %s", method, path, exc_info=exc)
        return JSON(INTERNAL_ERROR, status_code=500)
    if not isinstance(domain, errors.ValidationError | errors.UnavailableError):
        logger.error("Unexpected %s on %s %s", type(exc).__name__, method, path, exc_info=exc)
    dialect = dialect_of(path)
    code, name = status_for(domain, dialect)
    if dialect == "carbon":
        body: dict[str, Any] = {"error": name, "message": domain.message}
    elif dialect == "v1_1":
        body = {"result": "Rejected", "status": name, "message": domain.message}
    else:
        body = error_body(domain, "query" if method in ("GET", "DELETE") else "json")
    return JSON(body, status_code=code, headers=retry_headers(domain))


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.GridflexError)
    async def _domain(request: Request, exc: errors.GridflexError) -> JSON:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSON:
        return JSON(_validation_body(exc), status_code=422)

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


# ---------------------------------------------------------------- the OpenAPI contract

_BODIES = {
    "v3_0": {
        "type": "object",
        "description": "A refusal: `message` is a text, or for invalid input an object "
        "`{<location>: {<field>: [<problem>, ...]}}` naming each field.",
        "properties": {
            "message": {"anyOf": [{"type": "string"}, {"type": "object"}]},
            "status": {"type": "string", "examples": ["UNPROCESSABLE_ENTITY"]},
            "result": {"type": "string", "examples": ["Rejected"]},
        },
        "required": ["message", "status"],
    },
    "v1_1": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "result": {"type": "string", "examples": ["Rejected"]},
            "status": {"type": "string", "examples": ["INVALID_UNIT"]},
            "message": {"type": "string"},
        },
        "required": ["status", "message"],
    },
    "carbon": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        "required": ["error", "message"],
    },
}
_SCHEMA_NAMES = {"v3_0": "ErrorAnswer", "v1_1": "V1ErrorAnswer", "carbon": "CarbonErrorAnswer"}
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated (missing, invalid or expired token)",
    403: "Not allowed for this user",
    404: "Not found",
    409: "Conflicts with stored data",
    413: "Request body too large",
    422: "Invalid input; the message names the field",
    429: "Too many requests; retry after `Retry-After` seconds",
    503: "A service the server depends on is down; retry after `Retry-After` seconds",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare, on every operation, the error statuses it may answer, with the error shape of
    its API dialect, so that schema-driven clients and fuzzers can rely on them."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for dialect, name in _SCHEMA_NAMES.items():
        components[name] = _BODIES[dialect]
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, replaced above
        components.pop(unused, None)
    for path, operations in schema.get("paths", {}).items():
        ref = {"$ref": f"#/components/schemas/{_SCHEMA_NAMES[dialect_of(path)]}"}
        for method, operation in operations.items():
            codes = [400, 401, 403, 404, 422, 503]
            if "requestBody" in operation or method in ("post", "put", "patch"):
                codes += [409, 413, 429]
            responses = operation.setdefault("responses", {})
            for code in codes:
                entry = responses.setdefault(str(code), {"description": _DESCRIPTIONS[code]})
                if code == 422 or "content" not in entry:  # FastAPI's own 422 shape is not ours
                    entry["description"] = _DESCRIPTIONS[code]
                    entry["content"] = {"application/json": {"schema": ref}}
                if code in (429, 503):
                    entry.setdefault("headers", _RETRY_AFTER)
    return schema
