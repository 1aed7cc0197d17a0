"""getConnection: the entity addresses and names of the connections a user can read."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.api.routers.v1_1.messages import Message, answer, authorised, expect
from gridflex.services.legacy.addressing import list_connections

router = APIRouter(prefix="/api/v1_1", tags=["v1_1 (legacy)"])


@router.get("/getConnection", summary="Retrieve entity addresses of connections")
def read_connections(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """Connections (assets with a power sensor) of the accounts the user can read, newest first."""

    def work() -> dict:
        user = authorised(session, settings, request, "getConnection")
        expect(message, "GetConnectionRequest")
        found = list_connections(session, user, settings.entity_host)
        return {
            "connections": [address for address, _ in found],
            "names": [name for _, name in found],
        }

    return answer(session, "GetConnection", work)
