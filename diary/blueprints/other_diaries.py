"""Import another diary's export: upload, preview, and import exactly what was previewed."""

from pathlib import Path
from typing import BinaryIO

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, DateField, HiddenField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from diary import reference
from diary.extensions import db
from diary.forms import DiaryForm, UploadForm
from diary.heavy import heavy_work
from diary.imports import FORMATS, Unreadable, pending, read_export
from diary.imports.plan import Plan, PreviewOutdated, apply_rows, plan_import
from diary.sqlite import read_phase

bp = Blueprint("other_diaries", __name__, url_prefix="/import/other")


class ConfirmForm(DiaryForm):
    token = HiddenField()
    # The file's span of attacks, as the preview showed it.
    free_from = DateField(widget=HiddenInput(), validators=[Optional()])
    free_to = DateField(widget=HiddenInput(), validators=[Optional()])
    headache_free = BooleanField(_l("Mark the days without an attack as headache-free"))

    def free_days(self):
        """Return the span whose days to mark headache-free, when the patient chose to."""
        if self.headache_free.data and self.free_from.data and self.free_to.data:
            return self.free_from.data, self.free_to.data
        return None


def _confirm_form(token: str, plan: Plan) -> ConfirmForm:
    """Return the confirmation, marking days headache-free by default for an attack log."""
    first, last = plan.attack_span or (None, None)
    return ConfirmForm(
        formdata=None, token=token, free_from=first, free_to=last, headache_free=bool(first)
    )


def _plan(path: Path, format_code: str, rows: BinaryIO, unlisted: str | None):
    """Read and check an export, keeping its rows to add (no write lock is held meanwhile).

    Return the plan and None, or None and the page that says why nothing can be imported.
    """
    try:
        with read_phase(db.session):
            source = read_export(path, current_user.timezone, format_code)
            plan = plan_import(current_user, source, rows, unlisted)
    except Unreadable as exc:
        return None, _page(error=str(exc), status=422)
    if plan.problems:
        return None, _page(plan, status=422)
    return plan, None


def _page(plan: Plan | None = None, error: str | None = None, confirm=None, status=200):
    return render_template(
        "transfer/other_preview.html",
        plan=plan,
        error=error,
        confirm=confirm,
        formats=FORMATS,
        classes=reference.medication_classes(),
    ), status


@bp.post("/")
@login_required
@heavy_work()
def preview():
    """Show what the upload would add; nothing is written until it is confirmed."""
    form = UploadForm()
    if not form.validate():
        return _page(
            error=" ".join(e for errors in form.errors.values() for e in errors), status=422
        )
    with (
        pending.upload_copy(form.export.data.stream) as path,
        pending.new_rows(current_user.id) as (token, rows),
    ):
        plan, refusal = _plan(path, form.format.data, rows, form.unlisted.data or None)
    if refusal or not plan.changes:
        pending.forget(current_user.id, token)
    return refusal or _page(plan, confirm=_confirm_form(token, plan))


@bp.post("/confirm")
@login_required
def confirm():
    """Import exactly the rows the preview showed (they are not read from the file again)."""
    form = ConfirmForm()
    with pending.taken(current_user.id, form.token.data if form.validate() else "") as rows:
        if rows is None:
            return _back("That preview has expired or was imported already; upload the file again.")
        try:
            added = apply_rows(current_user, rows, form.free_days())
        except PreviewOutdated as exc:
            return _back(str(exc))
        except IntegrityError:
            return _back(
                "Some of these entries reached your diary after the preview, so nothing was"
                " imported. Upload the file again to see what is new."
            )
    flash(
        _(
            "Imported %(attacks)s attacks, %(readings)s readings and %(medicines)s medicines"
            " from %(format)s.",
            attacks=added.attacks,
            readings=added.readings,
            medicines=added.medications,
            format=FORMATS[added.format].LABEL,
        ),
        "success",
    )
    if added.headache_free:
        flash(
            ngettext(
                "%(num)s day without an attack was marked headache-free.",
                "%(num)s days without an attack were marked headache-free.",
                added.headache_free,
            ),
            "success",
        )
    return redirect(url_for("readings.history"))


def _back(message: str):
    flash(message, "error")
    return redirect(url_for("transfer.export_page"))
