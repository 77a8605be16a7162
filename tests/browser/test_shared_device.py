"""A shared household device: entries queued offline by one member never reach another's diary."""

from tests.browser.conftest import (
    back_online,
    sign_in_by_form,
    sync_now,
    wait_for_worker,
    wait_until,
)
from tests.browser.test_offline import entries

STATUS = "document.querySelector('[data-sync-status]').textContent"


def sign_out(page, server) -> None:
    page.goto(server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(server.url + "/login")


def test_one_members_offline_entry_waits_for_her_and_never_lands_in_anothers_diary(
    page, context, live_server, console
):
    anna, ben = live_server.make_user(), live_server.make_user()
    sign_in_by_form(page, live_server, anna)
    wait_for_worker(page)
    context.set_offline(True)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Log pain 8, severe, now").click()
    wait_until(page, f"{STATUS}.includes('Saved on this device for {anna}')")

    # Anna's sign-in ends before the network is back; Ben signs in on the same phone.
    # Her page, back online, asks to send her entry and is rightly refused: no one is signed in.
    console.allow("status of 401 (UNAUTHORIZED) at " + live_server.url + "/sync/token")
    context.clear_cookies()
    back_online(context, console)
    page.goto(live_server.url + "/login")
    sign_in_by_form(page, live_server, ben)
    wait_until(page, f"{STATUS}.includes('Waiting for {anna}')")
    sync_now(page)
    assert entries(live_server, ben) == ([], [])
    assert entries(live_server, anna) == ([], [])

    sign_out(page, live_server)
    sign_in_by_form(page, live_server, anna)
    wait_until(page, f"{STATUS}.includes('Synced 1')")
    assert [pain for pain, _ in entries(live_server, anna)[0]] == [8]
    assert entries(live_server, ben) == ([], [])


def test_an_entry_the_diary_refuses_stays_with_its_reason_until_discarded(page, live_server):
    # No console fixture: the browser rightly logs the refused request (422).
    name = live_server.make_user()
    sign_in_by_form(page, live_server, name)
    user_id = page.evaluate("Number(document.body.dataset.userId)")
    # An item as an older page might have queued it: a score the diary does not take.
    page.evaluate(
        """(userId) => new Promise((resolve) => {
            const open = indexedDB.open(`headache-diary-user-${userId}`, 1);
            open.onupgradeneeded = () =>
                open.result.createObjectStore("queue", {keyPath: "client_key"});
            open.onsuccess = () => {
                const tx = open.result.transaction("queue", "readwrite");
                tx.objectStore("queue").put({client_key: "bad-1", kind: "reading", pain: 42,
                                             at: new Date().toISOString()});
                tx.oncomplete = () => { open.result.close(); resolve(); };
            };
        })""",
        user_id,
    )
    page.evaluate(
        "(id) => localStorage.setItem('diary.waiting-members', JSON.stringify({[id]: 'me'}))",
        user_id,
    )
    page.reload()
    wait_until(page, f"{STATUS}.includes('Pain must be from 0 to 10, not 42.')")
    assert "offline" not in page.locator("[data-sync-status]").inner_text().lower()
    assert entries(live_server, name) == ([], [])
    page.reload()
    # Kept across pages, never sent again, until the patient discards it.
    wait_until(page, f"{STATUS}.includes('not saved')")
    page.get_by_role("button", name="Discard Pain 42").click()
    wait_until(page, f"!{STATUS}.includes('Pain 42')")
