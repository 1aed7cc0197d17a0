"""ASGI middleware: request ids, access lines and metrics; every exception answered; security,
version and JSON content-type headers; the body size limit.

(The request's trace span, when tracing is on, is FastAPI's own, around all of these; see
``gridflex.tracing``. These add the request id and unexpected exceptions to it.)"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridflex import tracing
from gridflex.api.errors import answer_unexpected
from gridflex.logs import REQUEST_ID
from gridflex.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("gridflex.access")
_GIVEN_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


class RequestContext:
    """Gives each request an id (the client's ``X-Request-ID`` when it sends a sane one), puts
    it on every log line and in the answer's ``X-Request-ID`` header, and records one access
    line and the request's metrics (by route template, so that ids do not make new series)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"")
        request_id = given.decode() if _GIVEN_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        tracing.annotate_request(request_id)
        began, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            took = time.perf_counter() - began
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_LATENCY.labels(route, method).observe(took)
            access_log.info(
                "%s %s %s %.1f ms",
                method,
                scope.get("path", ""),
                status,
                took * 1000,
                extra={"route": route, "status": status, "duration_ms": round(took * 1000, 2)},
            )
            REQUEST_ID.reset(token)


class AnswerEveryError:
    """The outermost layer: an exception no handler took still gets an answer (in the API's
    dialect: 4xx/503 where the cause is known, else a logged 500), and the connection stays
    open for the client's next request (Starlette's own last resort re-raises, and the
    server then drops the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            tracing.record_exception(exc)
            if started:  # half an answer is out: only closing the connection tells the client
                raise
            response = answer_unexpected(scope.get("method", ""), scope.get("path", ""), exc)
            await response(scope, receive, send)


class ApiHeaders:
    """Adds ``FlexMeasures-Version`` (read by existing clients), ``API-Version`` and JSON content types."""

    def __init__(self, app: ASGIApp, *, flexmeasures_version: str, gridflex_version: str) -> None:
        self.app = app
        self.fm_version = flexmeasures_version.encode()
        self.gf_version = gridflex_version.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        api_version = (
            b"v3_0"
            if path.startswith("/api/v3_0")
            else b"v1_1"
            if path.startswith("/api/v1_1")
            else None
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.append((b"flexmeasures-version", self.fm_version))
                headers.append((b"gridflex-version", self.gf_version))
                if api_version:
                    headers.append((b"api-version", api_version))
                # Existing clients parse every answer as JSON, 204s included.
                if b"content-type" not in names and path.startswith("/api"):
                    headers.append((b"content-type", b"application/json"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimit:
    """Answers 413 before reading a body larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.body_limit = max_bytes
        self.upload_limit = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # File uploads are streamed to disk chunk by chunk; JSON bodies are parsed whole.
        limit = self.upload_limit if scope.get("path", "").endswith("/upload") else self.body_limit
        if limit <= 0:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._reject(send, limit)

    async def _reject(self, send: Send, limit: int) -> None:
        body: dict[str, Any] = {
            "message": f"Request body exceeds the configured limit of {limit} bytes "
            "(GRIDFLEX_MAX_BODY_BYTES, or GRIDFLEX_MAX_UPLOAD_BYTES for file uploads); "
            "split the data over several requests or upload a file.",
            "result": "Rejected",
            "status": "PAYLOAD_TOO_LARGE",
        }
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": orjson.dumps(body)})


class _TooLarge(Exception):
    pass


def content_security_policy(map_tile_url: str | None = None) -> str:
    """The policy of every page: our own scripts, styles and data only, no inline code.

    Images may also be ``data:`` URLs (Swagger UI's icons) and come from the map tile
    server's origin when one is configured.
    """
    images = "'self' data:"
    if map_tile_url:
        parts = urlsplit(map_tile_url.replace("{s}", "*"))  # Leaflet's subdomain placeholder
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Adds browser protections to every answer (a route may set its own policy instead).

    ``nosniff`` (a JSON answer is never run as a script), no framing (clickjacking),
    the Content-Security-Policy above, no Referer to other sites, HSTS on HTTPS, and
    ``Cache-Control: no-store`` on the ``no_store_paths`` (answers carrying tokens).
    """

    def __init__(self, app: ASGIApp, *, csp: str, no_store_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"content-security-policy", csp.encode()),
            (b"referrer-policy", b"no-referrer"),
        ]
        self.no_store_paths = frozenset(no_store_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.headers)
        if scope.get("scheme") == "https":  # as seen by the server: set by a trusted proxy
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        no_store = scope.get("path", "") in self.no_store_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in names]
                if no_store:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
