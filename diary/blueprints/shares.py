"""Share links: the patient makes, lists and revokes them; the specialist opens /s/<token>.

A shared page shows the report for exactly the chosen range and treatments, then the
range's entries day by day. It needs no account, links nowhere into the diary, sets no
cookie, is never cached or indexed, and answers the same 404 for an unknown, revoked or
expired token.
"""

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from diary.extensions import db, limiter
from diary.models import ShareLink, User
from diary.pdf import paper_size, pdf_response
from diary.rules import EntryError
from diary.services import shares
from diary.services.report import report_context
from diary.sqlite import spare_write

bp = Blueprint("shares", __name__)


def _shared_limit() -> str:
    return current_app.config["SHARE_RATE_LIMIT"]


@bp.get("/shares")
@login_required
def index():
    """The patient's links: what each shows, until when, and how often it was opened."""
    return _list_page()


def _list_page(new_url: str | None = None, errors: dict | None = None, status: int = 200):
    return render_template(
        "shares/index.html",
        shares=shares.user_shares(current_user),
        new_url=new_url,
        qr=_qr(new_url) if new_url else None,
        errors=errors or {},
        is_live=shares.is_live,
        expires_on=lambda share: shares.expires_on(share, current_user),
    ), status


@bp.post("/shares")
@login_required
def create():
    """Make a link for the report's range and treatments; show it (and its QR code) once."""
    try:
        _, token = shares.create_share(
            current_user,
            first_day=request.form.get("from", ""),
            last_day=request.form.get("to", ""),
            treatment_ids=request.form.getlist("treatment"),
            preventive_ids=request.form.getlist("preventive"),
            days=request.form.get("days", ""),
        )
    except EntryError as exc:
        return _list_page(errors=exc.errors, status=422)
    return _list_page(new_url=url_for("shares.shared", token=token, _external=True))


@bp.post("/shares/<int:share_id>/revoke")
@login_required
def revoke(share_id: int):
    share = shares.owned_share(current_user, share_id)
    if share is None:
        abort(404)
    shares.revoke_share(share)
    flash(_("The link is revoked: it no longer opens the report."), "success")
    return redirect(url_for("shares.index"))


def _qr(url: str) -> Markup:
    """Return the link as an inline SVG QR code, for a phone to scan."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=5, border=2, omitsize=True, dark="#000", light="#fff", title="QR code of the link"
    )
    return Markup(svg)  # noqa: S704 (segno's own SVG of our own URL)


# The specialist's side: no account, no cookie, no cache.


@bp.before_app_request
def _no_cookies_for_shared_pages():
    """A shared page sets no cookie, even for a browser signed in to the diary."""
    if request.endpoint in ("shares.shared", "shares.shared_pdf"):
        g.set_no_cookies = True


def _open(token: str) -> tuple[ShareLink, User]:
    share = shares.live_share(token)
    if share is None:
        abort(404)
    g.opened_share = share  # counted once the page or PDF was made (below)
    return share, db.session.get(User, share.user_id)


def _shared_context(share: ShareLink, owner: User) -> dict:
    context = report_context(
        owner,
        share.first_day,
        share.last_day,
        share.treatments,
        preventive_ids=share.preventives,
        shared=True,
        with_appendix=True,
    )
    return context | {"shortened": False, "expires_on": shares.expires_on(share, owner)}


# Per address: a doctor's few views pass, guessing tokens does not.
_rate_limited = limiter.limit(_shared_limit, error_message="Too many requests for shared reports.")


@bp.get("/s/<token>")
@_rate_limited
def shared(token: str):
    """The read-only report the patient shared."""
    share, owner = _open(token)
    return render_template("shares/shared.html", token=token, **_shared_context(share, owner))


@bp.get("/s/<token>/report.pdf")
@_rate_limited
def shared_pdf(token: str):
    share, owner = _open(token)
    return pdf_response(
        render_template(
            "trends/report_pdf.html", paper=paper_size(), **_shared_context(share, owner)
        ),
        f"headache-report-{share.first_day}-{share.last_day}.pdf",
    )


@bp.errorhandler(404)
def _gone(_error):
    """Unknown, revoked and expired links: one page, word for word the same."""
    return render_template("shares/gone.html"), 404


@bp.after_request
def _count_and_keep_private(response: Response) -> Response:
    """Count a view that was answered; every answer under /s/ (404 too) stays private.

    The count is committed on its own, as a reading page commits a sign-in's touch: when
    the database is busy at that moment, that one view goes uncounted rather than failing.
    """
    share = g.pop("opened_share", None)
    if share is not None and response.status_code < 400:
        with spare_write(db.session, "A shared link's view count"):
            shares.note_view(share)
    if request.path.startswith("/s/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
