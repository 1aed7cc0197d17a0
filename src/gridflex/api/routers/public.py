"""Public routes: API versions, the v3_0 service listing, readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gridflex import __version__
from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.store.base import ping

router = APIRouter(tags=["public"])


@router.get("/api/", summary="List available API versions")
@router.get("/api", include_in_schema=False)
def read_versions(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """The API versions this server speaks, and the reference release it is compatible with."""
    return {
        "message": "For these API versions a public endpoint is available, listing its service. "
        "For example: /api/v3_0. An authentication token can be requested at: /api/requestAuthToken",
        "status": 200,
        "versions": list(request.app.state.api_versions),
        "flexmeasures_version": settings.flexmeasures_version,
        "gridflex_version": __version__,
    }


@router.get("/api/v3_0", summary="Obtain a service listing for this version")
def read_service_listing(request: Request) -> dict[str, Any]:
    services = [
        {
            "endpoint_name": op.get("operationId"),
            "method": method.upper(),
            "path": path,
            "description": op.get("summary", ""),
        }
        for path, operations in request.app.openapi().get("paths", {}).items()
        if path.startswith("/api/v3_0/")
        for method, op in operations.items()
    ]
    return {"api_version": "v3_0", "services": services, "status": 200}


@router.get("/api/v3_0/health/ready", summary="Check readiness status")
def read_health(session: SessionDep, settings: SettingsDep) -> JSON:
    """Whether the database (and Redis, when configured) answer."""
    status: dict[str, Any] = {}
    try:
        ping(session)
        status["database_sql"] = True
    except Exception:  # pragma: no cover - depends on an outage
        status["database_sql"] = False
    if settings.redis_url:
        try:
            import redis

            redis.Redis.from_url(settings.redis_url, socket_timeout=1).ping()
            status["database_redis"] = True
        except Exception:
            status["database_redis"] = False
    ready = all(status.values())
    status["status"] = 200 if ready else 503
    return JSON(
        status, status_code=200 if ready else 503, headers=None if ready else {"Retry-After": "5"}
    )
