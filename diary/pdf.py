"""PDF pages drawn on the server with WeasyPrint, from the diary's own files only.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0); it
is loaded on the first PDF, so the diary runs without it and says what is missing.
"""

import mimetypes
import re
from functools import cache
from urllib.parse import urlsplit

from flask import Response, abort, current_app, request
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


def paper_size() -> str:
    """Return the paper the request asks for (?paper=letter), A4 by default."""
    return PAPERS.get(request.args.get("paper", "a4").lower(), "A4")


@cache
def _weasyprint():
    """Return WeasyPrint's HTML class and a fetcher of the diary's own files, or None."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError:  # Pango is not installed
        return None

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
            with open(local, "rb") as file:
                body = file.read()
            return URLFetcherResponse(url, body, {"Content-Type": mimetypes.guess_type(local)[0]})

    return HTML, OwnFilesOnly


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
    html_class, fetcher = loaded
    with heavy_work():
        page = html_class(string=breakable(html), base_url=request.host_url, url_fetcher=fetcher())
        # Tagged PDF/UA: a screen reader reads headings, tables and charts in order.
        return page.write_pdf(pdf_variant="pdf/ua-1")


def pdf_response(html: str, filename: str) -> Response:
    """Answer with a page as a PDF to download."""
    return file_response(render_pdf(html), filename, "application/pdf")
