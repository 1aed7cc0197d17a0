"""Signing in and out, the front page, and the API token page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from gridflex import errors
from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.security import issue_token
from gridflex.services import users
from gridflex.ui import session as cookies
from gridflex.ui.web import Csrf, OptionalUser, UiRoute, UiUser, render, safe_next

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/")
def front_page(request: Request, user: OptionalUser, settings: SettingsDep) -> Response:
    """Signed in: the dashboard; else the login page (with links to the public maps)."""
    if user is not None:
        return RedirectResponse("/ui/dashboard", status_code=303)
    return _login_page(request, settings, next_path="/ui/dashboard")


@router.get("/ui/login")
def login_form(
    request: Request, user: OptionalUser, settings: SettingsDep, next: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, settings, next_path=safe_next(next))


def _login_page(
    request: Request,
    settings: SettingsDep,
    *,
    next_path: str,
    error: str | None = None,
    email: str = "",
    status_code: int = 200,
) -> Response:
    nonce = request.cookies.get(cookies.LOGIN_COOKIE) or cookies.new_nonce()
    response = render(
        request,
        "login.html",
        status_code=status_code,
        login_csrf=cookies.login_csrf(settings, nonce),
        next_path=next_path,
        error=error,
        email=email,
    )
    cookies.set_cookie(response, request, settings, cookies.LOGIN_COOKIE, nonce, 3600)
    return response


@router.post("/ui/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/ui/dashboard",
) -> Response:
    """The same login function as ``POST /api/requestAuthToken``; its token becomes the session."""
    nonce = request.cookies.get(cookies.LOGIN_COOKIE) or ""
    if not nonce or not cookies.tokens_match(csrf_token, cookies.login_csrf(settings, nonce)):
        return _login_page(
            request,
            settings,
            next_path=safe_next(next),
            email=email,
            status_code=403,
            error="The login form had expired; please try again.",
        )
    try:
        _, token = users.login(session, settings, email, password)
    except (errors.NotFoundError, errors.AuthenticationError):
        # One message for an unknown email and a wrong password: do not reveal who has an account.
        return _login_page(
            request,
            settings,
            next_path=safe_next(next),
            email=email,
            status_code=401,
            error="Email or password is not correct, or the account is inactive.",
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    cookies.start_session(response, request, settings, token)
    return response


@router.post("/ui/logout", dependencies=[Csrf])
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    cookies.end_session(response)
    return response


@router.get("/ui/token")
def token_page(request: Request, user: UiUser, settings: SettingsDep) -> Response:
    return render(request, "token.html", token=None, max_age=settings.token_max_age)


@router.post("/ui/token", dependencies=[Csrf])
def new_token(request: Request, user: UiUser, settings: SettingsDep) -> Response:
    """A fresh API token for scripts (the same kind ``POST /api/requestAuthToken`` gives)."""
    token = issue_token(
        user.id,
        user.token_key,
        secret_key=settings.secret_key,
        max_age_s=settings.token_max_age.total_seconds(),
    )
    return render(request, "token.html", token=token, max_age=settings.token_max_age)
