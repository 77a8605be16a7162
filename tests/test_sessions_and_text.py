"""Signed-in sessions end when left unused, CSRF tokens change at sign-in, NUL is refused."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from diary.clock import utcnow
from diary.extensions import db
from diary.models import LoginSession, Reading
from diary.services.tokens import create_token
from tests.conftest import PASSWORD, build_app, csrf_token, make_user, sign_in, user_row


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


PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_settings_lists_signed_in_devices_and_signs_one_out(app):
    make_user(app, "alice")
    phone, laptop = app.test_client(), app.test_client()
    phone.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"User-Agent": PHONE}
    )
    laptop.post(
        "/login", data={"username": "alice", "password": PASSWORD}, headers={"User-Agent": LAPTOP}
    )
    page = laptop.get("/account").get_data(as_text=True)
    assert "Chrome on Android" in page
    assert "Firefox on Linux <strong>(this device)</strong>" in page
    with app.app_context():
        phone_session = db.session.scalar(
            select(LoginSession.id).where(LoginSession.user_agent == PHONE)
        )
    response = laptop.post(f"/account/sessions/{phone_session}/end")
    assert "That device is signed out" in laptop.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert "/login" in phone.get("/").headers["Location"]
    assert laptop.get("/").status_code == 200


def test_reading_pages_keeps_a_sign_in_alive(app, client):
    make_user(app, "alice")
    sign_in(client, "alice")
    idle_for(app, 11)
    assert client.get("/trends").status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)
    # Another 11 hours later the session is still alive: 11 + 11 > 12, but it was used between.
    idle_for(app, 11)
    assert client.get("/").status_code == 200


def test_a_save_from_a_stale_page_is_refused_with_the_other_value_shown(app, client, alice):
    client.post("/readings/new", data={"day": "2024-03-01", "time": "08:00", "pain": "5"})
    with app.app_context():
        reading_id = db.session.scalar(select(Reading.id))
    page = client.get(f"/readings/{reading_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    edit = {"day": "2024-03-01", "time": "08:00", "version": "1"}
    # The first tab saves pain 7; the second, opened before that, then tries pain 3.
    assert client.post(f"/readings/{reading_id}/edit", data=edit | {"pain": "7"}).status_code == 302
    stale = client.post(f"/readings/{reading_id}/edit", data=edit | {"pain": "3", "note": "mine"})
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "changes were not saved. It now says pain 7 at 2024-03-01 08:00" in text
    assert 'name="version" type="hidden" value="2"' in text
    with app.app_context():
        assert db.session.get(Reading, reading_id).pain == 7
    # Saving again from the refreshed form goes through.
    again = client.post(
        f"/readings/{reading_id}/edit", data=edit | {"pain": "3", "note": "mine", "version": "2"}
    )
    assert again.status_code == 302


CHROME_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)
FIREFOX_ON_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " FxiOS/127.0 Mobile/15E148 Safari/605.1.15"
)


def test_settings_names_browsers_on_apple_devices_by_the_browser(app):
    make_user(app, "alice")
    for agent in (CHROME_ON_IPHONE, FIREFOX_ON_IPAD):
        app.test_client().post(
            "/login",
            data={"username": "alice", "password": PASSWORD},
            headers={"User-Agent": agent},
        )
    laptop = app.test_client()
    sign_in(laptop, "alice")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Chrome on iPhone" in page and "Firefox on iPad" in page
    assert "Safari on iPhone" not in page
