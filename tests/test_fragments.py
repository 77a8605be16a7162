"""Parts of pages rendered once and kept (diary/fragments.py).

A kept list shows a write at the next view, whichever way it came; the forms of a kept part
carry the token of the request that shows them, so that they work in every session, and a
new key for each entry; the navigation is kept per language, page and address; a part with
a key that is not fresh is never kept; a part worked out from an attack still going is
rendered at every view.
"""

import re
import shutil
from datetime import datetime

import pytest
from flask import g, render_template_string

from diary.extensions import db
from diary.services.accounts import update_profile
from diary.services.reminders import add_custom
from diary.unit import unit_of_work
from tests.conftest import PASSWORD, build_app, csrf_token, make_user, sign_in, user_row
from tests.test_api import token_for
from tests.test_attack_pages import start_key
from tests.test_cache import cached_view, reads_attacks, today
from tests.test_languages import GERMAN


def test_a_kept_pain_log_shows_a_reading_sent_through_the_api_at_the_next_view(app, client, alice):
    client.post("/readings/quick", data={"pain": "3"})
    cached_view(app, client, "/readings")
    sent = client.post(
        "/api/v1/readings",
        json={"pain": 8, "note": "sent from the phone"},
        headers=token_for(app, alice),
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)
    log = client.get("/readings").get_data(as_text=True)
    assert "sent from the phone" in log and 'class="score pain-8"' in log


def test_the_forms_of_a_kept_part_carry_each_session_s_own_token(
    tmp_path, monkeypatch, sqlite_template
):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    app = build_app(tmp_path / "diary.sqlite3", WTF_CSRF_ENABLED=True)
    alice = make_user(app, "alice")
    with app.app_context():
        add_custom(user_row(alice), title="Blood test", due_on=today().isoformat())
        db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        login = device.get("/login").get_data(as_text=True)
        signed = device.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(login)},
        )
        assert signed.status_code == 302
    phone.get("/reminders")  # the list is kept from here on
    page = laptop.get("/reminders").get_data(as_text=True)
    done = re.search(r'action="(/reminders/\d+/done)"[^>]*>\s*<input[^>]*value="([^"]+)"', page)
    assert done, "the kept list has no Done form"
    assert "\x00" not in page
    # The laptop's own token: the form works there (a token of another session would not).
    marked = laptop.post(done.group(1), data={"csrf_token": done.group(2)})
    assert marked.status_code == 302
    assert 'class="badge badge-done">done<' in laptop.get("/reminders").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def current_place(page: str) -> list[str]:
    """Return the names of the navigation's links marked as the current page."""
    return re.findall(r'aria-current="page">(?:<svg.*?</svg>)?(?:<span>)?([^<]+)<', page)


def test_the_navigation_is_kept_per_language_page_and_address(app, client, alice):
    assert current_place(client.get("/readings").get_data(as_text=True)) == ["Pain log", "More"]
    assert current_place(client.get("/medications/").get_data(as_text=True)) == [
        "Medicines",
        "More",
    ]
    german = client.get("/medications/", headers=GERMAN).get_data(as_text=True)
    assert current_place(german) == ["Medikamente", "Mehr"]
    behind_a_prefix = client.get("/readings", environ_overrides={"SCRIPT_NAME": "/diary"})
    links = re.findall(r'<a href="([^"]+)" aria-current', behind_a_prefix.get_data(as_text=True))
    assert links == ["/diary/readings", "/diary/more"]


def add_form_key(page: str) -> str:
    """Return the client key of the reminders page's "Add your own reminder" form."""
    form = page[page.index('action="/reminders"') :]
    return re.search(r'name="client_key"[^>]*value="([0-9a-f]{32})"', form).group(1)


def test_a_kept_form_of_a_new_entry_gets_a_new_key_at_each_view(app, client, alice):
    """Two pages shown from the same kept form are two entries, not a retry of one."""
    first, second = (add_form_key(client.get("/reminders").text) for _ in range(2))
    assert first != second
    for key, title in ((first, "Blood test"), (second, "Collect prescription")):
        added = client.post(
            "/reminders",
            data={"title": title, "due_on": today().isoformat(), "client_key": key},
        )
        assert added.status_code == 302, added.text
    page = client.get("/reminders").text
    assert "Blood test" in page and "Collect prescription" in page
    assert "\x00" not in page


