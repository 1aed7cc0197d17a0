"""The FastAPI application factory."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gridflex import __version__, ui
from gridflex.api import charts, errors, metrics
from gridflex.api.examples import add_examples
from gridflex.api.middleware import AnswerEveryError, ApiHeaders, BodySizeLimit, RequestContext
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
    )
    app.state.settings = settings
    app.state.api_versions = list(API_VERSIONS)
    errors.install(app)
    # carbon first: its /v3 paths overlap no other, and its latest route is the hot path of the
    # whole API (routes are matched in order, so the others pay only its few failed checks).
    for module in (
        carbon,
        public,
        auth,
        accounts,
        users,
        assets,
        sensors,
        sensor_data,
        jobs,
        v1_1,
        heatmap,
        forecasts,
        schedules,
    ):
        app.include_router(module.router)
    # Outermost last: request ids around everything; version and content-type headers around
    # every answer, error answers included; then the last resort for exceptions.
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    app.add_middleware(AnswerEveryError)
    app.add_middleware(
        ApiHeaders, flexmeasures_version=settings.flexmeasures_version, gridflex_version=__version__
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
    """The script chart pages load (Vega, Vega-Lite, vega-embed), built once per process."""

    @app.get("/ui/vega-embed.js", include_in_schema=False)
    def vega_embed() -> Response:
        return Response(
            charts.vega_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": f"public, max-age={24 * 3600}"},
        )


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI (5.x, for OpenAPI 3.1) from the swagger-ui-py package's files, not from a CDN."""
    static = Path(importlib.util.find_spec("swagger_ui").origin).parent / "static"  # type: ignore[union-attr, arg-type]
    app.mount("/api/v3_0/docs/static", StaticFiles(directory=static), name="swagger-static")

    @app.get("/api/v3_0/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v3_0/openapi.json",
            title="gridflex API",
            swagger_js_url="/api/v3_0/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/api/v3_0/docs/static/swagger-ui.css",
            swagger_favicon_url="/api/v3_0/docs/static/favicon-32x32.png",
        )
