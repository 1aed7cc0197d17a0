"""Web UI sign-in: login form, session cookie, CSRF, logout; sessions end with the user's tokens."""

from __future__ import annotations

from tests.ui.helpers import csrf, csrf_of, log_in


def test_front_page_is_the_login_page_with_links_to_the_public_maps(client):
    res = client.get("/")
    assert res.status_code == 200
    assert 'action="/ui/login"' in res.text
    assert 'href="/ui/heatmap"' in res.text and 'href="/ui/carbon"' in res.text
    policy = res.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_wrong_password_is_refused_without_a_session(client, world):
    actor = world.user(world.account(), password="right password")
    res = log_in(client, actor.email, "wrong password")
    assert res.status_code == 401
    assert "Email or password is not correct" in res.text
    assert "gridflex_session" not in res.headers.get("set-cookie", "")
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    res = log_in(client, "nobody@example.org", "whatever")
    assert res.status_code == 401
    assert "nobody@example.org" not in res.text.split("<form")[0]


def test_right_password_starts_a_session_with_a_safe_cookie(client, world):
    actor = world.user(world.account(), password="right password")
    res = log_in(client, actor.email, "right password")
    assert res.status_code == 303 and res.headers["location"] == "/ui/dashboard"
    cookie = res.headers["set-cookie"].lower()
    assert "gridflex_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert "secure" not in cookie  # plain http and no setting asking for it
    page = client.get("/ui/dashboard")
    assert page.status_code == 200 and actor.email in page.text


def test_secure_cookie_when_the_setting_says_so(world, settings):
    from fastapi.testclient import TestClient

    from gridflex.api.app import create_app

    actor = world.user(world.account(), password="right password")
    app = create_app(settings.model_copy(update={"session_cookie_secure": True}))
    with TestClient(app) as secure_client:
        res = log_in(secure_client, actor.email, "right password")
    assert "secure" in res.headers["set-cookie"].lower()


def test_login_form_without_its_token_is_refused(client, world):
    actor = world.user(world.account(), password="right password")
    res = client.post(
        "/ui/login",
        data={"email": actor.email, "password": "right password", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert res.status_code == 403
    assert "gridflex_session" not in res.headers.get("set-cookie", "")


def test_pages_need_a_session_and_come_back_after_login(client, world):
    actor = world.user(world.account(), password="right password")
    res = client.get("/ui/assets?q=x", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/ui/login?next=/ui/assets%3Fq%3Dx"
    page = client.get(res.headers["location"])
    res = client.post(
        "/ui/login",
        data={
            "email": actor.email,
            "password": "right password",
            "csrf_token": csrf_of(page.text),
            "next": "/ui/assets?q=x",
        },
        follow_redirects=False,
    )
    assert res.headers["location"] == "/ui/assets?q=x"


def test_login_never_redirects_to_another_site(client, world):
    actor = world.user(world.account(), password="right password")
    page = client.get("/ui/login")
    res = client.post(
        "/ui/login",
        data={
            "email": actor.email,
            "password": "right password",
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert res.headers["location"] == "/ui/dashboard"


def test_state_changing_requests_need_the_session_csrf_token(client, world):
    actor = world.user(world.account(), password="right password")
    log_in(client, actor.email, "right password")
    assert client.post("/ui/token", data={}).status_code == 403
    assert client.post("/ui/token", data={"csrf_token": "0" * 40}).status_code == 403
    res = client.post("/ui/token", data={"csrf_token": csrf(client)})
    assert res.status_code == 200
    token = res.text.split('id="token" rows="3" readonly>')[1].split("<")[0]
    assert client.get("/api/v3_0/users", headers={"Authorization": token}).status_code == 200


def test_another_sessions_csrf_token_is_refused(client, world, app):
    from fastapi.testclient import TestClient

    account = world.account()
    one = world.user(account, password="right password")
    other = world.user(account, password="right password")
    log_in(client, one.email, "right password")
    with TestClient(app) as second:
        log_in(second, other.email, "right password")
        foreign = csrf(second)
    assert client.post("/ui/token", data={"csrf_token": foreign}).status_code == 403


def test_logout_ends_the_session(client, world):
    actor = world.user(world.account(), password="right password")
    log_in(client, actor.email, "right password")
    assert client.post("/ui/logout", data={}, follow_redirects=False).status_code == 403
    res = client.post("/ui/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert res.status_code == 303
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_session_ends_when_the_user_is_deactivated(client, world):
    account = world.account()
    admin = world.user(account, roles=["account-admin"])
    actor = world.user(account, password="right password")
    log_in(client, actor.email, "right password")
    assert client.get("/ui/dashboard").status_code == 200
    res = client.patch(f"/api/v3_0/users/{actor.id}", json={"active": False}, headers=admin.headers)
    assert res.status_code == 200
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303


def test_session_ends_when_the_users_tokens_are_reset(client, world):
    account = world.account()
    admin = world.user(world.account(), roles=["admin"])
    actor = world.user(account, password="right password")
    log_in(client, actor.email, "right password")
    res = client.patch(f"/api/v3_0/users/{actor.id}/password-reset", headers=admin.headers)
    assert res.status_code == 200
    assert client.get("/ui/dashboard", follow_redirects=False).status_code == 303
