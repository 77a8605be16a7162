"""PDF pages drawn on the server with WeasyPrint, from the diary's own files only.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0); it
is loaded on the first PDF, so the diary runs without it and says what is missing.
The report's stylesheet is parsed once per process and each font configuration is made
once and lent to one PDF at a time: each PDF prepares only its own page.
"""

import mimetypes
import queue
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from flask import Response, abort, current_app, request
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.security import safe_join

from diary.downloads import file_response
from diary.heavy import heavy_work

PAPERS = {"a4": "A4", "letter": "Letter"}
MISSING_PANGO = (
    "PDFs need the Pango library on the computer that runs the diary"
    " (Debian and Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)."
    " The report page prints from the browser meanwhile."
)
# WeasyPrint wraps a word too long for its line by laying the rest of the word out again for
# every line: one note of a single 10,000-character word took 1.7 s. Long words get a
# zero-width space, a place to break, every WORD_PIECE characters: 0.2 s.
WORD_PIECE = 20
_TEXT = re.compile(r"(?<=>)[^<]+")
_LONG_WORD = re.compile(rf"[^\s&]{{{2 * WORD_PIECE},}}")
# The stylesheet every PDF links to (static/css/report-pdf.css), its path under static/.
STYLESHEET = "css/report-pdf.css"
# Font configurations not in use; one is made whenever every other is drawing a PDF.
_IDLE_FONTS: queue.SimpleQueue = queue.SimpleQueue()


class WeasyPrint(NamedTuple):
    """What every PDF of the process shares: the classes and the parsed stylesheet."""

    html: type
    fetcher: type
    fonts: type
    stylesheet: Any


def paper_size() -> str:
    """Return the paper the request asks for (?paper=letter), A4 by default."""
    return PAPERS.get(request.args.get("paper", "a4").lower(), "A4")


def page_numbers() -> Markup:
    """Return the CSS content of the footer's "Page 1 of 3", in the report's language."""
    words = _("Page %(page)s of %(pages)s", page="\0", pages="\1")
    counters = {"\0": "counter(page)", "\1": "counter(pages)"}
    parts = (counters.get(part) or _css_string(part) for part in re.split("(\0|\1)", words))
    return Markup(" ".join(parts))  # noqa: S704 (every text quoted for CSS below)


def _css_string(text: str) -> str:
    """Return text as a CSS string that cannot end the string or the <style> it sits in."""
    return '"' + "".join(c if c.isalnum() or c in " .,:-" else f"\\{ord(c):x} " for c in text) + '"'


@cache
def _weasyprint() -> WeasyPrint | None:
    """Return WeasyPrint's classes and the report's parsed stylesheet, or None without Pango."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError:  # Pango is not installed
        return None
    stylesheet_path = Path(current_app.static_folder, STYLESHEET)

    class OwnFilesOnly(URLFetcher):
        """Give WeasyPrint the diary's static files; refuse everything else.

        A report never makes the server fetch from elsewhere: nothing leaves the machine.
        """

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            prefix = current_app.static_url_path.rstrip("/") + "/"
            path = urlsplit(url).path
            local = safe_join(current_app.static_folder, path.removeprefix(prefix))
            if not path.startswith(prefix) or local is None:
                raise ValueError(f"a report reads only the diary's own files, not {url}")
            # The linked stylesheet comes parsed already (render_pdf): nothing to parse again.
            body = b"" if Path(local) == stylesheet_path else Path(local).read_bytes()
            return URLFetcherResponse(url, body, {"Content-Type": mimetypes.guess_type(local)[0]})

    # No @font-face in the sheet: it needs no font configuration of its own.
    return WeasyPrint(HTML, OwnFilesOnly, FontConfiguration, CSS(filename=stylesheet_path))


@contextmanager
def _lent_fonts(font_class: type) -> Iterator[Any]:
    """Lend an idle font configuration (or a new one) for one PDF, then keep it for the next."""
    try:
        fonts = _IDLE_FONTS.get_nowait()
    except queue.Empty:
        fonts = font_class()
    try:
        yield fonts
    finally:
        _IDLE_FONTS.put(fonts)


def breakable(html: str) -> str:
    """Return a page whose long words have a place to break every WORD_PIECE characters.

    Only text between tags changes; entities (which begin with &) are never split.
    """

    def pieces(word: re.Match) -> str:
        text = word.group()
        return "\u200b".join(text[n : n + WORD_PIECE] for n in range(0, len(text), WORD_PIECE))

    return _TEXT.sub(lambda text: _LONG_WORD.sub(pieces, text.group()), html)


def render_pdf(html: str) -> bytes:
    """Draw a page as PDF; answer 503 with what to install when WeasyPrint cannot run."""
    loaded = _weasyprint()
    if loaded is None:
        abort(503, description=MISSING_PANGO)
    with heavy_work(), _lent_fonts(loaded.fonts) as fonts:
        page = loaded.html(
            string=breakable(html), base_url=request.host_url, url_fetcher=loaded.fetcher()
        )
        # Tagged PDF/UA: a screen reader reads headings, tables and charts in order. The sheet
        # is the user's origin, not the author's: no rule of the page's own <style> clashes.
        return page.write_pdf(
            pdf_variant="pdf/ua-1", font_config=fonts, stylesheets=[loaded.stylesheet]
        )


def pdf_response(html: str, filename: str) -> Response:
    """Answer with a page as a PDF to download."""
    return file_response(render_pdf(html), filename, "application/pdf")
