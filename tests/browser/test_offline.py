"""Offline: log pain and a side effect with the network off; they sync exactly once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select, text

from diary.extensions import db
from diary.models import Reading, SideEffectReport
from diary.services.accounts import find_user
from tests.browser.conftest import (
    back_online,
    screenshot,
    sign_in_by_form,
    sync_now,
    wait_for_worker,
    wait_until,
)


def home_with_worker(page, server, name: str) -> None:
    """Sign in and wait until the service worker controls the page, as on a phone used before.

    By the form: the sign-in page registers the worker, so that it mostly controls home already.
    """
    sign_in_by_form(page, server, name)
    wait_for_worker(page)


def home_offline(page, context, server, name: str) -> None:
    """Sign in, let the service worker take over, then open home with the network down."""
    home_with_worker(page, server, name)
    context.set_offline(True)
    page.goto(server.url + "/")


def entries(server, name):
    with server.app.app_context():
        user = find_user(name)
        readings = db.session.execute(
            select(Reading.pain, Reading.recorded_at).where(Reading.user_id == user.id)
        ).all()
        effects = db.session.execute(
            select(SideEffectReport.effect, SideEffectReport.severity).where(
                SideEffectReport.user_id == user.id
            )
        ).all()
        db.session.rollback()
    return [tuple(r) for r in readings], [tuple(e) for e in effects]


def test_offline_logging_waits_then_syncs_exactly_once_with_the_original_time(
    page, context, live_server, console
):
    name = live_server.make_user(timezone="America/New_York")
    home_offline(page, context, live_server, name)
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    tapped = datetime.now(ZoneInfo("America/New_York")).replace(
        tzinfo=None, second=0, microsecond=0
    )
    page.get_by_role("button", name="Log pain 7, severe, now").click()
    page.get_by_label("Side effect", exact=True).select_option("nausea")
    page.get_by_role("button", name="moderate", exact=True).click()
    status = page.locator("[data-sync-status]")
    wait_until(page, "document.querySelector('[data-sync-status]').textContent.includes('Nausea')")
    assert "Pain 7 at" in status.inner_text() and "waiting to sync" in status.inner_text()
    screenshot(page, "offline-phone")
    assert entries(live_server, name) == ([], [])

    back_online(context, console)
    wait_until(
        page, "document.querySelector('[data-sync-status]').textContent.includes('Synced 2')"
    )
    readings, effects = entries(live_server, name)
    assert effects == [("nausea", "moderate")]
    assert len(readings) == 1 and readings[0][0] == 7
    assert abs(readings[0][1] - tapped) <= timedelta(minutes=1)
    # Coming back online again sends nothing more.
    page.reload()
    sync_now(page)
    assert len(entries(live_server, name)[0]) == 1


def test_home_quick_log_queues_when_the_network_drops(page, context, live_server, console):
    name = live_server.make_user()
    # Without the worker the icon the page asks for after its load fails when the network
    # drops; with it (as on any phone that opened the diary before) the icon comes from its cache.
    home_with_worker(page, live_server, name)
    context.set_offline(True)
    page.get_by_role("button", name="Log pain 4, mild, now").click()
    wait_until(
        page, "document.querySelector('[data-sync-status]').textContent.includes('waiting to sync')"
    )
    back_online(context, console)
    wait_until(
        page, "document.querySelector('[data-sync-status]').textContent.includes('Synced 1')"
    )
    assert [pain for pain, _ in entries(live_server, name)[0]] == [4]


def test_the_offline_page_shows_the_calm_message_after_a_seizure(
    page, context, live_server, console
):
    name = live_server.make_user()
    home_offline(page, context, live_server, name)
    safety = page.locator("[data-offline-safety]")
    page.get_by_label("Side effect", exact=True).select_option("nausea")
    page.get_by_role("button", name="mild", exact=True).click()
    wait_until(page, "document.querySelector('[data-sync-status]').textContent.includes('Nausea')")
    assert safety.is_hidden()
    page.get_by_label("Side effect", exact=True).select_option("seizures")
    page.get_by_role("button", name="mild", exact=True).click()
    expect(
        safety.get_by_text("call your local emergency number or contact your care team")
    ).to_be_visible()
    expect(safety.get_by_text("(a ketamine clinic's article)")).to_be_visible()
    footer = page.locator("footer")
    expect(footer.get_by_text("In an emergency call your local emergency")).to_be_visible()


def test_an_entry_the_diary_fails_to_save_is_sent_again_and_arrives_once(
    page, context, live_server, console
):
    name = live_server.make_user()
    home_offline(page, context, live_server, name)
    page.get_by_role("button", name="Log pain 6, moderate, now").click()
    status = "document.querySelector('[data-sync-status]').textContent"
    wait_until(page, f"{status}.includes('waiting to sync')")
    # A real fault in the server: the insert meets an error of the database (as on a full
    # disk), and the diary answers 500 until it is gone.
    database(
        live_server,
        "CREATE TRIGGER fail_readings BEFORE INSERT ON reading"
        " BEGIN INSERT INTO missing_table VALUES (1); END",
    )
    console.allow("500")
    try:
        back_online(context, console)
        wait_until(page, f"/answered 500|not saved/.test({status})")
        said = page.locator("[data-sync-status]").inner_text()
        assert entries(live_server, name) == ([], [])
    finally:
        database(live_server, "DROP TRIGGER fail_readings")
    # Sent again by itself once the fault is gone (5 s later), and stored once.
    wait_until(page, f"{status}.includes('Synced 1')", timeout=30)
    assert "Pain 6 at" in said and "the diary answered 500; it will retry by itself" in said
    assert [pain for pain, _ in entries(live_server, name)[0]] == [6]


def database(server, statement: str) -> None:
    """Run one statement on the live server's database, as an administrator would."""
    with server.app.app_context():
        db.session.execute(text(statement))
        db.session.commit()
