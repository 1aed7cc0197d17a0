"""Authentication: exchange email and password for a token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.errors import AuthenticationError, NotFoundError
from gridflex.services import users

router = APIRouter(tags=["auth"])


@router.post("/api/requestAuthToken", summary="Obtain authentication token")
def request_auth_token(
    session: SessionDep,
    settings: SettingsDep,
    email: str = Body(..., examples=["user@example.com"]),
    password: str = Body(..., examples=["password"]),
) -> Any:
    """A token valid for ``GRIDFLEX_TOKEN_MAX_AGE``; send it raw (or as ``Bearer``) in ``Authorization``."""
    try:
        user, token = users.login(session, settings, email, password)
    except NotFoundError as exc:
        return JSON({"errors": [exc.message], "status": 404}, status_code=404)
    except AuthenticationError as exc:
        return JSON({"errors": [exc.message], "status": 401}, status_code=401)
    return {"authentication_token": token, "auth_token": token, "user_id": user.id, "status": 200}