def test_a_part_holding_a_key_that_is_not_fresh_is_never_kept(app, client, alice):
    template = (
        '{% call kept_for_user("a form") %}'
        '<input type="hidden" name="client_key" value="{{ key }}">'
        "{% endcall %}"
    )
    with app.test_request_context("/"), unit_of_work(writes=False):
        g._login_user = user_row(alice)  # signed in, as Flask-Login keeps it for a request
        with pytest.raises(ValueError, match="not fresh"):
            render_template_string(template, key="0123456789abcdef0123456789abcdef")


def kept_parts(app) -> list[str]:
    """Return the names of the parts of pages kept for users."""
    entries = app.extensions["diary_cache"].pages
    return [key[5] for key in entries if key[0] == "diary.fragments._rendered"]


def test_the_days_of_the_trends_page_are_rendered_at_every_view_while_an_attack_goes_on(
    app, client, alice
):
    client.post("/readings/quick", data={"pain": "4"})
    client.post("/attacks/start", data={"client_key": start_key(client.get("/").text)})
    for _ in range(2):
        assert reads_attacks(app, client, "/trends")
    # Nothing rendered from it was kept either: its hours change the day's words.
    assert "trends" not in kept_parts(app)
    client.post("/attacks/stop")
    assert reads_attacks(app, client, "/trends")
    assert not reads_attacks(app, client, "/trends")
    assert "trends" in kept_parts(app)
    # The day the attack ran, a headache day, as the kept part shows it.
    days = client.get("/trends").get_data(as_text=True)
    shown = re.search(rf'data-day="{today().isoformat()}">.*?<td[^>]*>([^<,;(]+)', days)
    assert shown and shown.group(1).strip() == "Headache"


def test_settings_kept_lists_show_a_new_sign_in_and_a_token_s_first_use(app, client, alice):
    auth = token_for(app, alice)
    for _ in range(2):  # the second view is served from what the first kept
        page = client.get("/account").get_data(as_text=True)
    assert page.count("Sign out ") == 1 and "never used" in page
    laptop = app.test_client()
    assert sign_in(laptop, "alice").status_code == 302
    assert client.get("/api/v1/readings", headers=auth).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    # Neither moved the diary's version: the lists are kept under what they show.
    assert page.count("Sign out ") == 2, "the laptop's sign-in is missing"
    assert "never used" not in page and "last used" in page


def value_of(page: str, name: str) -> str:
    """Return the value of the named field of the page's form."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no field {name}"
    return re.search(r'value="([^"]*)"', tag[0])[1]


@pytest.mark.parametrize("path", ["/readings/new", "/side-effects/new"])
def test_a_kept_blank_form_shows_the_time_now_and_a_new_key_at_each_view(
    app, client, alice, monkeypatch, path
):
    first = client.get(path).text
    assert re.fullmatch(r"\d\d:\d\d", value_of(first, "time"))
    monkeypatch.setattr("diary.fragments.local_now", lambda _zone: datetime(2026, 1, 1, 0, 1))
    later = client.get(path).text
    assert value_of(later, "time") == "00:01"
    assert value_of(first, "client_key") != value_of(later, "client_key")
    sent = {name: value_of(later, name) for name in ("day", "time", "client_key")}
    saved = client.post(path, data={**sent, "pain": "4", "severity-nausea": "mild"})
    assert saved.status_code == 302, saved.text


def test_the_kept_household_list_shows_an_account_added_and_changed_elsewhere(app, client, alice):
    for _ in range(2):  # the second view is served from what the first kept
        assert "bob" not in client.get("/household/").text
    bob = make_user(app, "bob")  # neither writes a row of the admin's diary
    with app.app_context():
        update_profile(user_row(bob), timezone="Asia/Tokyo")
        db.session.commit()
    page = client.get("/household/").text
    assert "bob" in page and "Asia/Tokyo" in page
