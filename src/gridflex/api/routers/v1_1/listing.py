"""getService: the public service listing of v1_1, optionally for one USEF role."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from gridflex.api.deps import SessionDep
from gridflex.api.responses import JSON
from gridflex.api.routers.v1_1.messages import Message, answer, expect
from gridflex.services.legacy.roles import service_listing

router = APIRouter(prefix="/api/v1_1", tags=["v1_1 (legacy)"])


def _listing(session: Session, message: Message) -> JSON:
    def work() -> dict:
        body = expect(message, "GetServiceRequest", required=False)
        return service_listing(body.get("access"))

    return answer(session, "GetService", work)


@router.get("/getService", summary="Obtain a service listing for this version")
def read_service(session: SessionDep, message: Message) -> JSON:
    """Public. The optional ``access`` field (a USEF role) keeps only the services open to that role."""
    return _listing(session, message)


@router.get("", summary="Obtain a service listing for this version (same as getService)")
def read_version(session: SessionDep, message: Message) -> JSON:
    return _listing(session, message)
