"""The report as a PDF drawn on the server: its pages, text, fonts and charts (read with pypdf)."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from diary import pdf
from diary.extensions import db
from diary.services.treatments import add_treatment
from tests.conftest import user_row
from tests.test_report import seed

QUARTER = "from=2024-01-01&to=2024-03-30"


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def texts(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


def embedded_fonts(pdf: PdfReader) -> set[str]:
    """Return the names of the fonts whose glyphs are embedded in the file."""
    names = set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for part in descendants:
                descriptor = part.get_object().get("/FontDescriptor")
                if descriptor and any(
                    key in descriptor.get_object()
                    for key in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add(str(part.get_object()["/BaseFont"]))
    return names


def test_the_report_pdf_for_a_quarter_has_its_figures_charts_and_fonts(app, client, alice):
    seed(app, alice)
    pdf = pdf_of(client.get(f"/report.pdf?{QUARTER}"))
    pages = texts(pdf)
    assert 1 <= len(pages) <= 2
    whole = " ".join(pages)
    assert "Headache diary report" in whole
    assert "Admission and discharge, as the Jefferson study counted them" in whole
    # The name and range head every page, and every page is numbered.
    for number, text in enumerate(pages, start=1):
        # The diary begins on 20 Feb: the range starts there.
        assert "alice · headache diary report · 20 Feb 2024 – 30 Mar 2024" in text
        assert f"Page {number} of {len(pages)}" in text
    # The charts are vector drawings with their own text: the pain chart's treatment label
    # (shortened there, and only there) and the bars' labels beside their values.
    assert "Ketamine IV infusion (inpat…" in whole
    assert "Discharge (last reading)\n4" in whole
    assert "7-day rolling mean" in whole and "Mean pain before and after" in whole
    assert embedded_fonts(pdf), "no font is embedded"
    # Nothing of the page around the report: no navigation, no form.
    assert "Sign out" not in whole and "What to include" not in whole


def test_the_pdf_shows_only_the_chosen_treatment_and_letter_paper_on_request(app, client, alice):
    seed(app, alice)
    pdf = pdf_of(client.get(f"/report.pdf?{QUARTER}&treatment=2&paper=letter"))
    whole = " ".join(texts(pdf))
    assert "Nerve block" in whole
    assert "Ketamine IV infusion (inpatient admission), 01 Mar 2024" not in whole
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)  # US Letter in points
    a4 = pdf_of(client.get(f"/report.pdf?{QUARTER}")).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_the_report_page_offers_the_pdf_of_what_it_shows(app, client, alice):
    seed(app, alice)
    page = client.get("/report?from=2024-02-21&to=2024-03-20&t=1").get_data(as_text=True)
    # The PDF buttons send the choices as the form holds them (tests/browser/test_newcomer.py).
    assert 'formaction="/report.pdf">Download PDF</button>' in page and "data-print" in page
    assert 'name="from" value="2024-02-21"' in page and 'name="to" value="2024-03-20"' in page


def test_the_pdf_asks_for_a_sign_in_and_never_fetches_from_elsewhere(app, client, alice):
    other = app.test_client()
    assert other.get("/report.pdf").status_code == 302
    seed(app, alice)
    with app.app_context():
        user = user_row(alice)
        # A treatment note is the patient's text: markup in it stays text, fetching nothing.
        add_treatment(
            user,
            kind="nerve_block",
            started_on=date(2024, 3, 20),
            ended_on=date(2024, 3, 20),
            setting='<img src="http://example.invalid/x.png">',
        )
        db.session.commit()
    whole = " ".join(texts(pdf_of(client.get(f"/report.pdf?{QUARTER}"))))
    assert '<img src="http://example.invalid/x.png">' in whole.replace("\n", "")


def test_without_pango_the_pdf_says_what_to_install_and_the_page_still_works(
    app, client, alice, monkeypatch
):
    # The system library is the boundary: as if `import weasyprint` had failed on OSError.
    monkeypatch.setattr(pdf, "_weasyprint", lambda: None)
    response = client.get("/report.pdf")
    assert response.status_code == 503
    assert "apt install libpango-1.0-0 libpangoft2-1.0-0" in response.get_data(as_text=True)
    assert client.get("/report").status_code == 200


MEASURES = (
    "Dates",
    "Days logged",
    "Mean pain",
    "Mean daily highest",
    "Change",
    "Headache days / 28",
    "Moderate–severe days / 28",
    "Headache days against the baseline",
    "Acute-medicine days / 28",
)


def pdftotext(data: bytes) -> list[str]:
    """Return each page's text as pdftotext reads it (poppler), whitespace made single."""
    out = subprocess.run(
        [shutil.which("pdftotext"), "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_every_language_s_pdf_shows_the_whole_table_and_numbers_its_pages(
    app, client, alice, language
):
    seed(app, alice)
    with app.test_request_context(), force_locale(language):
        measures = [gettext(m) for m in MEASURES]
    for paper in ("a4", "letter"):
        response = client.get(
            f"/report.pdf?{QUARTER}&t=1&paper={paper}", headers={"Accept-Language": language}
        )
        pdf_of(response)
        pages = pdftotext(response.data)
        whole = " ".join(pages)
        for measure in measures:
            assert measure in whole, (paper, measure)
        with app.test_request_context(), force_locale(language):
            footers = [
                gettext("Page %(page)s of %(pages)s", page=n, pages=len(pages))
                for n in (1, len(pages))
            ]
        assert footers[0] in pages[0] and footers[1] in pages[-1], (paper, footers)
