"""The report JSON, daily.csv and the FHIR export carry the same numbers."""

import csv
import html
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import event

from diary.extensions import db
from diary.services import outcomes
from diary.services.medications import add_dose
from diary.services.outcomes import PERIOD_LABELS
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.spans import DayRange
from diary.services.treatments import add_treatment
from tests.conftest import export_text, user_row


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


def seed(app, user_id):
    """Baseline of 7 on 10 days, two overlapping treatments, relief at 3 afterwards."""
    with app.app_context():
        user = user_row(user_id)
        for n in range(10):
            add_reading(user, recorded_at=at(date(2024, 2, 20) + timedelta(days=n), 9), pain=7)
        add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=date(2024, 3, 1),
            ended_on=date(2024, 3, 5),
        )
        add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 4), ended_on=date(2024, 3, 4)
        )
        add_reading(user, recorded_at=at(date(2024, 3, 5), 9), pain=4)
        for n in range(1, 21):
            add_reading(user, recorded_at=at(date(2024, 3, 5) + timedelta(days=n), 9), pain=3)
        add_report(user, recorded_at=at(date(2024, 3, 2), 20), effect="nausea", severity="moderate")
        add_dose(
            user,
            taken_at=at(date(2024, 3, 7), 8),
            name="ibuprofen",
            dose="400 mg",
            med_class="simple_analgesic",
            note="=bad",
        )
        db.session.commit()


