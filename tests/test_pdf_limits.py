"""The report PDF keeps every character of a long note, stays bounded, and is never cached."""

import html
import io
import random
import re
from datetime import date, datetime, timedelta

from pypdf import PdfReader

from diary.extensions import db
from diary.services.readings import add_reading
from diary.services.report import APPENDIX_CHARACTERS
from tests.conftest import user_row
from tests.test_shares import make_link

DAY = date(2024, 3, 5)
RANGE = "from=2024-03-01&to=2024-03-31"
# One word of 10,000 characters (the longest note a reading takes), with no place to break,
# of letters that the report's own words never put two together.
UNBROKEN = "".join(random.Random(21).choices("jqxz", k=10_000))  # noqa: S311 (test data)


def log_notes(app, user_id: int, notes: list[str]) -> None:
    """Log one reading a minute on DAY, with each note in turn."""
    with app.app_context():
        user = user_row(user_id)
        for minute, note in enumerate(notes):
            moment = datetime.combine(DAY, datetime.min.time()) + timedelta(minutes=minute)
            add_reading(user, recorded_at=moment, pain=5, note=note)
        db.session.commit()


def pdf_text(response) -> str:
    """Return a PDF's text with the line breaks the layout put in taken out again."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


def printed_lines(response) -> list[str]:
    """Return the note's letters as printed, line after line, across the page breaks."""
    pdf = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\u200b", "")
    return re.findall("[jqxz]{2,}", text)


def test_a_note_of_one_unbroken_word_is_printed_whole(app, client, alice):
    log_notes(app, alice, [UNBROKEN])
    _, shared = make_link(client, [], first=date(2024, 3, 1), last=date(2024, 3, 31))
    for response in (
        client.get(f"/report.pdf?{RANGE}&appendix=1"),
        app.test_client().get(shared + "/report.pdf"),
    ):
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        lines = printed_lines(response)
        assert "".join(lines) == UNBROKEN
        # Wrapped onto lines that fit the page: an A4 line of 8.5 pt holds about 110 of
        # these letters (text extraction sometimes runs two lines together).
        assert len(lines) > 60 and max(map(len, lines)) <= 250


def test_report_pdfs_are_never_kept_in_a_cache(app, client, alice):
    log_notes(app, alice, ["a short note"])
    _, shared = make_link(client, [], first=date(2024, 3, 1), last=date(2024, 3, 31))
    for visitor, path in ((client, f"/report.pdf?{RANGE}"), (app.test_client(), shared)):
        response = visitor.get(path if path.endswith("31") else path + "/report.pdf")
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"


def test_the_appendix_stops_at_its_limit_and_points_to_the_csv(app, client, alice):
    # Fifteen notes of 10,000 characters: nine fit the appendix's 100,000; six are left out.
    notes = [f"note {n:02d} " + "x" * (10_000 - 8) for n in range(15)]
    log_notes(app, alice, notes)
    shown = sum(1 for n in range(1, 16) if (10_008 * n) <= APPENDIX_CHARACTERS)
    assert shown == 9
    page = html.unescape(client.get(f"/report?{RANGE}&appendix=1").get_data(as_text=True))
    assert "note 08" in page and "note 09" not in page
    said = "6 later entries of this range are not listed here"
    assert said in page and "the CSV export has every entry" in page
    printed = pdf_text(client.get(f"/report.pdf?{RANGE}&appendix=1"))
    assert "note08" in printed and "note09" not in printed
    assert said.replace(" ", "") in printed
