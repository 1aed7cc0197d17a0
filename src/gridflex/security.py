"""Passwords (argon2, strength checked by zxcvbn) and signed, expiring API tokens.

A token is ``<payload>.<signature>``: the payload (base64url JSON) holds the
user id, the user's current token key and the expiry; the signature is an
HMAC-SHA256 over it with the secret key. Verifying costs one HMAC (microseconds),
never a password hash. Changing a user's token key (password reset) invalidates
every token issued before. An expiry must be a finite number no further ahead
than the configured token lifetime: a signed ``"NaN"`` or ``1e308`` would
otherwise never expire.

Password strength is estimated offline by zxcvbn (its dictionaries of common
passwords, names and words ship with the package): a guessable password is
refused with the library's advice, whatever its length.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridflex.errors import AuthenticationError, ValidationError

_hasher = PasswordHasher()
_dummy: tuple[PasswordHasher, str] | None = None

# zxcvbn scores 0-4; 3 is "safely unguessable: moderate protection from an offline
# slow-hash attack" (about 10^8 guesses and more).
MIN_PASSWORD_SCORE = 3
MAX_PASSWORD_LENGTH = 256  # longer than any passphrase; bounds what is hashed and stored
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn's own limit (its cost grows fast with length)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash, a dummy one is verified so that the
    answer takes as long as for a real user (timing must not tell which emails exist)."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:  # the same cost parameters as real hashes
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def check_password_strength(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a guessable password (422 naming ``password``) with zxcvbn's advice.

    ``user_inputs`` are words a guesser would try first for this user (email,
    name, the site): a password built from them counts as weak.
    """
    from zxcvbn import zxcvbn  # loads its dictionaries (~0.1 s): only when a password is set

    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"A password has at most {MAX_PASSWORD_LENGTH} characters.", field="password"
        )
    # A prefix is at most as strong as the whole, so checking the first 72 characters is safe.
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    feedback = result["feedback"]
    advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
    raise ValidationError(
        f"This password is too easy to guess (strength {result['score']} of 4, "
        f"at least {MIN_PASSWORD_SCORE} needed). {advice or 'Use a longer passphrase.'}".strip(),
        field="password",
    )


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


def read_token(token: str, *, secret_key: str, max_age_s: float | None = None) -> TokenClaims:
    """Check signature and expiry; the caller still checks the user's token key and status.

    ``max_age_s`` (the configured token lifetime) also refuses expiries further ahead than
    any token this server issues; a non-finite or non-numeric expiry is always refused.
    """
    body, _, signature = token.strip().partition(".")
    if not body or not signature or not hmac.compare_digest(signature, _sign(body, secret_key)):
        raise AuthenticationError("Invalid token.")
    try:
        payload = json.loads(_unb64(body))
        expiry = payload["exp"]
        if isinstance(expiry, bool) or not isinstance(expiry, int | float):
            raise TypeError("the expiry is not a number")
        claims = TokenClaims(int(payload["uid"]), str(payload["key"]), float(expiry))
    except (ValueError, KeyError, TypeError, OverflowError):
        raise AuthenticationError("Invalid token.") from None
    now = time.time()
    if not math.isfinite(claims.expires_at):
        raise AuthenticationError("Invalid token.")
    if max_age_s is not None and claims.expires_at > now + max_age_s + _CLOCK_SLACK_S:
        raise AuthenticationError("Invalid token: its expiry lies beyond the token lifetime.")
    if claims.expires_at < now:
        raise AuthenticationError("Token expired; request a new one at /api/requestAuthToken.")
    return claims


_CLOCK_SLACK_S = 60.0  # servers' clocks may differ a little


def _sign(body: str, secret_key: str) -> str:
    return _b64(hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest()[:24])