def test_report_without_json_prints_a_short_summary_not_json(app, runner, alice):
    seed(app, alice)
    with app.app_context():
        add_reading(user_row(alice), recorded_at=at(date(2024, 3, 1), 8), pain=8)
        db.session.commit()
    result = runner.invoke(args=["report", "--user", "alice", "--as-of", "2024-03-20"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Report for alice as of 2024-03-20",
        "Acute-medicine days, 2024-02-20 to 2024-03-20: simple_analgesic 1",
        "ketamine_iv_inpatient 2024-03-01 to 2024-03-05: admission pain 8, discharge pain 4",
        "nerve_block 2024-03-04 to 2024-03-04: admission no reading, discharge no reading",
        "MIDAS answers: 0. Every figure: --json.",
    ]


def test_report_json_lists_treatments_in_start_order_with_their_figures(app, runner, alice):
    seed(app, alice)
    with app.app_context():
        add_reading(user_row(alice), recorded_at=at(date(2024, 3, 1), 8), pain=8)
        db.session.commit()
    result = runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-03-20"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"as_of", "medication_overuse", "treatments", "midas", "menstrual_link"}
    first, second = report["treatments"]
    assert (first["kind"], first["started_on"], first["ended_on"]) == (
        "ketamine_iv_inpatient", "2024-03-01", "2024-03-05",
    )  # fmt: skip
    assert set(first) == {
        "kind", "started_on", "ended_on", "day_rule", "primary", "baseline_above_usual",
        "relief", "study", "periods", "overlaps", "side_effects", "pgic", "midas_before",
        "midas_after", "preventive_changes",
    }  # fmt: skip
    # The study's measures: the first reading on the start day, the last on the end day.
    assert first["study"] | {"one_month": None} == {
        "admission_pain": 8, "discharge_pain": 4, "drop": 4, "responder": True,
        "one_month": None, "sustained_one_month": None,
    }  # fmt: skip
    # As of March 20 the one-month window (March 28 - April 11) holds nothing yet.
    assert first["study"]["one_month"]["days_logged"] == 0
    baseline, days_1_28 = first["periods"][:2]
    # 10 known baseline days are too few for rates (23 needed): counts only.
    assert (baseline["days_known"], baseline["enough_data"], baseline["pain_mean"]) == (
        10, False, None,
    )  # fmt: skip
    assert baseline["measures"]["headache_days"] == {"count": 10, "per_28": None}
    # March 6 to 20: 15 days so far, all known; still too few.
    assert (days_1_28["days_elapsed"], days_1_28["days_known"], days_1_28["pain_mean"]) == (
        15, 15, None,
    )  # fmt: skip
    assert days_1_28["pain_change"] is None  # no baseline mean to compare with
    assert days_1_28["measures"]["acute_medication_days"] == {"count": 1, "per_28": None}
    assert first["primary"] == "moderate_severe_days"
    assert first["relief"] == dict.fromkeys(outcomes.RELIEF_KEYS)
    assert first["side_effects"] == {"nausea": 1}
    # The nerve block on March 4 still acts in the days after the ketamine admission.
    assert first["overlaps"] == ["2024-03-04"]
    # The nerve block on March 4 has the ketamine admission in its baseline.
    assert second["kind"] == "nerve_block"
    assert second["overlaps"] == ["2024-03-01"]
    later = json.loads(
        runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-02-29"]).output
    )
    assert later["treatments"] == []


def test_daily_csv_has_one_row_per_day_with_empty_cells_when_unlogged(app, alice):
    seed(app, alice)
    with app.app_context():
        text = export_text(
            user_row(alice), "daily.csv", DayRange(date(2024, 3, 1), date(2024, 3, 7))
        )
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert text.startswith(
        '"date","pain_mean","pain_max","readings","side_effects","medications","treatment","notes",'
        '"status","migraine"\r\n'
    )
    assert [r["date"] for r in rows] == [f"2024-03-0{d}" for d in range(1, 8)]
    march_2, march_4, march_5, march_7 = rows[1], rows[3], rows[4], rows[6]
    assert (march_2["pain_mean"], march_2["readings"], march_2["side_effects"]) == (
        "",
        "",
        "Nausea (moderate)",
    )
    assert march_4["treatment"] == "Ketamine IV infusion (inpatient admission); Nerve block"
    assert (march_5["pain_mean"], march_5["pain_max"], march_5["readings"]) == ("4.00", "4", "1")
    assert march_7["medications"] == "ibuprofen 400 mg"
    assert march_7["treatment"] == ""


def test_daily_csv_rounds_a_day_s_mean_as_the_report_does(app, client, alice):
    # Eight readings summing to 9: a mean of 1.125, which is 1.13 halves away from zero (the
    # report's rounding), where binary floating point to two places would say 1.12.
    with app.app_context():
        user = user_row(alice)
        for n, score in enumerate((2, 1, 1, 1, 1, 1, 1, 1)):
            add_reading(user, recorded_at=at(date(2024, 1, 1), 8 + n), pain=score)
        db.session.commit()
        text = export_text(user, "daily.csv", DayRange(date(2024, 1, 1), date(2024, 1, 1)))
    assert next(csv.DictReader(io.StringIO(text)))["pain_mean"] == "1.13"
    chart = json.loads(
        client.get("/trends?range=all").text.split('id="chart-data">')[1].split("</script>")[0]
    )
    assert {p["date"]: p["mean"] for p in chart["pain"]}["2024-01-01"] == 1.13


def test_daily_csv_neutralises_formulas_in_notes(app, alice):
    with app.app_context():
        add_reading(
            user_row(alice), recorded_at=at(date(2024, 1, 1), 8), pain=5, note="=HYPERLINK(1)"
        )
        db.session.commit()
        text = export_text(
            user_row(alice), "daily.csv", DayRange(date(2024, 1, 1), date(2024, 1, 1))
        )
    assert text.splitlines()[1].endswith(',"\'=HYPERLINK(1)","headache",""')


def test_fhir_bundle_is_valid_and_carries_every_reading(app, client, alice):
    seed(app, alice)
    with app.app_context():
        user_row(alice).timezone = "America/New_York"
        db.session.commit()
    response = client.get("/export/pain-observations.fhir.json")
    assert response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.data)
    observations = [
        e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"
    ]
    assert len(observations) == 31
    first = observations[0]
    assert first.code.coding[0].system == "http://loinc.org"
    assert first.code.coding[0].code == "72514-3"
    assert first.valueInteger == 7
    assert first.effectiveDateTime.isoformat() == "2024-02-20T09:00:00-05:00"
    summer = json.loads(response.data)
    assert summer["type"] == "collection"
    # The same reading gets the same id in the next export.
    again = json.loads(client.get("/export/pain-observations.fhir.json").data)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in summer["entry"]]


def test_daily_csv_download_honours_the_range(app, client, alice):
    seed(app, alice)
    text = client.get("/export/daily.csv?from=2024-03-03&to=2024-03-01").get_data(as_text=True)
    assert [row["date"] for row in csv.DictReader(io.StringIO(text))] == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]


def test_chart_pages_put_their_data_in_a_json_block_not_inline_script(app, client, alice):
    seed(app, alice)
    for path in ["/trends", "/trends?range=all", "/treatments/1/outcome"]:
        html = client.get(path).get_data(as_text=True)
        assert '<script type="application/json" id="chart-data">' in html, path
        assert "<script>" not in html
        assert "vendor/chartjs/chart.umd.min.js" in html
    # The report's charts are drawn on the server: no chart code at all.
    for path in ["/", "/report"]:
        assert "chart.umd.min.js" not in client.get(path).get_data(as_text=True)


