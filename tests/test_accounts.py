"""First run, sign-in, sessions, settings and the household page."""

import re
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from diary.clock import utcnow
from diary.extensions import db
from diary.models import LoginSession, User
from diary.rules import EntryError
from diary.services import accounts, tokens
from tests.conftest import PASSWORD, make_user, sign_in


def test_first_visit_leads_to_first_run_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location == "/setup"
    assert b"Create the first account" in client.get("/setup").data


def test_first_account_is_admin_and_signed_in(app, client):
    response = client.post(
        "/setup", data={"username": "Alice", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.location == "/"
    assert b"How bad is the pain now?" in client.get("/").data
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.username, user.is_admin) == ("alice", True)
        assert PASSWORD not in user.password_hash


def test_setup_refuses_short_password_and_writes_nothing(app, client):
    response = client.post(
        "/setup", data={"username": "al", "password": "short", "confirm": "short"}
    )
    assert response.status_code == 422
    assert b"at least 8 characters" in response.data
    with app.app_context():
        assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("password", ["password", "12345678", "iloveyou", "alice2024"])
def test_setup_refuses_the_easiest_passwords_to_guess(app, client, password):
    response = client.post(
        "/setup", data={"username": "alice", "password": password, "confirm": password}
    )
    assert response.status_code == 422
    assert "among the easiest to guess" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_a_new_password_cannot_be_a_common_one(app, client, alice):
    response = client.post(
        "/account/password", data={"current": PASSWORD, "new": "password1", "confirm": "password1"}
    )
    assert response.status_code == 422
    assert "among the easiest to guess" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "alice").location == "/"


@pytest.mark.parametrize(
    ("remember", "age_hours", "still_signed_in"),
    [(False, 23, True), (False, 25, False), (True, 89 * 24, True), (True, 91 * 24, False)],
)
def test_a_session_in_daily_use_still_ends_at_its_lifetime(
    app, client, remember, age_hours, still_signed_in
):
    make_user(app, "alice")
    sign_in(client, "alice", remember=remember)
    with app.app_context():
        # Signed in long ago, and used a minute ago.
        db.session.execute(
            update(LoginSession).values(
                created_at=utcnow() - timedelta(hours=age_hours),
                last_seen_at=utcnow() - timedelta(minutes=1),
            )
        )
        db.session.commit()
    response = client.get("/")
    assert (response.status_code == 200) is still_signed_in
    if not still_signed_in:
        assert response.location.startswith("/login")


