"""Signed-in sessions end when left unused, CSRF tokens change at sign-in, NUL is refused."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from diary.extensions import db
from diary.models import LoginSession, Reading
from diary.models.user import utcnow
from diary.services.tokens import create_token
from tests.conftest import build_app, csrf_token, make_user, sign_in, user_row


def idle_for(app, hours: float) -> None:
    with app.app_context():
        db.session.execute(
            update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=hours))
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("remember", "hours", "still_signed_in"),
    [(False, 11, True), (False, 13, False), (True, 13, True), (True, 31 * 24, False)],
)
def test_a_session_left_unused_too_long_ends(app, client, remember, hours, still_signed_in):
    make_user(app, "alice")
    sign_in(client, "alice", remember=remember)
    idle_for(app, hours)
    response = client.get("/")
    assert (response.status_code == 200) is still_signed_in
    if not still_signed_in:
        assert "/login" in response.headers["Location"]
        # Signing in again clears the ended session away.
        sign_in(client, "alice")
        with app.app_context():
            assert db.session.scalar(select(func.count(LoginSession.id))) == 1


def test_the_csrf_token_of_the_sign_in_page_is_worthless_once_signed_in(
    tmp_path, monkeypatch, sqlite_template
):
    import shutil

    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    app = build_app(tmp_path / "diary.sqlite3", WTF_CSRF_ENABLED=True)
    make_user(app, "alice")
    client = app.test_client()
    before = csrf_token(client.get("/login").get_data(as_text=True))
    signed = client.post(
        "/login",
        data={"username": "alice", "password": "correct horse battery", "csrf_token": before},
    )
    assert signed.status_code == 302
    after = csrf_token(client.get("/").get_data(as_text=True))
    assert after != before
    stale = client.post("/readings/quick", data={"pain": "5", "csrf_token": before})
    assert stale.status_code == 400
    assert (
        client.post("/readings/quick", data={"pain": "5", "csrf_token": after}).status_code == 302
    )


def test_text_with_a_nul_character_is_refused_everywhere(app, client, alice):
    form = client.post(
        "/readings/new", data={"day": "2024-03-01", "time": "08:00", "pain": "5", "note": "a\x00b"}
    )
    assert form.status_code == 400
    assert "cannot contain the NUL character" in form.get_data(as_text=True)
    upload = b"recorded_at,pain,note\r\n2024-03-01T08:00,5,a\x00b\r\n"
    imported = client.post(
        "/import",
        data={"files": (io.BytesIO(upload), "readings.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 422
    assert "line 2: Text cannot contain the NUL character" in imported.get_data(as_text=True)
    with app.app_context():
        _, token = create_token(user_row(alice), "phone")
        db.session.commit()
    api = client.post(
        "/api/v1/readings",
        json={"pain": 5, "note": "a\x00b"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422
    assert api.get_json()["error"]["field"] == "note"
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