def test_report_page_lets_the_user_pick_treatments_and_range(app, client, alice):
    seed(app, alice)
    page = client.get("/report?t=2&from=2024-03-01&to=2024-03-10").get_data(as_text=True)
    assert "Nerve block, 04 Mar 2024" in page
    # Both are offered to tick; only the picked one has its figures in the report.
    assert '<h2 id="t2-heading">' in page and '<h2 id="t1-heading">' not in page
    assert "01 Mar 2024 – 10 Mar 2024" in page


def period_column(page: str, label: str) -> dict[str, str]:
    """Return one period's cells of the first 28-day table, by their row's heading."""
    table = page[page.index('<table class="figures">') :].split("</table>")[0]
    # The first header names the rows' column; the periods follow it.
    periods = re.findall(r'<th scope="col">(.*?)</th>', table.split("</thead>")[0])[1:]
    column = periods.index(label)
    return {
        heading: re.findall(r"<td>(.*?)</td>", cells, re.S)[column]
        for heading, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
    }


def test_the_treatment_page_the_report_and_the_json_show_the_same_numbers(
    app, client, runner, alice
):
    seed(app, alice)
    with app.app_context():
        user = user_row(alice)
        for n in range(20):  # a baseline with enough days for its per-28 figures
            add_reading(
                user, recorded_at=at(date(2024, 2, 2) + timedelta(days=n), 8), pain=6 + n % 3
            )
        add_reading(user, recorded_at=at(date(2024, 3, 1), 7), pain=8)
        db.session.commit()
    as_of = "2024-06-30"
    data = json.loads(
        runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", as_of]).output
    )
    figures = data["treatments"][0]
    page = client.get("/treatments/1/outcome").get_data(as_text=True)
    report = client.get(f"/report?from=2024-01-01&to={as_of}&t=1").get_data(as_text=True)
    for text in (page, report):
        for p in figures["periods"]:
            cells = period_column(text, PERIOD_LABELS[p["name"]])
            known = f"{p['days_known']} of {p['days_elapsed']} days known, "
            assert cells["Days known"].startswith(f"{known}{p['days_entered_on_the_day']} entered")
            measures = p["measures"]
            for key, column in (
                ("moderate_severe_days", "Moderate–severe days"),
                ("migraine_days", "Migraine days"),
                ("headache_days", "Days with any headache"),
            ):
                per_28 = measures[key]["per_28"]
                shown = '<span class="muted">–' if per_28 is None else str(per_28)
                if measures[key]["count"] is not None:
                    assert cells[column].startswith(shown), (p["name"], key)
            if p["pain_mean"] is not None:
                assert cells["Mean pain (change)"].startswith(str(p["pain_mean"]))
        study = figures["study"]
        assert f"<dd>{study['admission_pain']}</dd>" in text
        assert f"<dd>{study['discharge_pain']}</dd>" in text


def test_the_definitions_on_the_page_use_the_code_s_own_figures(app, client, alice):
    seed(app, alice)
    page = html.unescape(client.get("/treatments/1/outcome").get_data(as_text=True))
    assert f"A period needs {outcomes.MIN_KNOWN_DAYS} known days" in page
    assert f"from day {outcomes.ONE_MONTH_FIRST} to day {outcomes.ONE_MONTH_LAST}" in page
    assert f"worst pain {outcomes.MODERATE_PAIN_MIN} or more" in page
    assert f"Week k (1–{outcomes.RELIEF_WEEKS})" in page
    assert f"(day {outcomes.RELIEF_CAP_DAYS}," in page


def cohort_shown(page: str) -> bool:
    return "55 of 77" in page and "For comparison, the Jefferson study" in page


@pytest.mark.parametrize(
    ("kind", "shown"),
    [("ketamine_iv_inpatient", True), ("ketamine_iv_outpatient", False), ("nerve_block", False)],
)
def test_the_cohort_figures_appear_only_beside_an_inpatient_infusion(
    app, client, alice, kind, shown
):
    with app.app_context():
        treatment = add_treatment(
            user_row(alice), kind=kind, started_on=date(2024, 3, 1), ended_on=date(2024, 3, 5)
        )
        db.session.commit()
        url = f"/treatments/{treatment.id}/outcome"
        report = f"/report?from=2024-02-01&to=2024-04-30&t={treatment.id}"
    for page in (client.get(url).text, client.get(report).text):
        assert cohort_shown(html.unescape(page)) is shown
        if shown:  # with every caution the summary gives
            for words in (
                "None of the patients experienced complete pain relief.",
                "difficult to conduct a true double-blind, placebo-controlled study",
                "patients continue with preventive treatments between infusions",
                "may not apply to all headache disorder patients",
            ):
                assert words in html.unescape(page)