def test_setup_is_closed_once_an_account_exists(client, alice):
    response = client.post(
        "/setup", data={"username": "mallory", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.location == "/"


def test_wrong_password_is_refused(app, client):
    make_user(app, "alice")
    response = sign_in(client, "alice", "wrong password")
    assert b"do not match" in response.data
    assert client.get("/").location.startswith("/login")


def test_logout_makes_a_copied_session_cookie_worthless(app, client, alice):
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").location.startswith("/login")


def test_remember_me_survives_a_closed_browser_until_logout(app, client):
    make_user(app, "alice")
    sign_in(client, "alice", remember=True)
    remember = client.get_cookie("remember_token").value
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/").status_code == 200
    client.post("/logout")
    again = app.test_client()
    again.set_cookie("remember_token", remember)
    assert again.get("/").location.startswith("/login")


def test_password_change_signs_out_other_devices_but_not_this_one(app, client, alice):
    phone = app.test_client()
    sign_in(phone, "alice")
    assert phone.get("/").status_code == 200
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a new long password", "confirm": "a new long password"},
    )
    assert response.location == "/account"
    assert client.get("/").status_code == 200
    assert phone.get("/").location.startswith("/login")
    assert sign_in(app.test_client(), "alice", "a new long password").location == "/"


def test_password_change_needs_the_current_password(app, client, alice):
    response = client.post(
        "/account/password",
        data={"current": "nope", "new": "another password", "confirm": "another password"},
    )
    assert b"current password is not right" in response.data
    assert sign_in(app.test_client(), "alice").location == "/"


def test_settings_save_time_zone_and_weight(app, client, alice):
    client.post("/account", data={"timezone": "America/New_York", "weight_kg": "72.5"})
    with app.app_context():
        user = db.session.get(User, alice)
        assert (user.timezone, user.weight_kg) == ("America/New_York", 72.5)


def test_settings_refuse_unknown_zone_and_silly_weight(app, client, alice):
    response = client.post("/account", data={"timezone": "Mars/Olympus", "weight_kg": "2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "'Mars/Olympus' is not a time zone." in page
    assert "Body weight in kg must be from 20 to 400, not 2." in page
    with app.app_context():
        assert db.session.get(User, alice).timezone == "Europe/London"


def test_admin_adds_household_member_who_then_signs_in(app, client, alice):
    response = client.post(
        "/household/", data={"username": "Bob", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.location == "/household/"
    assert b"bob" in client.get("/household/").data
    other = app.test_client()
    assert sign_in(other, "bob").location == "/"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "bob")).is_admin is False


def test_duplicate_username_is_refused(client, alice):
    response = client.post(
        "/household/", data={"username": "ALICE", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert b"already an account called" in response.data


def test_members_cannot_open_the_household_page(app, alice, bob):
    member = app.test_client()
    sign_in(member, "bob")
    assert member.get("/household/").status_code == 403


def test_each_sign_in_is_its_own_session_row(app, client, alice):
    sign_in(app.test_client(), "alice")
    with app.app_context():
        assert len(db.session.scalars(select(LoginSession)).all()) == 2


def test_login_redirect_stays_on_this_site(app, client):
    make_user(app, "alice")
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "alice", "password": PASSWORD}
    )
    assert response.location == "/"
    other = app.test_client()
    response = other.post("/login?next=/readings", data={"username": "alice", "password": PASSWORD})
    assert response.location == "/readings"


def test_low_light_mode_is_one_tap_and_remembered_on_every_device(app, client, alice):
    assert 'class="low-light"' not in client.get("/").get_data(as_text=True)
    response = client.post(
        "/account/low-light", headers={"Referer": "http://localhost/readings?page=2"}
    )
    assert response.location == "/readings?page=2"
    phone = app.test_client()
    sign_in(phone, "alice")
    page = phone.get("/").get_data(as_text=True)
    assert '<html lang="en" class="low-light">' in page
    assert 'aria-pressed="true"' in page
    elsewhere = client.post("/account/low-light", headers={"Referer": "https://elsewhere.example/"})
    assert elsewhere.location == "/"
    assert 'class="low-light"' not in phone.get("/").get_data(as_text=True)


def test_settings_page_has_a_plain_title_and_each_section_once(client, alice):
    page = client.get("/account").get_data(as_text=True)
    assert "<title>Settings · Headache diary</title>" in page
    for heading in ("Your details", "Change password", "Whole-account backup", "API tokens"):
        assert page.count(f">{heading}</h2>") == 1, heading


def test_settings_mark_the_users_own_time_zone_among_all_of_them(client, alice):
    client.post("/account", data={"timezone": "America/New_York", "weight_kg": ""})
    page = client.get("/account").get_data(as_text=True)
    zones = re.search(r'<select [^>]*name="timezone".*?</select>', page, re.S).group(0)
    assert zones.count("<option selected ") == 1
    assert '<option selected value="America/New_York">America/New_York</option>' in page
    assert page.count("<option value=") > 400


def test_accounts_and_tokens_refuse_as_every_service_does_naming_the_field(app, alice):
    """A caller needs one except clause: each refusal is an EntryError, field -> message."""
    with app.app_context():
        user = db.session.get(User, alice)
        refusals = {
            "username": lambda: accounts.create_user("not a name!", PASSWORD),
            "password": lambda: accounts.create_user("carol", "short"),
            "current": lambda: accounts.change_password(user, "wrong", "another good one 42"),
            "new": lambda: accounts.change_password(user, PASSWORD, "short"),
            "name": lambda: tokens.create_token(user, "x" * 101),
            "days": lambda: tokens.create_token(user, "phone", tokens.MAX_DAYS + 1),
        }
        for field, refused in refusals.items():
            with pytest.raises(EntryError) as caught:
                refused()
            assert list(caught.value.errors) == [field]
            db.session.rollback()


@pytest.mark.parametrize("name", ["Renée", "Øyvind", "мария", "李娜", "देवी"])
def test_a_username_in_any_alphabet_signs_in_in_any_case_and_composition(app, client, alice, name):
    response = client.post(
        "/household/", data={"username": name, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.location == "/household/"
    stored = unicodedata.normalize("NFC", name.lower())
    assert stored in client.get("/household/").get_data(as_text=True)
    for typed in (name.upper(), unicodedata.normalize("NFD", name), f" {name} "):
        assert sign_in(app.test_client(), typed).location == "/", typed
    again = {"username": name.upper(), "password": PASSWORD, "confirm": PASSWORD}
    assert b"already an account called" in client.post("/household/", data=again).data
    # Letters and digits of any script, but still no other signs.
    for other in (f"{name}!", f"_{name}", f"{name} {name}", name * 41):
        refused = {"username": other, "password": PASSWORD, "confirm": PASSWORD}
        page = client.post("/household/", data=refused).get_data(as_text=True)
        assert "Usernames are 1 to 40 characters: letters, digits, dots" in page, other
