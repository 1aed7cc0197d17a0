"""The FastAPI application factory."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gridflex import __version__, tracing, ui
from gridflex.api import charts, errors, metrics
from gridflex.api.examples import add_examples
from gridflex.api.middleware import (
    AnswerEveryError,
    ApiHeaders,
    BodySizeLimit,
    RequestContext,
    SecurityHeaders,
    content_security_policy,
)
from gridflex.api.responses import JSON
from gridflex.api.routers import (
    accounts,
    assets,
    auth,
    carbon,
    forecasts,
    heatmap,
    jobs,
    public,
    schedules,
    sensor_data,
    sensors,
    users,
    v1_1,
)
from gridflex.config import Settings, get_settings
from gridflex.jobs import Reaper, recover_embedded
from gridflex.jobs.backends import EmbeddedBackend, get_backend
from gridflex.store.base import session_scope
from gridflex.timing import utcnow

API_VERSIONS = ["v3_0", "v1_1"]
logger = logging.getLogger("gridflex.api")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if not settings.redis_url:  # embedded jobs: pick up what a previous server process left behind
        with session_scope(settings.database_url) as session:
            recover_embedded(session, settings)
    reaper = Reaper(settings.database_url).start()
    yield
    reaper.stop()
    backend = get_backend(settings)
    if isinstance(backend, EmbeddedBackend):  # let running in-process jobs finish
        left = backend.drain(settings.graceful_timeout_s)
        if left:
            logger.warning("%d in-process jobs still ran at shutdown; they will be failed", left)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    tracing.setup(settings.tracing)
    app = FastAPI(
        title="gridflex API",
        version=__version__,
        description="Assets, sensors and time series as beliefs; scheduling, forecasting, "
        "carbon intensity and network-capacity heatmaps.",
        default_response_class=JSON,
        docs_url=None,  # served below from local files: the product must work offline
        redoc_url=None,
        openapi_url="/api/v3_0/openapi.json",
        lifespan=lifespan,
        telemetry=tracing.fastapi_telemetry(),  # request spans only when tracing is set up
    )
    app.state.settings = settings
    app.state.api_versions = list(API_VERSIONS)
    app.state.clock = utcnow  # the login throttle's clock; tests replace it
    errors.install(app)
    # Routes are matched in order, one pattern after another, so the hot paths come first:
    # carbon's latest intensity (its /v3 paths overlap no other) and sensor data (reads and
    # writes of beliefs); the rest pay only their few failed checks.
    for module in (
        carbon,
        sensor_data,
        public,
        auth,
        accounts,
        users,
        assets,
        sensors,
        jobs,
        v1_1,
        heatmap,
        forecasts,
        schedules,
    ):
        app.include_router(module.router)
    # Outermost last: request ids around everything; security, version and content-type
    # headers around every answer, error answers (413, 500) included; then the last resort
    # for exceptions.
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    app.add_middleware(AnswerEveryError)
    app.add_middleware(
        ApiHeaders, flexmeasures_version=settings.flexmeasures_version, gridflex_version=__version__
    )
    app.add_middleware(
        SecurityHeaders,
        csp=content_security_policy(settings.map_tile_url),
        no_store_paths=["/api/requestAuthToken", "/ui/login"],
    )
    app.add_middleware(RequestContext)
    if settings.metrics:
        metrics.install(app, settings.database_url)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _serve_docs(app)
    _serve_chart_script(app)
    ui.install(app)  # the web UI: pages at / and /ui/..., over the same services
    return app


def _openapi(app: FastAPI) -> dict:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        # One "Authorize" button in Swagger UI: paste a token from POST /api/requestAuthToken.
        schema.setdefault("components", {})["securitySchemes"] = {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
        }
        schema["security"] = [{"token": []}]
        app.openapi_schema = errors.declare_error_responses(add_examples(schema))
    return app.openapi_schema


def _serve_chart_script(app: FastAPI) -> None:
    """What chart pages load: the Vega bundle (built once per process), their script and style."""
    day = {"Cache-Control": f"public, max-age={24 * 3600}"}

    @app.get("/ui/vega-embed.js", include_in_schema=False)
    def vega_embed() -> Response:
        return Response(charts.vega_bundle(), media_type="text/javascript", headers=day)

    @app.get("/ui/chart-page.js", include_in_schema=False)
    def chart_page_script() -> Response:
        return Response(charts.CHART_PAGE_JS, media_type="text/javascript", headers=day)

    @app.get("/ui/chart-page.css", include_in_schema=False)
    def chart_page_style() -> Response:
        return Response(charts.CHART_PAGE_CSS, media_type="text/css", headers=day)


# Swagger UI's start-up, served as a script file: the Content-Security-Policy runs no inline code.
SWAGGER_INIT_JS = """"use strict";
window.ui = SwaggerUIBundle({
  url: "/api/v3_0/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>gridflex API</title>
<link rel="stylesheet" href="/api/v3_0/docs/static/swagger-ui.css">
<link rel="icon" href="/api/v3_0/docs/static/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/api/v3_0/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/v3_0/docs/swagger-init.js"></script>
</body></html>"""


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI (5.x, for OpenAPI 3.1) from the swagger-ui-py package's files, not from a CDN."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("The swagger-ui-py package is missing: it serves the API docs.")
    static = Path(spec.origin).parent / "static"
    app.mount("/api/v3_0/docs/static", StaticFiles(directory=static), name="swagger-static")

    @app.get("/api/v3_0/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE)

    @app.get("/api/v3_0/docs/swagger-init.js", include_in_schema=False)
    def swagger_init() -> Response:
        return Response(SWAGGER_INIT_JS, media_type="text/javascript")