def test_a_period_with_nothing_logged_says_no_data_everywhere(app, client, runner, alice):
    with app.app_context():
        user = user_row(alice)
        add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 1), ended_on=date(2024, 3, 1)
        )
        db.session.commit()
    data = json.loads(
        runner.invoke(args=["report", "--user", "alice", "--json", "--as-of", "2024-06-30"]).output
    )
    for p in data["treatments"][0]["periods"]:
        assert p["days_known"] == 0
        assert all((m["count"], m["per_28"]) == (None, None) for m in p["measures"].values())
    for url in ("/treatments/1/outcome", "/report?from=2024-01-01&to=2024-06-30&t=1"):
        page = html.unescape(client.get(url).text)
        rows = page[page.index("<tbody>") : page.index("</tbody>")]
        assert "0.0" not in rows and "(0)" not in rows
        # Days known, and the six counts, per period.
        assert rows.count("no data") == 4 * 7


def test_more_headache_days_than_the_baseline_read_as_more(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 1), ended_on=date(2024, 3, 1)
        )
        for n in range(1, 29):  # 14 moderate-severe days of 28 before, 28 of 28 after
            before, later = date(2024, 3, 1) - timedelta(days=n), date(2024, 3, 1) + timedelta(n)
            add_reading(user, recorded_at=at(before, 9), pain=6 if n % 2 else 0)
            add_reading(user, recorded_at=at(later, 9), pain=6)
        db.session.commit()
    page = client.get("/treatments/1/outcome").text
    assert "100.0% more" in page and "fewer" not in page.split("<tbody>")[1].split("</tbody>")[0]


def test_the_report_speaks_to_the_doctor_about_the_patient_in_good_english(app, client, alice):
    """One headache day is "1 headache day"; the overuse note says "the patient", not "you"."""
    with app.app_context():
        user = user_row(alice)
        add_reading(user, recorded_at=at(date(2024, 3, 20), 9), pain=4)
        for n in range(10):
            day = date(2024, 3, 1) + timedelta(days=2 * n)
            add_dose(
                user, taken_at=at(day, 8), name="sumatriptan", dose="50 mg", med_class="triptan"
            )
        db.session.commit()
    report = client.get("/report?from=2024-03-01&to=2024-03-30").get_data(as_text=True)
    assert "1 headache day, 0 of them with moderate to severe pain" in report
    assert "1 headache days" not in report
    assert "the patient took:" in report and "you took" not in report
    assert "to mention to your doctor" not in report


def treatment_section(page: str, treatment_id: int) -> str:
    """Return one treatment's section of a report page: its heading, chart and figures."""
    start = page.index(f'<section class="treatment-figures" aria-labelledby="t{treatment_id}-')
    return page[start : page.index("</section>", start)]


def test_a_quarter_s_report_works_out_only_its_own_treatment_with_the_same_figures(
    app, client, alice
):
    """Years of earlier treatments add no work to a quarter's report: it shows the treatment
    of the quarter, read from that treatment's own days, with the figures the report over
    all time gives it."""
    with app.app_context():
        user = user_row(alice)
        for year in (2020, 2021, 2022):
            start = date(year, 3, 1)
            add_treatment(
                user, kind="nerve_block", started_on=start, ended_on=start + timedelta(days=2)
            )
            for n in range(-30, 30, 3):
                add_reading(user, recorded_at=at(start + timedelta(days=n), 9), pain=6)
        start = date(2024, 4, 1)
        add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=start,
            ended_on=start + timedelta(days=2),
        )
        for n in range(-90, 91):
            pain = 7 - (n > 2) * 3 + n % 2
            add_reading(user, recorded_at=at(start + timedelta(days=n), 9), pain=pain)
        db.session.commit()
    shown = start - timedelta(days=outcomes.DEFINITIONS["days_read_before"])
    asked: list = []

    def note_days(_conn, _cursor, _statement, parameters, *_args):
        given = parameters.values() if isinstance(parameters, dict) else parameters
        asked.extend(p for p in given if isinstance(p, (date, datetime, str)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note_days)
    try:
        quarter = client.get("/report?from=2024-04-01&to=2024-06-29").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", note_days)
    # Only the quarter's treatment (id 4) has figures, and no query reaches the years before.
    assert re.findall(r'<h2 id="t(\d+)-heading">', quarter) == ["4"]
    days = [str(p)[:10] for p in asked if re.fullmatch(r"\d{4}-\d\d-\d\d.*", str(p))]
    assert days and min(days) >= shown.isoformat(), min(days)
    whole = client.get("/report?from=2020-01-01&to=2024-06-29").get_data(as_text=True)
    assert re.findall(r'<h2 id="t(\d+)-heading">', whole) == ["1", "2", "3", "4"]
    assert treatment_section(quarter, 4) == treatment_section(whole, 4)
