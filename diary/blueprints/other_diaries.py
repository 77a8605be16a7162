"""Import another diary's export: upload, preview, and import exactly what was previewed."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField

from diary import reference
from diary.extensions import db
from diary.imports import FORMAT_CHOICES, FORMATS, Unreadable, pending, read_export
from diary.imports.plan import Plan, apply_plan, plan_import
from diary.sqlite import read_phase

bp = Blueprint("other_diaries", __name__, url_prefix="/import/other")
FORMAT_LABELS = {"auto": "Tell from the file"} | {code: f.LABEL for code, f in FORMATS.items()}


class UploadForm(FlaskForm):
    export = FileField("Export file", validators=[FileRequired("Choose the exported file.")])
    format = SelectField(
        "Made by", choices=[SelectChoice(code, FORMAT_LABELS[code]) for code in FORMAT_CHOICES]
    )


class ConfirmForm(FlaskForm):
    token = HiddenField()
    format = HiddenField()


def _plan(data: bytes, format_code: str):
    """Read and check an export without writing (no write lock is held meanwhile).

    Return the plan and None, or None and the page that says why nothing can be imported.
    """
    try:
        with read_phase(db.session):
            plan = plan_import(current_user, read_export(data, current_user.timezone, format_code))
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
def preview():
    """Show what the upload would add; nothing is written until it is confirmed."""
    form = UploadForm()
    if not form.validate():
        return _page(
            error=" ".join(e for errors in form.errors.values() for e in errors), status=422
        )
    data = form.export.data.read()
    plan, refusal = _plan(data, form.format.data)
    if refusal:
        return refusal
    confirm = ConfirmForm(
        formdata=None, token=pending.keep(current_user.id, data), format=form.format.data
    )
    return _page(plan, confirm=confirm)


@bp.post("/confirm")
@login_required
def confirm():
    """Import exactly the previewed file."""
    form = ConfirmForm()
    data = pending.take(current_user.id, form.token.data) if form.validate() else None
    if data is None or form.format.data not in FORMAT_CHOICES:
        flash("That preview has expired or was imported already; upload the file again.", "error")
        return redirect(url_for("transfer.export_page"))
    plan, refusal = _plan(data, form.format.data)
    if refusal:
        return refusal
    added = apply_plan(plan)
    flash(
        f"Imported {added['readings']} readings and {added['medications']} medicines"
        f" from {FORMATS[plan.format].LABEL}.",
        "success",
    )
    return redirect(url_for("readings.history"))


def upload_form() -> UploadForm:
    """The empty upload form the export page shows."""
    return UploadForm(formdata=None)
