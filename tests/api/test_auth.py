"""Auth: requestAuthToken, token use, expiry, invalidation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gridflex import security
from gridflex.api.app import create_app
from gridflex.services import users
from gridflex.store.base import normalise_url, session_scope
from gridflex.store.models import Role, User


def test_token_is_returned_under_both_names(client, world):
    account = world.account()
    actor = world.user(account, password="correct horse")
    res = client.post(
        "/api/requestAuthToken", json={"email": actor.email, "password": "correct horse"}
    )
    assert res.status_code == 200
    body = res.json()
    assert body["auth_token"] == body["authentication_token"]
    assert (
        client.get("/api/v3_0/users", headers={"Authorization": body["auth_token"]}).status_code
        == 200
    )
    assert (
        client.get(
            "/api/v3_0/users", headers={"Authorization": f"Bearer {body['auth_token']}"}
        ).status_code
        == 200
    )


def test_unknown_email_and_wrong_password_get_the_same_answer(client, world):
    actor = world.user(world.account())
    wrong = client.post("/api/requestAuthToken", json={"email": actor.email, "password": "wrong"})
    unknown = client.post(
        "/api/requestAuthToken", json={"email": "nobody@example.com", "password": "wrong"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert unknown.json()["status"] == "UNAUTHORIZED"
    assert "nobody@example.com" not in unknown.text


def test_inactive_user_cannot_log_in_nor_use_old_tokens(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    actor = world.user(account)
    assert (
        client.patch(
            f"/api/v3_0/users/{actor.id}", json={"active": False}, headers=admin.headers
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/requestAuthToken", json={"email": actor.email, "password": actor.password}
        ).status_code
        == 401
    )
    assert client.get("/api/v3_0/users", headers=actor.headers).status_code == 401


def test_missing_and_invalid_tokens_are_401(client, world):
    assert client.get("/api/v3_0/assets").json()["status"] == "UNAUTHORIZED"
    res = client.get("/api/v3_0/assets", headers={"Authorization": "not-a-valid-token"})
    assert res.status_code == 401


def test_expired_token_is_401(client, world, settings):
    actor = world.user(world.account())
    token = security.issue_token(actor.id, "whatever", secret_key=settings.secret_key, max_age_s=-1)
    assert client.get("/api/v3_0/users", headers={"Authorization": token}).status_code == 401


def test_token_signed_with_another_secret_is_401(client, world):
    actor = world.user(world.account())
    claims = security.read_token(
        actor.headers["Authorization"], secret_key=client.app.state.settings.secret_key
    )
    forged = security.issue_token(
        actor.id, claims.token_key, secret_key="another-secret-key-123", max_age_s=60
    )
    assert client.get("/api/v3_0/users", headers={"Authorization": forged}).status_code == 401


def test_password_reset_invalidates_every_token(client, world):
    actor = world.user(world.account())
    res = client.patch(f"/api/v3_0/users/{actor.id}/password-reset", headers=actor.headers)
    assert res.status_code == 200
    assert client.get("/api/v3_0/users", headers=actor.headers).status_code == 401
    login = client.post(
        "/api/requestAuthToken", json={"email": actor.email, "password": actor.password}
    )
    assert login.status_code == 401


def test_only_admins_reset_other_users_passwords(client, world):
    account = world.account()
    actor, other = world.user(account, roles=["account-admin"]), world.user(account)
    assert (
        client.patch(
            f"/api/v3_0/users/{other.id}/password-reset", headers=actor.headers
        ).status_code
        == 403
    )
    admin = world.user(world.account(), roles=["admin"])
    assert (
        client.patch(
            f"/api/v3_0/users/{other.id}/password-reset", headers=admin.headers
        ).status_code
        == 200
    )


def _signed(payload: str, secret_key: str) -> str:
    """A token with this exact JSON payload, signed as the server signs (HMAC-SHA256, 24 bytes)."""
    b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    body = b64(payload.encode())
    signature = hmac.new(secret_key.encode(), body.encode(), hashlib.sha256).digest()[:24]
    return f"{body}.{b64(signature)}"


@pytest.mark.parametrize(
    "expiry",
    ['"NaN"', "NaN", '"Infinity"', "Infinity", "1e308", "true", '"2099-01-01"', "null", "FAR"],
)
def test_tokens_with_a_non_finite_or_absurd_expiry_are_refused(client, world, settings, expiry):
    actor = world.user(world.account())
    key = security.read_token(actor.headers["Authorization"], secret_key=settings.secret_key)
    far = time.time() + 10 * 365 * 86400  # ten years: far beyond the 6 h token lifetime
    exp = str(round(far)) if expiry == "FAR" else expiry
    token = _signed(
        f'{{"uid":{actor.id},"key":"{key.token_key}","exp":{exp}}}', settings.secret_key
    )
    assert client.get("/api/v3_0/users", headers={"Authorization": token}).status_code == 401
    # The same token with an expiry within the lifetime is fine: only the expiry was wrong.
    soon = _signed(
        f'{{"uid":{actor.id},"key":"{key.token_key}","exp":{time.time() + 600}}}',
        settings.secret_key,
    )
    assert client.get("/api/v3_0/users", headers={"Authorization": soon}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/api/requestAuthToken", {"401", "413", "422", "429"}),
        ("patch", "/api/v3_0/accounts/{id}", {"401", "403", "404", "413", "422"}),
        ("post", "/api/v3_0/users", {"401", "403", "413", "422"}),
        ("patch", "/api/v3_0/users/{id}", {"401", "403", "404", "413", "422"}),
    ],
)
def test_the_document_declares_each_error_status_with_its_shape(client, method, path, statuses):
    document = client.get("/api/v3_0/openapi.json").json()
    responses = document["paths"][path][method]["responses"]
    assert statuses <= set(responses)
    for status in statuses:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}
    error_body = document["components"]["schemas"]["ErrorAnswer"]
    assert {"message", "status"} <= set(error_body["required"])


def _deactivate_elsewhere(database_url: str, user_id: int) -> None:
    """Deactivate a user as another process would: plain SQL, no session of this process."""
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text('UPDATE "user" SET active = false WHERE id = :id'), {"id": user_id}
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("cache_s", [0.0, 0.5])
def test_a_change_made_by_another_process_reaches_tokens_within_the_cache_time(
    settings, world, cache_s
):
    actor = world.user(world.account())
    app = create_app(settings.model_copy(update={"auth_cache_seconds": cache_s}))
    with TestClient(app) as client:
        assert client.get("/api/v3_0/users", headers=actor.headers).status_code == 200
        _deactivate_elsewhere(settings.database_url, actor.id)
        changed = time.monotonic()
        while client.get("/api/v3_0/users", headers=actor.headers).status_code == 200:
            assert time.monotonic() - changed < cache_s + 5, "the cached user outlived its time"
            time.sleep(0.05)
        refused_after = time.monotonic() - changed
        assert client.get("/api/v3_0/users", headers=actor.headers).status_code == 401
    if cache_s == 0:
        assert refused_after < 0.5  # no cache: the very next request is refused


def test_a_change_made_in_this_process_reaches_cached_tokens_at_once(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    actor = world.user(account)
    assert client.get(f"/api/v3_0/users/{actor.id}", headers=actor.headers).status_code == 200
    res = client.patch(f"/api/v3_0/users/{actor.id}", json={"active": False}, headers=admin.headers)
    assert res.status_code == 200
    assert client.get(f"/api/v3_0/users/{actor.id}", headers=actor.headers).status_code == 401


def test_a_role_given_in_this_process_reaches_a_cached_user_at_once(settings, world):
    actor = world.user(world.account())
    with session_scope(settings.database_url) as session:
        key = session.get_one(User, actor.id).token_key
        cached = users.find_token_user(session, actor.id, key, ttl=60)
        assert cached is not None and not cached.has_role("account-admin")
    with session_scope(settings.database_url) as session:
        role = session.scalars(sa.select(Role).where(Role.name == "account-admin")).one()
        user = session.get_one(User, actor.id)  # held: the session keeps weak references
        user.roles.append(role)
    with session_scope(settings.database_url) as session:
        again = users.find_token_user(session, actor.id, key, ttl=60)
        assert again is not None and again.has_role("account-admin")


def test_activity_is_recorded_once_and_the_cache_keeps_serving(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    actor = world.user(account)
    for _ in range(3):
        assert client.get("/api/v3_0/users", headers=actor.headers).status_code == 200
    seen = client.get(f"/api/v3_0/users/{actor.id}", headers=admin.headers).json()["last_seen_at"]
    assert seen is not None
