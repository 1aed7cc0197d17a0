"""Auth: requestAuthToken, token use, expiry, invalidation."""

from __future__ import annotations

from gridflex import security


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


def test_wrong_password_is_401(client, world):
    actor = world.user(world.account())
    res = client.post("/api/requestAuthToken", json={"email": actor.email, "password": "wrong"})
    assert res.status_code == 401
    assert res.json()["errors"] == ["User password does not match."]


def test_unknown_email_is_404_naming_it(client):
    res = client.post(
        "/api/requestAuthToken", json={"email": "nobody@example.com", "password": "x"}
    )
    assert res.status_code == 404
    assert "nobody@example.com" in res.json()["errors"][0]


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
