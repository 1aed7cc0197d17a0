"""What every UI page shares: templates, the signed-in user, CSRF checks, error pages.

Pages are rendered on the server (Jinja2) from the same services as the API; the
browser code in ``static/`` only draws maps and charts. Every answer carries a
strict Content-Security-Policy: no inline script or style anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from gridflex import errors, permissions
from gridflex.api.deps import SessionDep, SettingsDep, authenticate
from gridflex.config import Settings
from gridflex.store.models import User
from gridflex.ui import session as cookies

HERE = Path(__file__).parent
VENDOR_PACKAGES = {"leaflet": "leaflet/dist"}  # URL name -> folder inside node_modules


class LoginRequired(Exception):
    """Raised by pages that need a signed-in user; answered with a redirect to the login page."""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["number"] = _number
    return env


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: Any, digits: int = 1) -> str:
    if value is None or value != value:
        return "—"
    return f"{float(value):,.{digits}f}"


def find_vendor_dir(settings: Settings) -> Path | None:
    """The node_modules folder that ``npm ci`` filled: the setting's, else the first found
    upwards from here (a source checkout), else in the working directory."""
    if settings.ui_vendor_dir:
        candidates = [Path(settings.ui_vendor_dir)]
    else:
        candidates = [parent / "node_modules" for parent in HERE.parents]
        candidates.append(Path.cwd() / "node_modules")
    for folder in candidates:
        if all((folder / sub).is_dir() for sub in VENDOR_PACKAGES.values()):
            return folder
    return None


def content_security_policy(settings: Settings) -> str:
    images = "'self' data:"
    if settings.map_tile_url:
        parts = urlsplit(settings.map_tile_url.replace("{s}", "a"))
        host = (
            parts.netloc.replace("a.", "*.", 1) if "{s}" in settings.map_tile_url else parts.netloc
        )
        images += f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    user: User | None = getattr(request.state, "ui_user", None)
    base = {
        "request": request,
        "user": user,
        "csrf": getattr(request.state, "csrf", ""),
        "can": _abilities(user),
        "vendor_ok": request.app.state.ui_vendor_dir is not None,
        "heatmap_public": settings.heatmap_public,
        "carbon_public": settings.carbon_map_public,
        "path": request.url.path,
    }
    html = _environment().get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status_code, headers=page_headers(settings))


def page_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def _abilities(user: User | None) -> dict[str, bool]:
    if user is None:
        return {}
    return {
        "admin": permissions.is_admin(user),
        "read_all": permissions.reads_everything(user),
        "manage_users": permissions.can_manage_users_of(user, user.account_id),
    }


def _session_user(request: Request, session: Session, settings: Settings) -> User | None:
    token = request.cookies.get(cookies.SESSION_COOKIE)
    if not token:
        return None
    try:
        user = authenticate(session, settings, token)
    except errors.AuthenticationError:
        return None
    request.state.ui_user = user
    request.state.csrf = cookies.csrf_token(settings, token)
    return user


def optional_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    return _session_user(request, session, settings)


def required_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    user = _session_user(request, session, settings)
    if user is None:
        raise LoginRequired()
    return user


async def check_csrf(request: Request, settings: SettingsDep) -> None:
    """Refuse a state-changing request without this session's CSRF token (403)."""
    token = request.cookies.get(cookies.SESSION_COOKIE) or ""
    given: str | UploadFile | None = request.headers.get(cookies.CSRF_HEADER)
    if given is None and "form" in request.headers.get("content-type", ""):
        given = (await request.form()).get(cookies.CSRF_FIELD)  # parsed once, kept by Starlette
    if not token or not cookies.tokens_match(
        str(given) if given else None, cookies.csrf_token(settings, token)
    ):
        raise errors.PermissionDeniedError(
            "The form was not accepted (its security token is missing or has expired). "
            "Reload the page and try again."
        )


OptionalUser = Annotated[User | None, Depends(optional_user)]
UiUser = Annotated[User, Depends(required_user)]
Csrf = Depends(check_csrf)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


_ERROR_PAGES: list[tuple[type[errors.GridflexError], int, str]] = [
    (errors.PermissionDeniedError, 403, "Not allowed"),
    (errors.NotFoundError, 404, "Not found"),
    (errors.ValidationError, 422, "Not accepted"),
    (errors.RateLimitError, 429, "Too many requests"),
    (errors.GridflexError, 400, "Not accepted"),
]


def error_answer(request: Request, exc: errors.GridflexError) -> Response:
    code, title = next((c, t) for cls, c, t in _ERROR_PAGES if isinstance(exc, cls))
    if wants_json(request):
        return JSONResponse({"message": exc.message, "field": exc.field}, status_code=code)
    return render(request, "error.html", status_code=code, title=title, message=exc.message)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if wants_json(request):
        return JSONResponse({"message": "Please log in."}, status_code=401)
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


class UiRoute(APIRoute):
    """Answers the UI's errors as pages (or JSON to the UI's own scripts), not as API errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except errors.AuthenticationError:
                return login_redirect(request)
            except errors.GridflexError as exc:
                return error_answer(request, exc)
            except RequestValidationError as exc:  # a form or query field missing or malformed
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return error_answer(request, errors.ValidationError(problems))

        return guarded


def safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send the user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/dashboard"
