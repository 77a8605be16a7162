"""Figures computed from the whole diary are worked out once and kept until the next write.

A second view of a page asks the database less (its figures come from the cache); a write
of any kind, from this process or another, shows on the next view; another user's write
changes nothing that is kept for this one; and the cache holds no more than it may.
"""

import io
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta

from sqlalchemy import select

from diary.clock import local_now, local_today
from diary.extensions import db
from diary.models import User
from diary.services.day_marks import mark_day
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from tests.conftest import build_app, sign_in, user_row
from tests.test_api import token_for
from tests.test_attack_pages import start_key
from tests.test_query_counts import counting

OUTCOME = "/treatments/1/outcome"


def today() -> date:
    return local_today("Europe/London")  # every test account's zone


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


def with_treatment(app, user_id: int) -> date:
    """Give a user a treatment that ended 38 days ago, with 10 of its baseline's 28 days
    logged; return the baseline's first day."""
    start = today() - timedelta(days=40)
    with app.app_context():
        user = user_row(user_id)
        add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=start,
            ended_on=start + timedelta(days=2),
        )
        for n in range(10):
            add_reading(user, recorded_at=at(start - timedelta(days=10 + n)), pain=7)
        db.session.commit()
    return start - timedelta(days=28)


def view(app, client, path: str) -> tuple[str, int]:
    """Return a page's text and the number of statements it took."""
    with counting(app) as statements:
        response = client.get(path)
        text = response.get_data(as_text=True)
    assert response.status_code == 200, path
    return text, len(statements)


def known(page: str) -> str:
    """Return the baseline's "n of 28 days known" of a before/after page."""
    start = page.index(" of 28 days known")
    return page[page.rindex(">", 0, start) + 1 : start + len(" of 28 days known")].strip()


def cached_view(app, client, path: str) -> str:
    """View a page twice, check the second asks less of the database, return the page."""
    asked = view(app, client, path)[1]
    again, asked_again = view(app, client, path)
    assert asked_again < asked, (asked_again, asked)
    return again


def version(app, user_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(User.data_version).where(User.id == user_id))


def test_a_reading_saved_on_the_form_shows_in_the_kept_figures_at_once(app, client, alice):
    baseline = with_treatment(app, alice)
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    day = baseline + timedelta(days=2)
    client.post("/readings/new", data={"day": day.isoformat(), "time": "08:00", "pain": "6"})
    assert known(cached_view(app, client, OUTCOME)) == "11 of 28 days known"


def test_a_reading_sent_through_the_api_shows_on_home_and_in_the_figures_at_once(
    app, client, alice
):
    baseline = with_treatment(app, alice)
    auth = token_for(app, alice)
    home = cached_view(app, client, "/")
    assert "Nothing logged today yet." in home and "No logging streak yet." in home
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    reading = client.post("/api/v1/readings", json={"pain": 6}, headers=auth).get_json()
    moment = f"{baseline + timedelta(days=3)}T08:00"
    client.post("/api/v1/readings", json={"pain": 5, "recorded_at": moment}, headers=auth)
    home = cached_view(app, client, "/")
    assert f'href="/readings/{reading["id"]}/edit"' in home
    assert "Logged 1 day in a row." in home
    assert known(cached_view(app, client, OUTCOME)) == "11 of 28 days known"


def test_an_import_shows_in_the_kept_figures_at_once(app, client, alice):
    baseline = with_treatment(app, alice)
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    rows = "".join(f"{baseline + timedelta(days=n)}T08:00,4,\r\n" for n in range(3))
    upload = {"files": (io.BytesIO(f"recorded_at,pain,note\r\n{rows}".encode()), "readings.csv")}
    client.post("/import", data=upload, content_type="multipart/form-data")
    assert known(cached_view(app, client, OUTCOME)) == "13 of 28 days known"


