"""A German-speaking patient in the browser: charts, the offline queue and its messages."""

from playwright.sync_api import expect

from tests.browser.conftest import (
    back_online,
    sign_in,
    sign_in_by_form,
    wait_for_worker,
    wait_until,
)
from tests.browser.test_charts import charts_drawn, seed_months

STATUS = "document.querySelector('[data-sync-status]').textContent"


def test_the_charts_speak_german_and_name_a_long_treatment_whole_below(page, live_server, console):
    name = live_server.make_user(language="de")
    seed_months(live_server, name)
    sign_in(page, live_server, name)
    page.goto(live_server.url + "/trends?range=365")
    charts_drawn(page)
    chart = "Chart.getChart(document.getElementById('pain-chart'))"
    labels = page.evaluate(f"{chart}.data.datasets.map(d => d.label)")
    assert labels == ["Tagesmittel", "Tageshöchstwert", "Gleitendes 7-Tage-Mittel"]
    assert page.evaluate(f"{chart}.options.scales.y.title.text") == "Schmerz (0–10)"
    # Months on the axis as German writes them (Intl, from <html lang="de">).
    ticks = page.evaluate(f"{chart}.scales.x.ticks.map(t => t.label)")
    german_months = ("Jan", "Feb", "März", "Apr", "Mai", "Juni", "Juli", "Aug", "Sept", "Okt",
                     "Nov", "Dez")  # fmt: skip
    assert ticks and all(any(m in str(t) for m in german_months) for t in ticks), ticks
    band = page.evaluate(
        f"Object.values({chart}.options.plugins.annotation.annotations)"
        ".filter(a => a.type === 'box').map(a => a.label.content)"
    )
    # In the chart the treatment is its number; the list below names it whole (issue 27).
    full = "Ketamin-Infusion i. v. (stationäre Aufnahme)"
    assert band == ["1"]
    assert full in page.locator(".chart-legend").inner_text()


def test_the_offline_page_and_the_queue_speak_german(page, context, live_server, console):
    name = live_server.make_user(language="de")
    sign_in_by_form(page, live_server, name)
    wait_for_worker(page)
    # The worker cached the offline page on the sign-in page, in the browser's English; the
    # first page in German has it fetched again.
    wait_until(
        page,
        "caches.match('/offline').then(r => r.text()).then(t => t.includes('Sie sind offline'))",
    )
    context.set_offline(True)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Sie sind offline")).to_be_visible()
    page.get_by_role("button", name="Schmerz 8, stark, jetzt eintragen").click()
    wait_until(page, f"{STATUS}.includes('Auf diesem Gerät für {name} gespeichert.')")
    assert "wartet auf die Übertragung" in page.locator("[data-sync-status]").inner_text()
    back_online(context, console)
    wait_until(page, f"{STATUS}.includes('1 wartender Eintrag übertragen.')")
