"""Fixtures: an app on a fresh SQLite file, a client, a CLI runner, and signed-in users."""

import re
import shutil

import pytest
from flask_migrate import upgrade

from diary import create_app
from diary.extensions import db
from diary.models import User
from diary.services.accounts import create_user

PASSWORD = "correct horse battery"


def build_app(database, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            # Most tests post forms directly; test_security checks CSRF with it switched on.
            "WTF_CSRF_ENABLED": False,
        }
        | config
    )


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Build an empty database with the real migrations once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "diary.sqlite3"
    app = build_app(path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, monkeypatch, migrated_database):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    database = tmp_path / "diary.sqlite3"
    shutil.copy(migrated_database, database)
    app = build_app(database)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(app, name: str, **kwargs):
    """Create an account and return its id."""
    with app.app_context():
        user = create_user(name, PASSWORD, **kwargs)
        user.timezone = "Europe/London"
        db.session.commit()
        return user.id


def sign_in(client, name: str, password: str = PASSWORD, remember: bool = False):
    data = {"username": name, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


@pytest.fixture
def alice(app, client):
    """The household's first account (admin), signed in on `client`."""
    user_id = make_user(app, "alice")
    sign_in(client, "alice")
    return user_id


@pytest.fixture
def bob(app):
    """A second household member, not signed in anywhere."""
    return make_user(app, "bob")


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def user_row(user_id: int) -> User:
    """Return the User row (call inside an app context)."""
    return db.session.get(User, user_id)
