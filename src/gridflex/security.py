"""Passwords (argon2) and signed, expiring API tokens.

A token is ``<payload>.<signature>``: the payload (base64url JSON) holds the
user id, the user's current token key and the expiry; the signature is an
HMAC-SHA256 over it with the secret key. Verifying costs one HMAC (microseconds),
never a password hash. Changing a user's token key (password reset) invalidates
every token issued before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridflex.errors import AuthenticationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def random_password() -> str:
    return secrets.token_urlsafe(24)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_key: str
    expires_at: float


def issue_token(user_id: int, token_key: str, *, secret_key: str, max_age_s: float) -> str:
    payload = {"uid": user_id, "key": token_key, "exp": round(time.time() + max_age_s, 3)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(body, secret_key)}"


def read_token(token: str, *, secret_key: str) -> TokenClaims:
    """Check signature and expiry; the caller still checks the user's token key and status."""
    body, _, signature = token.strip().partition(".")
    if not body or not signature or not hmac.compare_digest(signature, _sign(body, secret_key)):
        raise AuthenticationError("Invalid token.")
    try:
        payload = json.loads(_unb64(body))
        claims = TokenClaims(int(payload["uid"]), str(payload["key"]), float(payload["exp"]))
    except (ValueError, KeyError, TypeError):
        raise AuthenticationError("Invalid token.") from None
    if claims.expires_at < time.time():
        raise AuthenticationError("Token expired; request a new one at /api/requestAuthToken.")
    return claims


def _sign(body: str, secret_key: str) -> str:
    return _b64(hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest()[:24])
