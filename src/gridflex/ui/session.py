"""Browser sessions: a signed cookie holding an API token, and per-session CSRF tokens.

The session cookie carries the very token ``POST /api/requestAuthToken`` hands out
(user id, the user's token key, expiry, HMAC-signed), issued by the same login
function; so a session ends when it expires, when the user is deactivated and when
their tokens are reset (``user.token_key`` changes), exactly as API tokens do.

CSRF: every state-changing request must carry a token derived from the session
(an HMAC of the session cookie under the secret key), in the form field
``csrf_token`` or the header ``X-CSRF-Token``. The login form, which has no
session yet, is bound in the same way to a random pre-session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from gridflex.config import Settings

SESSION_COOKIE = "gridflex_session"
LOGIN_COOKIE = "gridflex_login"  # pre-session nonce that binds the login form (login CSRF)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def _mac(secret_key: str, purpose: str, value: str) -> str:
    return hmac.new(secret_key.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()[
        :40
    ]


def csrf_token(settings: Settings, session_token: str) -> str:
    return _mac(settings.secret_key, "csrf", session_token)


def login_csrf(settings: Settings, nonce: str) -> str:
    return _mac(settings.secret_key, "login", nonce)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)


def secure_cookies(request: Request, settings: Settings) -> bool:
    return settings.session_cookie_secure or request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, settings: Settings, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, settings),
        path="/",
    )


def start_session(response: Response, request: Request, settings: Settings, token: str) -> None:
    max_age = int(settings.token_max_age.total_seconds())
    set_cookie(response, request, settings, SESSION_COOKIE, token, max_age)
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
