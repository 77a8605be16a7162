"""Real-browser fixtures: `diary serve` on a free loopback port, and Debian's Chromium."""

import base64
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from diary import create_app
from diary.extensions import db
from diary.services.accounts import create_user
from tests.conftest import csrf_token
from tests.server import DiaryServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling outside hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser test password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    url: str
    instance: Path
    app: object

    def make_user(self, **fields) -> str:
        """Create an account straight in the server's database; return its name."""
        name = f"u{uuid.uuid4().hex[:10]}"
        with self.app.app_context():
            user = create_user(name, PASSWORD)
            user.timezone = fields.pop("timezone", "Europe/London")
            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
        return name


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("live-instance")
    # Every browser test signs in from 127.0.0.1; the real limit is tested elsewhere.
    server = DiaryServer(instance, DIARY_LOGIN_RATE_LIMIT="1000 per minute").start()
    os.environ["DIARY_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app()
    finally:
        del os.environ["DIARY_INSTANCE_PATH"]
    yield LiveServer(server.url, instance, app)
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class Console:
    """Collects console errors, page errors and CSP violations of one page."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.allowed: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _message(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"{message.text} at {message.location.get('url')}")

    def allow(self, fragment: str) -> None:
        """Accept errors that mention `fragment`: a refusal the test itself provokes."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(f in p for f in self.allowed)]


@pytest.fixture
def console(page):
    watcher = Console(page)
    yield watcher
    assert watcher.unexpected() == [], watcher.problems


def back_online(context, console: Console) -> None:
    """Switch the network on again after a test switched it off.

    Chromium can tell the page it is online a moment before its network service lets
    requests out again: a round of sending that the page starts on the `online` event may
    then meet the switched-off network, and the browser logs that request's failure. The
    page sends it again by itself (the tests wait for that); only that line is expected.
    """
    console.allow("net::ERR_INTERNET_DISCONNECTED")
    context.set_offline(False)


def sign_in(page, server: LiveServer, name: str) -> None:
    """Sign the page's browser context in as name, and open the home page.

    The sign-in form is posted by the context's own request client, whose cookies are the
    context's: the same session as typing it in, without Chromium drawing the sign-in page
    (about a third of a CPU-second a sign-in). sign_in_by_form types it in, as the
    tests of the service worker do (the sign-in page registers it).
    """
    form = page.context.request.get(server.url + "/login").text()
    fields = {"csrf_token": csrf_token(form), "username": name, "password": PASSWORD}
    answer = page.context.request.post(server.url + "/login", form=fields, max_redirects=0)
    assert answer.status == 302, answer.text()
    page.goto(server.url + "/")


def sign_in_by_form(page, server: LiveServer, name: str) -> None:
    """Sign in as a person does: fill in the sign-in page and send it."""
    page.goto(server.url + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")


def screenshot(page, name: str) -> None:
    """Save a screenshot of the whole page for review into the git-ignored test-artifacts
    folder, when DIARY_SCREENSHOTS is set (`make screenshots`).

    They assert nothing, and the some 240 of a run took about a tenth of the suite's CPU, so
    `make test` takes none. The same pixels as page.screenshot(full_page=True), asked of
    Chromium with its PNG encoder set for speed (optimizeForSpeed, which Playwright does not
    offer): about a third less time each, in larger files.
    """
    if not os.environ.get("DIARY_SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    devtools = page.context.new_cdp_session(page)
    try:
        size = devtools.send("Page.getLayoutMetrics")["cssContentSize"]
        whole = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        options = {"format": "png", "clip": whole, "captureBeyondViewport": True}
        shot = devtools.send("Page.captureScreenshot", options | {"optimizeForSpeed": True})
    finally:
        devtools.detach()
    (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is true.

    Not page.wait_for_function: that compiles its predicate with eval inside the
    page, which the diary's Content-Security-Policy rightly refuses.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def wait_for_worker(page) -> None:
    """Wait until the service worker controls the page, as on a phone used before.

    A page opened before its worker was active is controlled only once reloaded: the
    reload is made here, once the worker is, and waited for (a reload started inside a
    polled expression raced the next poll, which found its page gone).
    """
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def sync_now(page) -> None:
    """Say the network is back, and wait until the round of sending it starts has ended.

    The page marks its sync status busy (aria-busy) for the whole round, from the moment
    the event is handled, so nothing is still on its way once it is no longer busy.
    """
    page.evaluate("window.dispatchEvent(new Event('online'))")
    busy = "document.querySelector('[data-sync-status]').getAttribute('aria-busy')"
    wait_until(page, f"{busy} === 'false'")
