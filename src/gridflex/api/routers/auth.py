"""Authentication: exchange email and password for a token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.errors import AuthenticationError
from gridflex.services import users

router = APIRouter(tags=["auth"])


@router.post(
    "/api/requestAuthToken",
    summary="Obtain authentication token",
)
def request_auth_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: str = Body(..., examples=["user@example.com"]),
    password: str = Body(..., examples=["password"]),
) -> Any:
    """A token valid for ``GRIDFLEX_TOKEN_MAX_AGE``; send it raw (or as ``Bearer``) in ``Authorization``.

    A wrong password and an unknown email get the same answer (401). After repeated
    failures for an account or from an address, logins are refused for a while
    (429 with ``Retry-After``), even with the right password.
    """
    address = request.client.host if request.client else None
    try:
        user, token = users.login(
            session, settings, email, password, address=address, now=request.app.state.clock()
        )
    except AuthenticationError as exc:
        body = {"errors": [exc.message], "message": exc.message, "status": "UNAUTHORIZED"}
        return JSON(body, status_code=401)
    # Cache-Control: no-store is added by the SecurityHeaders middleware (429s included).
    return {"authentication_token": token, "auth_token": token, "user_id": user.id, "status": 200}
