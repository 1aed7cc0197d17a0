"""The legacy v1_1 message API (seed 001): one router under ``/api/v1_1``.

Modules: ``listing`` (getService), ``connections`` (getConnection), ``power`` (meter
data and prognoses), ``markets_weather`` (prices and weather), and ``messages`` (the
v1 request/answer edge). The work is done by ``gridflex.services.legacy``.
"""

from __future__ import annotations

from fastapi import APIRouter

from gridflex.api.routers.v1_1 import connections, listing, markets_weather, power

router = APIRouter()
for _module in (listing, connections, power, markets_weather):
    router.include_router(_module.router)

__all__ = ["router"]
