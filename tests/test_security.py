"""CSRF on every form, and nothing served to signed-out visitors."""

import re
import shutil

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading
from tests.conftest import PASSWORD, build_app, csrf_token, make_user, sign_in


@pytest.fixture
def csrf_app(tmp_path, monkeypatch, migrated_database):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(migrated_database, tmp_path / "diary.sqlite3")
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
