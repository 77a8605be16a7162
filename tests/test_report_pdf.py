"""The report as a PDF drawn on the server: its pages, text, fonts and charts (read with pypdf)."""

import io
from datetime import date

import pikepdf
import pytest
from pypdf import PdfReader

from diary import pdf
from diary.extensions import db
from diary.services.treatments import add_treatment
from tests.conftest import user_row
from tests.test_before_after import build_a
from tests.test_languages import speaks
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
    # The heading beside the bars may wrap.
    assert "Admission and discharge, as the Jefferson study counted them" in " ".join(whole.split())
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
    assert 'href="/report.pdf?from=2024-02-21&amp;to=2024-03-20&amp;treatment=1"' in page
    assert ">Download PDF</a>" in page and "data-print" in page


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


def structure(node, depth: int = 0) -> list[tuple[int, str, dict]]:
    """Walk a PDF's structure tree: (depth, role, the element) for each element, in order."""
    found = []
    kids = node.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append((depth, str(kid.S), kid))
            found.extend(structure(kid, depth + 1))
    return found


def test_the_report_pdf_is_tagged_with_headings_tables_and_figures_with_text(app, client, alice):
    seed(app, alice)
    response = client.get(f"/report.pdf?{QUARTER}")
    assert response.status_code == 200
    with pikepdf.open(io.BytesIO(response.data)) as document:
        assert document.Root.MarkInfo.Marked is True
        assert str(document.Root.Lang).startswith("en")
        elements = structure(document.Root.StructTreeRoot)
        roles = [role for _, role, _ in elements]
        # Headings in reading order: the title, then the sections.
        assert roles.index("/H1") < roles.index("/H2") < roles.index("/Table")
        # Every chart is a figure with a text alternative a screen reader says.
        alternatives = [str(e.Alt) for _, role, e in elements if role == "/Figure"]
        assert len(alternatives) >= 2 and all(alternatives), alternatives
        # Said as the page's description says it: the days logged, each bar's value.
        assert any(
            text.startswith("Daily pain, ") and "days logged" in text for text in alternatives
        ), alternatives
        assert any("Discharge (last reading) 4" in text for text in alternatives), alternatives
        # Every table has header cells: a column header row and a header on every row.
        tables = [(depth, e) for depth, role, e in elements if role == "/Table"]
        assert tables
        for _, table in tables:
            cells = [role for _, role, _ in structure(table)]
            assert "/TH" in cells and "/TD" in cells, cells
            rows = [e for _, role, e in structure(table) if role == "/TR"]
            assert all(str(structure(row)[0][1]) == "/TH" for row in rows)


def two_treatments_with_full_periods(app, user_id) -> None:
    """A quarter with two treatments whose periods have enough days known: intervals, a
    migraine-specific medicine, every line the figures can show."""
    build_a(app, user_id, known=23)
    with app.app_context():
        user = user_row(user_id)
        add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 10), ended_on=date(2024, 3, 10)
        )
        db.session.commit()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("diary", [seed, two_treatments_with_full_periods])
def test_a_quarter_with_two_treatments_fits_two_a4_pages(app, client, alice, language, diary):
    diary(app, alice)
    speaks(app, alice, language)
    pages = texts(pdf_of(client.get(f"/report.pdf?{QUARTER}")))
    assert len(pages) <= 2
    whole = " ".join(" ".join(pages).split())
    if diary is two_treatments_with_full_periods:
        # The first treatment's baseline: 12 moderate-severe of 23 known days, 14.61 per 28.
        assert {"en": "14.61 (12)", "de": "14,61 (12)"}[language] in whole
