"""CSRF on every form, and nothing served to signed-out visitors."""

import re
import shutil

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading
from tests.conftest import PASSWORD, build_app, csrf_token, make_user, sign_in


@pytest.fixture
def csrf_app(tmp_path, monkeypatch, sqlite_template):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    return build_app(tmp_path / "diary.sqlite3", WTF_CSRF_ENABLED=True)


def concrete(rule: str) -> str:
    """Turn a URL rule into a path that matches it: ids become 1, any() its first choice."""
    rule = re.sub(r"<int:\w+>", "1", rule)
    rule = re.sub(r"<any\(\"?([^,)\"]+)[^>]*>", r"\1", rule)
    return re.sub(r"<\w+>", "x", rule)


def post_rules(app):
    return sorted(
        concrete(rule.rule) for rule in app.url_map.iter_rules() if "POST" in rule.methods
    )


def test_every_post_without_a_csrf_token_is_refused(csrf_app):
    make_user(csrf_app, "alice")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(login_page)},
    )
    assert client.get("/").status_code == 200
    rules = post_rules(csrf_app)
    assert "/readings/quick" in rules and "/import" in rules
    for rule in rules:
        response = client.post(rule, data={"pain": "5"})
        if rule.startswith("/api/"):
            # The API takes no cookies: without its bearer token the session does not count.
            assert response.status_code == 401, rule
            continue
        assert response.status_code == 400, rule
        assert b"The form had expired" in response.data
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_quick_log_with_the_pages_token_is_saved(csrf_app):
    make_user(csrf_app, "alice")
    client = csrf_app.test_client()
    client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/login").get_data(as_text=True)),
        },
    )
    home = client.get("/").get_data(as_text=True)
    response = client.post("/readings/quick", data={"pain": "4", "csrf_token": csrf_token(home)})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(Reading.pain)) == 4


def test_signed_out_visitors_are_sent_to_sign_in(app):
    make_user(app, "alice")
    client = app.test_client()
    for path in ["/", "/readings", "/readings/new", "/export", "/account", "/household/"]:
        assert client.get(path).location.startswith("/login"), path
    assert client.post("/readings/quick", data={"pain": "3"}).location.startswith("/login")


def test_session_cookie_is_httponly_and_samesite(app, client):
    make_user(app, "alice")
    sign_in(client, "alice")
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_security_headers_on_every_kind_of_response(app, client, alice):
    for path in ["/", "/login", "/static/css/app.css", "/nope", "/api/v1/readings", "/healthz"]:
        response = client.get(path)
        headers = response.headers
        response.close()
        csp = headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_handlers():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    for path in templates.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "style=" not in html, path


def test_login_is_throttled_per_address(app):
    make_user(app, "alice")
    client = app.test_client()
    for _ in range(5):
        assert (
            client.post("/login", data={"username": "alice", "password": "wrong"}).status_code
            == 200
        )
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_login_is_throttled_per_account_across_addresses(app):
    make_user(app, "alice")
    client = app.test_client()
    for n in range(5):
        client.post(
            "/login",
            data={"username": "alice", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    response = client.post(
        "/login",
        data={"username": "ALICE", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429
    # Another account from a fresh address is not held up.
    make_user(app, "bob")
    other = client.post(
        "/login",
        data={"username": "bob", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert other.status_code == 302


def test_secure_cookies_and_hsts_over_https_when_configured(tmp_path, monkeypatch, sqlite_template):
    # Behind a real proxy this is tested in test_reverse_proxy.py; here the request is HTTPS.
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    app = build_app(tmp_path / "diary.sqlite3", SECURE_COOKIES=True)
    make_user(app, "alice")
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies), cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_passwords_are_hashed_with_scrypt_and_never_stored_plain(app):
    from diary.models import User

    make_user(app, "alice")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_a_username_that_looks_like_an_address_does_not_lock_out_that_address(app, client):
    make_user(app, "alice")
    # Five wrong passwords for the username "127.0.0.11", each from a different address...
    for n in range(5):
        client.post(
            "/login",
            data={"username": "127.0.0.11", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.2.{n}"},
        )
    # ...fill that username's bucket, not the bucket of the address 127.0.0.11.
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.11"},
    )
    assert response.status_code == 302
