"""Usable during an attack: big targets, keyboard, 200% text, a light first page, screenshots."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in, wait_until
from tests.browser.test_charts import seed_months

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
KEY_PAGES = {
    "home": "/",
    "log-pain": "/readings/new",
    "treatments": "/treatments/",
    "side-effects": "/side-effects/new",
    "medicines": "/medications/",
    "reminders": "/reminders",
    "trends": "/trends",
    "report": "/report",
    "export": "/export",
    "settings": "/account",
}
EVERY_CHART_DRAWN = (
    "Array.from(document.querySelectorAll('canvas')).every(c => window.Chart && Chart.getChart(c))"
)
# Controls a finger has to hit; inline links inside sentences are exempt (WCAG 2.5.5).
TARGETS = ", ".join(
    [
        "button:visible",
        "select:visible",
        "input:visible:not([type=checkbox]):not([type=radio])",
        "nav a:visible",
        ".actions a:visible",
        "td a:visible",
        ".pain-choice:visible",
        ".chip:visible",
    ]
)


@pytest.fixture(scope="module")
def person(live_server):
    name = live_server.make_user(is_admin=True)
    seed_months(live_server, name)
    return name


def test_screenshots_of_the_key_pages_at_phone_and_desktop_width(browser, live_server, person):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, person)
    for name, path in KEY_PAGES.items():
        page.set_viewport_size(PHONE)
        page.goto(live_server.url + path)  # loaded, styles and all
        wait_until(page, EVERY_CHART_DRAWN)  # the charts' script draws after that
        screenshot(page, f"{name}-phone")
        # Widened, as the phone test's pages: the same pixels as loading it at that width.
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"{name}-desktop")
    context.close()


def test_touch_targets_are_at_least_44_px(browser, live_server, person):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, person)
    small = []
    for path in [
        "/",
        "/readings/new",
        "/side-effects/new",
        "/treatments/1",
        "/medications/",
        "/reminders",
        "/account",
    ]:
        page.goto(live_server.url + path)
        # Every target's box in one call, the same boxes bounding_box() gives one by one (the
        # page has nothing transformed) without a round trip to the browser for each.
        boxes = page.locator(TARGETS).evaluate_all(
            "targets => targets.map(e => {"
            " const box = e.getBoundingClientRect();"
            " return [e.outerHTML.slice(0, 80), box.width, box.height]; })"
        )
        for html, width, height in boxes:
            if width < 44 or height < 44:
                small.append((path, html, round(width), round(height)))
    context.close()
    assert small == []


def test_quick_log_by_keyboard_alone_with_a_visible_focus(page, live_server, console):
    name = live_server.make_user()
    sign_in(page, live_server, name)
    for _ in range(40):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if label.startswith("Log pain 2,"):
            break
    assert label == "Log pain 2, mild, now"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved: pain 2 at")).to_be_visible()


@pytest.fixture(scope="module")
def desktop_page(browser, live_server, person):
    """A desktop page signed in as the person, shared by the tests that only load a page.

    Each loads a new document in it; a context of its own for each (a new renderer process)
    cost more than the page they check.
    """
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, person)
    yield page
    context.close()


@pytest.mark.parametrize("path", list(KEY_PAGES.values()))
def test_text_at_200_percent_loses_nothing_sideways(desktop_page, live_server, path):
    page = desktop_page
    page.goto(live_server.url + path)
    assert page.url == live_server.url + path  # signed in: not sent to the sign-in page
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_the_quick_log_page_is_light_on_first_visit(browser, live_server, language):
    # A cold first visit: a new browser context has an empty cache. Each language's
    # page is weighed, for an account set to that language.
    cold = browser.new_context(viewport=PHONE)
    first = cold.new_page()
    sign_in(first, live_server, live_server.make_user(language=language))
    first.goto(live_server.url + "/")
    first.wait_for_load_state("networkidle")
    assert first.evaluate("document.documentElement.lang") == language
    resources = first.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".map(e => [e.name, e.transferSize || e.encodedBodySize])"
    )
    total = sum(size for _, size in resources)
    cold.close()
    assert not [name for name, _ in resources if "chart" in name]
    assert total < 100 * 1024, resources
    size = f"{total / 1024:.1f} KB in {len(resources)} requests"
    print(f"home page ({language}), first visit: {size}")


def focus_and_type(page, label: str, text: str) -> None:
    """Tab to the control with this accessible name, then type into it."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(l) => document.activeElement.labels && [...document.activeElement.labels]"
            ".some(x => x.textContent.trim().startsWith(l))",
            label,
        ):
            page.keyboard.type(text)
            return
    raise AssertionError(f"Tab never reached {label}")


def test_the_full_forms_work_by_keyboard_alone(page, live_server, console):
    name = live_server.make_user()
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/readings/new")
    focus_and_type(page, "Note", "typed without a mouse")
    # Back to the pain scale: arrow keys move within a radio group.
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.name") == "pain":
            break
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    chosen = page.evaluate("document.querySelector('input[name=pain]:checked').value")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Save":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Saved pain {chosen} for")).to_be_visible()

    page.goto(live_server.url + "/side-effects/new")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "severity-nausea":
            break
    page.keyboard.press("Space")
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Save side effects":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved 1 side effect.")).to_be_visible()
