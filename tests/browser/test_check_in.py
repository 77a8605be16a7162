"""The daily check-in on a 390x844 phone: Settings subscribes this device through the service
worker, `diary check-ins send` pushes the question to it, and its "No headache" action marks
the day exactly once, also when the diary is out of reach at that moment and comes back.

Chromium's own push service (Google's) is out of reach here, so the browser's PushManager
is replaced by one that hands out a subscription at a local push service; the test holds
that device's keys, decrypts what the diary sends, and delivers it to the worker.
"""

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from diary import create_app
from diary.clock import local_today
from diary.extensions import db
from diary.models import DayMark
from diary.services.accounts import find_user
from tests.browser.conftest import (
    LiveServer,
    screenshot,
    sign_in_by_form,
    wait_for_worker,
)
from tests.push_service import PushService
from tests.server import DiaryServer

pytestmark = pytest.mark.diary_serve
PHONE = {"width": 390, "height": 844}
WEEK = timedelta(days=7)
ENV = {"DIARY_PUSH_ALLOW_HTTP": "true", "DIARY_BACKUP_KEEP": "0"}

# The browser's push service, as PushManager answers for it: one subscription per origin.
FAKE_PUSH_MANAGER = """
(() => {
  const device = %s;
  let current = null;
  const encode = (bytes) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  PushManager.prototype.getSubscription = async () => current;
  PushManager.prototype.subscribe = async (options) => {
    const key = new Uint8Array(options.applicationServerKey);
    window.subscribedWith = encode(key);
    current = {
      endpoint: device.endpoint,
      options: { applicationServerKey: key.buffer, userVisibleOnly: options.userVisibleOnly },
      toJSON: () => ({ endpoint: device.endpoint, expirationTime: null, keys: device.keys }),
      unsubscribe: async () => ((current = null), true),
    };
    return current;
  };
})();
"""

DELIVER_PUSH = """async (message) => {
  self.dispatchEvent(new PushEvent("push", { data: message }));
  for (let tries = 0; tries < 40; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const shown = await self.registration.getNotifications();
    if (shown.length) {
      const n = shown[0];
      return { title: n.title, body: n.body, actions: n.actions.map((a) => [a.action, a.title]) };
    }
  }
  return null;
}"""

CLICK = """async (action) => {
  const [notification] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent("notificationclick", { notification, action }));
}"""

QUEUED = """(userId) => new Promise((resolve) => {
  const request = indexedDB.open(`headache-diary-user-${userId}`, 1);
  request.onupgradeneeded = () =>
    request.result.createObjectStore("queue", { keyPath: "client_key" });
  request.onsuccess = () => {
    const all = request.result.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () => resolve(all.result.map((item) => [item.kind, item.at]));
  };
})"""


@pytest.fixture
def diary(tmp_path):
    """`diary serve` of this test alone: it is stopped and started again."""
    instance = tmp_path / "instance"
    server = DiaryServer(instance, DIARY_LOGIN_RATE_LIMIT="1000 per minute", **ENV).start()
    os.environ["DIARY_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app()
    finally:
        del os.environ["DIARY_INSTANCE_PATH"]
    yield server, LiveServer(server.url, instance, app)
    server.stop()


def send_check_ins(live: LiveServer) -> str:
    """Run `diary check-ins send` as cron would, on the served diary's instance."""
    env = {**os.environ, "DIARY_INSTANCE_PATH": str(live.instance), **ENV}
    result = subprocess.run(
        [sys.executable, "-m", "diary", "check-ins", "send"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def marks(live: LiveServer, name: str) -> list:
    with live.app.app_context():
        user = find_user(name)
        rows = db.session.execute(
            select(DayMark.day, DayMark.headache_free)
            .where(DayMark.user_id == user.id)
            .order_by(DayMark.day)
        ).all()
        db.session.rollback()
        return [tuple(r) for r in rows], user.id, local_today(user.timezone)


def wait_for(check, timeout: float = 45.0):
    """Poll a condition of the diary's database until it holds (the worker retries by itself)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.1)
    return result


def test_the_check_in_notification_marks_the_day_once_also_across_an_outage(browser, diary):
    server, live = diary
    push_service = PushService()
    try:
        name = live.make_user(
            timezone="Europe/Berlin", created_at=datetime.now(UTC).replace(tzinfo=None) - WEEK
        )
        device = push_service.device("phone")
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        context.grant_permissions(["notifications"], origin=live.url)
        context.add_init_script(script=FAKE_PUSH_MANAGER % json.dumps(device))
        page = context.new_page()
        sign_in_by_form(page, live, name)
        wait_for_worker(page)

        page.goto(live.url + "/account")
        page.get_by_label("Ask me each day when nothing is logged yet").check()
        page.get_by_label("Ask at", exact=True).fill("00:00")
        page.get_by_role("button", name="Save the check-in").click()
        expect(page.get_by_text("This device is notified.")).to_be_visible(timeout=15000)
        devices = page.locator("[data-push-devices] li")
        expect(devices).to_have_count(1)
        expect(devices.get_by_role("button", name=re.compile("^Stop notifying"))).to_have_text(
            "Remove"
        )
        shown_key = page.locator("[data-push-key]").get_attribute("data-push-key")
        assert page.evaluate("window.subscribedWith") == shown_key
        screenshot(page, "check-in-settings-phone")

        assert "Asked 1 account(s): 1 notification(s)" in send_check_ins(live)
        assert push_service.problems == []
        (delivery,) = push_service.deliveries
        worker = context.service_workers[0]
        shown = worker.evaluate(DELIVER_PUSH, json.dumps(delivery.message))
        assert shown == {
            "title": "Headache diary",
            "body": "How was your head today?",
            "actions": [["no-headache", "No headache"], ["log-pain", "Log pain"]],
        }

        # The diary is out of reach when "No headache" is tapped: the answer waits in the
        # member's queue on the phone, and nothing is stored yet.
        server.stop()
        found, user_id, today = marks(live, name)
        assert found == []
        worker.evaluate(CLICK, "no-headache")
        queued = f"({QUEUED})({user_id})"
        deadline = time.monotonic() + 10
        while worker.evaluate(queued) != [["no_headache", today.isoformat()]]:
            assert time.monotonic() < deadline, worker.evaluate(queued)
            time.sleep(0.05)
        assert marks(live, name)[0] == []

        # Back: the worker sends it by itself, once.
        server.start()
        assert wait_for(lambda: marks(live, name)[0]) == [(today, True)]
        wait_for(lambda: worker.evaluate(queued) == [])
        # A second tap on the same day stores nothing more.
        worker.evaluate(DELIVER_PUSH, json.dumps(delivery.message))
        worker.evaluate(CLICK, "no-headache")
        wait_for(lambda: worker.evaluate(queued) == [])
        assert marks(live, name)[0] == [(today, True)]

        page.goto(live.url + "/")
        expect(page.get_by_role("button", name="No headache today")).to_have_attribute(
            "aria-pressed", "true"
        )
        # The day before was left empty: home offers it, one tap marks it.
        gap = page.locator("#yesterday-empty")
        expect(gap).to_contain_text("Yesterday is empty")
        expect(gap.get_by_role("link", name=re.compile("^Log pain on "))).to_be_visible()
        screenshot(page, "check-in-yesterday-empty-phone")
        gap.get_by_role("button", name=re.compile("^No headache on ")).click()
        expect(page.locator("#yesterday-empty")).to_have_count(0)
        assert marks(live, name)[0] == [(today - timedelta(days=1), True), (today, True)]
        assert "Asked 0 account(s)" in send_check_ins(live)
        context.close()
    finally:
        push_service.stop()