def test_a_write_by_another_process_is_seen_at_the_next_view(app, client, alice, tmp_path):
    baseline = with_treatment(app, alice)
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    before = version(app, alice)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "readings.csv").write_text(f"recorded_at,pain,note\n{baseline}T08:00,3,\n")
    env = os.environ | {
        "DIARY_INSTANCE_PATH": str(tmp_path / "elsewhere"),
        "DIARY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    subprocess.run(
        [sys.executable, "-m", "diary", "import", str(folder), "--user", "alice"],
        env=env,
        check=True,
        capture_output=True,
    )
    # The other process moved the version in the database, which this one reads afresh.
    assert version(app, alice) != before
    assert known(cached_view(app, client, OUTCOME)) == "11 of 28 days known"


def test_another_user_s_write_keeps_what_is_kept_for_this_one(app, client, alice, bob):
    with_treatment(app, alice)
    with_treatment(app, bob)
    cached_view(app, client, OUTCOME)
    _, asked = view(app, client, OUTCOME)
    kept = version(app, alice)
    other = app.test_client()
    sign_in(other, "bob")
    bobs = version(app, bob)
    # Yesterday's: before 08:00, today's 08:00 is still ahead and refused.
    yesterday = (today() - timedelta(days=1)).isoformat()
    other.post("/readings/new", data={"day": yesterday, "time": "08:00", "pain": "6"})
    assert version(app, bob) != bobs and version(app, alice) == kept
    assert view(app, client, OUTCOME)[1] == asked


def with_three_treatments(app, user_id: int) -> list[str]:
    """Give a user three treatments; return their before/after pages, oldest first."""
    with_treatment(app, user_id)
    with app.app_context():
        for weeks in (20, 30):
            start = today() - timedelta(weeks=weeks)
            add_treatment(user_row(user_id), kind="nerve_block", started_on=start, ended_on=start)
        db.session.commit()
    return [f"/treatments/{n}/outcome" for n in (1, 2, 3)]


def test_the_cache_keeps_at_most_its_size_and_drops_the_least_recently_used(app, alice):
    pages = with_three_treatments(app, alice)
    # A before/after page keeps three entries: the treatment's name, its figures and its
    # chart's points (and no rendered page here, so that the figures are worked out again
    # when dropped).
    small = build_app(app.config["SQLALCHEMY_DATABASE_URI"], CACHE_ENTRIES=6, PAGE_CACHE_MB=0)
    client = small.test_client()
    sign_in(client, "alice")
    first = [view(small, client, page)[1] for page in pages]
    assert len(small.extensions["diary_cache"].entries) == 6
    # The latest two are kept; the first was dropped, and is worked out again.
    for page, asked in zip(pages[1:], first[1:], strict=True):
        assert view(small, client, page)[1] < asked, page
    assert view(small, client, pages[0])[1] == first[0]
    with small.app_context():
        db.engine.dispose()


def test_figures_that_read_an_attack_still_going_are_worked_out_at_every_view(app, client, alice):
    """A running attack lasts longer at each view (hours in, its day may become a migraine
    day): figures that read it are not kept until it stops."""
    with app.app_context():
        start = today() - timedelta(days=10)
        add_treatment(user_row(alice), kind="nerve_block", started_on=start, ended_on=None)
        db.session.commit()
    client.post("/attacks/start", data={"client_key": start_key(client.get("/").text)})
    for _ in range(2):
        assert reads_attacks(app, client, OUTCOME)
    client.post("/attacks/stop")
    assert reads_attacks(app, client, OUTCOME)
    assert not reads_attacks(app, client, OUTCOME)


def reads_attacks(app, client, path: str) -> bool:
    """Return whether a view of the page read the attacks (to work its figures out)."""
    with counting(app) as statements:
        assert client.get(path).status_code == 200
    return any(re.search(r"\bFROM attack\b", statement) for statement in statements)


