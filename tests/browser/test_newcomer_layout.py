"""What a new patient and their doctor see at every width, in English and German (issue 27)."""

from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from diary.clock import local_now, local_today
from diary.extensions import db
from diary.models import Treatment
from diary.services import shares
from diary.services.accounts import find_user
from diary.services.medications import add_dose
from diary.services.side_effects import add_report
from tests.browser.conftest import screenshot, sign_in, wait_until
from tests.browser.test_charts import seed_months

WIDTHS = (390, 768, 1280, 1920)
PHONE = {"width": 390, "height": 844}

# Each 28-day table's heading against its column's cells: same left edge, same width.
MISALIGNED = """() => Array.from(document.querySelectorAll('table.figures')).flatMap(table => {
  const heads = Array.from(table.tHead.rows[0].cells).map(c => c.getBoundingClientRect());
  const out = [];
  if (getComputedStyle(table).display !== 'table') out.push('not a table');
  if (heads.some(h => h.width < 8 || h.height < 8)) out.push('headings hidden');
  for (const row of table.tBodies[0].rows) {
    if (row.cells.length !== heads.length) out.push('row of ' + row.cells.length + ' cells');
    Array.from(row.cells).forEach((cell, i) => {
      const c = cell.getBoundingClientRect(), h = heads[i];
      if (h && (Math.abs(h.left - c.left) > 1 || Math.abs(h.width - c.width) > 1)) {
        out.push(table.tHead.rows[0].cells[i].innerText + ' over ' + cell.innerText);
      }
    });
  }
  return out;
})"""

# A 28-day table wider than the box it sits in (columns scrolled out of sight).
CUT_OFF = """() => Array.from(document.querySelectorAll('table.figures')).filter(
  table => table.parentElement.scrollWidth > table.parentElement.clientWidth + 1).length"""


@contextmanager
def signed_in_phone(browser, server, name: str):
    """Yield a page in a phone's browser of its own, signed in as name."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, server, name)
        yield page
    finally:
        context.close()


def figure_pages(server, name: str) -> list[str]:
    """Return the before/after page, the report page and the shared page of its treatment."""
    with server.app.app_context():
        user = find_user(name)
        treatment_id = db.session.scalar(select(Treatment.id).where(Treatment.user_id == user.id))
        today = local_today(user.timezone)
        _, token = shares.create_share(
            user,
            first_day=(today - timedelta(days=89)).isoformat(),
            last_day=today.isoformat(),
            treatment_ids=[treatment_id],
            days=7,
        )
        db.session.commit()
    return [f"/treatments/{treatment_id}/outcome", "/report", f"/s/{token}"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_28_day_table_is_a_table_with_its_headings_over_their_values(
    page, live_server, language
):
    name = live_server.make_user(language=language)
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    for path in figure_pages(live_server, name):
        page.goto(live_server.url + path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            # The canvas charts follow a new width a frame later.
            wait_until(page, f"document.documentElement.scrollWidth <= {width}")
            assert page.evaluate(MISALIGNED) == [], (path, width)
            if width >= 768 or language == "en":  # German's long words scroll on a phone
                assert page.evaluate(CUT_OFF) == 0, (path, width)
        screenshot(page, f"figures-{language}-{path.split('/')[1]}-1920")


def side_effects_and_medicines(server, name: str) -> None:
    """Give the user a side effect with a long note and a dose with a long name."""
    with server.app.app_context():
        user = find_user(name)
        now = local_now(user.timezone).replace(microsecond=0)
        add_report(
            user,
            recorded_at=now - timedelta(hours=2),
            effect="nausea",
            severity="moderate",
            note="Felt it in the car on the way back from the clinic, eased after lunch",
        )
        add_dose(
            user,
            taken_at=now - timedelta(hours=1),
            name="Sumatriptan nasal spray",
            dose="20 mg",
            med_class="triptan",
            note="second dose of the day",
        )
        db.session.commit()


# Cells whose text runs past their own edge (cut off by the card's overflow: hidden).
CLIPPED = """() => Array.from(document.querySelectorAll('main td, main th')).filter(
  cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.innerText)"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_side_effects_and_medicines_lists_show_their_edit_links_on_a_phone(
    browser, live_server, language
):
    name = live_server.make_user(language=language)
    side_effects_and_medicines(live_server, name)
    with signed_in_phone(browser, live_server, name) as page:
        for path in ("/side-effects", "/medications"):
            page.goto(live_server.url + path)
            edits = page.locator("main table a[href$='/edit']")
            assert edits.count() == 1, path
            box = edits.first.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, box)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            assert page.evaluate(CLIPPED) == [], path
            screenshot(page, f"list-phone-{language}-{path.strip('/')}")


# The size at which each shown chart's text is drawn, in CSS px (font size times the scale).
CHART_TEXT_PX = """() => Array.from(document.querySelectorAll('svg.svg-chart'))
  .filter(svg => svg.getClientRects().length)
  .flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Array.from(svg.querySelectorAll('text')).map(
      t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]);
  })"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_chart_text_on_the_report_and_shared_page_is_12_px_on_a_phone(
    browser, live_server, language
):
    name = live_server.make_user(language=language)
    seed_months(live_server, name)
    with signed_in_phone(browser, live_server, name) as page:
        for path in figure_pages(live_server, name)[1:]:
            page.goto(live_server.url + path)
            sizes = page.evaluate(CHART_TEXT_PX)
            assert len(sizes) > 10, path  # the pain chart's ticks and the bars' labels
            assert [(text, round(px, 1)) for text, px in sizes if px < 12] == [], path


# What sticks out of the phone header: its links and buttons past any of its edges.
HEADER_OVERFLOW = """() => {
  const h = document.querySelector('header.site').getBoundingClientRect();
  return Array.from(document.querySelectorAll('header.site a, header.site button'))
    .filter(e => e.getClientRects().length).filter(e => {
      const r = e.getBoundingClientRect();
      return r.left < h.left - 0.5 || r.right > h.right + 0.5 || r.top < h.top - 0.5
        || r.bottom > h.bottom + 0.5 || e.scrollWidth > e.clientWidth + 1;
    }).map(e => e.innerText);
}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_low_light_switch_fits_the_phone_header(browser, live_server, language):
    name = live_server.make_user(language=language)
    with signed_in_phone(browser, live_server, name) as page:
        switch = page.locator(".low-light-toggle button")
        for _ in range(2):  # "Low light", then "Normal light"
            assert page.evaluate(HEADER_OVERFLOW) == [], switch.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            box = switch.bounding_box()
            assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
            switch.click()
            page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_pgic_answers_read_as_a_ladder_one_per_row_on_a_phone(browser, live_server, language):
    name = live_server.make_user(language=language)
    seed_months(live_server, name)
    with signed_in_phone(browser, live_server, name) as page:
        with live_server.app.app_context():
            user = find_user(name)
            treatment_id = db.session.scalar(
                select(Treatment.id).where(Treatment.user_id == user.id)
            )
        page.goto(f"{live_server.url}/treatments/{treatment_id}")
        answers = page.locator(".pgic-answers button")
        assert answers.count() == 7
        boxes = [answers.nth(n).bounding_box() for n in range(7)]
        # Each below the one before, all of one width, in the order of the scale.
        assert all(b["y"] >= a["y"] + a["height"] - 1 for a, b in pairwise(boxes))
        assert len({round(b["width"]) for b in boxes}) == 1
