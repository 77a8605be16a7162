"""Friendly error pages, and JSON errors under /api/ and /sync/."""

from flask import Flask, Response, g, json, make_response, render_template, request
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from diary.extensions import db
from diary.rules import EntryError

MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    403: lazy_gettext("This page is for the household's admin."),
    404: lazy_gettext("There is nothing here."),
    405: lazy_gettext("That is not something this page can do."),
    413: lazy_gettext("That file is too large to import (the limit is 16 MB)."),
    429: lazy_gettext("Too many attempts. Please wait a minute and try again."),
    503: lazy_gettext(
        "The diary is busy saving something else; nothing was saved. Please try again."
    ),
    500: lazy_gettext("Something went wrong and nothing was saved. Please try again."),
}
# A failure after the unit of work was committed (compressing the page, say): it was saved.
SAVED_500 = lazy_gettext(
    "Your change was saved, but the page could not be shown. Reload to see the diary."
)
_DEFAULT_400 = BadRequest.description
_DEFAULT_503 = ServiceUnavailable.description
# Paths whose clients are scripts (the API) or the offline queue: they read JSON errors.
JSON_PATHS = ("/api/", "/sync/")
CSRF_MESSAGE = lazy_gettext(
    "The form had expired or was sent from elsewhere. Please go back, reload and try again."
)


def json_error(
    status: int, message: str, field: str | None = None, errors: dict[str, str] | None = None
) -> Response:
    """Return an error as RFC 9457 problem details, naming the fields at fault in errors.

    The member "error" (the first field and its message) is what the API's first version
    answered; it stays for the clients written against it.
    """
    errors = errors if errors is not None else ({field: message} if field else {})
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": message,
        "errors": errors,
        "error": {"field": field, "message": message},
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="headache-diary"'
    return response


def _respond(error: HTTPException, message: str) -> Response:
    code = error.code or 500
    if request.path.startswith(JSON_PATHS):
        own_words = isinstance(error, CSRFError) or code in (500, 503)
        response = json_error(code, message if own_words else error.description)
    else:
        # A 400 raised with a reason of its own (abort(400, description=...)) shows that reason.
        detail = error.description if code == 400 and error.description != _DEFAULT_400 else None
        response = make_response(
            render_template("error.html", code=code, message=message, detail=detail), code
        )
    # Keep what the exception says about the response, e.g. Allow on 405 or Retry-After on 429.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# Seconds a client waits before it tries again a write that met the database lock.
BUSY_RETRY_AFTER = 5


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):
        """A write that waited the whole busy timeout for the lock: 503, try again, never 500."""
        db.session.rollback()
        if "database is locked" not in str(error.orig):
            raise error
        busy = ServiceUnavailable(retry_after=BUSY_RETRY_AFTER)
        return _respond(busy, MESSAGES[503])

    @app.errorhandler(EntryError)
    def refused(error: EntryError):
        """Values a service refused: 422 naming the field; nothing of the request is kept."""
        db.session.rollback()
        if request.path.startswith(JSON_PATHS):
            return json_error(422, error.message, error.field)
        page = render_template(
            "error.html", code=422, message="Nothing was saved.", detail=str(error)
        )
        return make_response(page, 422)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _respond(error, CSRF_MESSAGE)

    @app.errorhandler(RecursionError)
    def too_deeply_nested(error: RecursionError):
        """JSON nested deeper than Python parses: a bad request, not a server error."""
        return _respond(BadRequest("The body is JSON nested too deeply to read."), MESSAGES[400])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InternalServerError):
            db.session.rollback()
        # A part that cannot run here (PDFs without Pango) says so in its own words.
        if isinstance(error, ServiceUnavailable) and error.description != _DEFAULT_503:
            return _respond(error, error.description)
        unit = g.get("unit")
        if isinstance(error, InternalServerError) and unit is not None and unit.committed:
            return _respond(error, SAVED_500)
        return _respond(error, MESSAGES.get(error.code or 500, error.description or ""))