def test_home_asks_again_for_no_list_of_the_day_it_found_empty_until_the_next_write(
    app, client, alice
):
    """Nearly every view of home finds no reminder, PGIC question or preventive due, no
    attack going and no mark on the day: once found empty, they are not asked for again,
    and a write of any kind (here a day marked through the API) shows at once."""
    _, asked = view(app, client, "/")
    with counting(app) as statements:
        again = client.get("/").get_data(as_text=True)
    day_lists = ("reminder", "treatment", "preventive_regimen", "day_mark", "attack")
    asked_again = [s for s in statements for t in day_lists if re.search(rf"\bFROM {t}\b", s)]
    assert asked_again == [] and len(statements) < asked
    assert 'aria-pressed="false">No headache today' in again
    marked = client.put(
        f"/api/v1/day-marks/{today().isoformat()}",
        json={"headache_free": True},
        headers=token_for(app, alice),
    )
    assert marked.status_code in (200, 201), marked.get_data(as_text=True)
    assert 'aria-pressed="true">No headache today' in client.get("/").get_data(as_text=True)


def test_rendered_pages_are_kept_within_their_size_and_the_least_recently_used_go(app, alice):
    pages = with_three_treatments(app, alice)
    viewer = client_of(app)
    for page in pages:
        assert viewer.get(page).status_code == 200
    held = app.extensions["diary_cache"].pages
    sizes = [held.getsizeof(part) for part in held.values()]
    assert len(sizes) == 3
    # Room for the two largest bodies but not for all three.
    room = sum(sorted(sizes)[1:]) + 1
    small = build_app(app.config["SQLALCHEMY_DATABASE_URI"], PAGE_CACHE_MB=room / 2**20)
    client = small.test_client()
    sign_in(client, "alice")
    first = [view(small, client, page)[1] for page in pages]
    kept = small.extensions["diary_cache"].pages
    assert kept.currsize <= room and len(kept) == 2
    kept_views = [view(small, client, page)[1] for page in pages[1:]]
    assert all(n < asked for n, asked in zip(kept_views, first[1:], strict=True))
    # The first was dropped: rendered again (from its figures, which are still kept).
    assert view(small, client, pages[0])[1] > max(kept_views)
    with small.app_context():
        db.engine.dispose()


def client_of(app):
    """Return a client of app signed in as alice."""
    client = app.test_client()
    sign_in(client, "alice")
    return client


def test_home_asks_about_a_dose_and_drops_the_safety_note_as_hours_pass_without_a_write(
    app, client, alice, monkeypatch
):
    with app.app_context():
        user = user_row(alice)
        now = local_now(user.timezone)
        dose_id = add_dose(user, taken_at=now - timedelta(minutes=119), name="rizatriptan").id
        add_report(
            user,
            recorded_at=now - timedelta(hours=23, minutes=59),
            effect="nausea",
            severity="severe",
        )
        db.session.commit()
    question = f'action="/medications/{dose_id}/relief"'
    note = 'href="#safety"'
    for _ in range(2):  # the second view is answered from what the first kept
        first = client.get("/").text
    assert question not in first and note in first
    # Two minutes on: the dose is 2 hours old and the report more than 24.
    monkeypatch.setattr(
        "diary.blueprints.readings.local_now", lambda _zone: now + timedelta(minutes=2)
    )
    later = client.get("/").text
    assert question in later, "the 2-hour question did not come with the clock"
    assert note not in later, "the safety note stayed past 24 hours"


def test_daily_csv_shows_a_day_classified_anew_after_a_write(app, client, alice):
    day = today() - timedelta(days=2)
    with app.app_context():
        add_reading(user_row(alice), pain=2, recorded_at=at(today() - timedelta(days=5)))
        db.session.commit()

    def status_of_day(csv: str) -> str:
        return next(row for row in csv.splitlines() if row.startswith(f'"{day}"')).split(",")[-2]

    assert status_of_day(cached_view(app, client, "/export/daily.csv")) == '"unknown"'
    with app.app_context():
        mark_day(user_row(alice), day, headache_free=True)
        db.session.commit()
    assert status_of_day(client.get("/export/daily.csv").text) == '"headache_free"'


def test_a_deleted_treatment_s_kept_before_and_after_page_is_gone_at_once(app, client, alice):
    with_treatment(app, alice)
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    assert client.post("/treatments/1/delete").status_code == 302
    assert client.get(OUTCOME).status_code == 404
