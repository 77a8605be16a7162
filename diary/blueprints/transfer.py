"""Download the diary as CSV files and import CSV files into it."""

import io
import zipfile

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from diary.clock import local_today
from diary.extensions import db
from diary.transfer import FORMATS, ImportRejected, export_files, import_files

bp = Blueprint("transfer", __name__)


class ImportForm(FlaskForm):
    files = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])


@bp.get("/export")
@login_required
def export_page():
    return render_template("transfer/export.html", formats=FORMATS, form=ImportForm(formdata=None))


@bp.get("/export/<name>")
@login_required
def download(name: str):
    """Download one CSV file, or all of them as a zip."""
    files = export_files(current_user)
    stamp = local_today(current_user.timezone).isoformat()
    if name == "diary.zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for filename, text in files.items():
                archive.writestr(filename, text.encode("utf-8"))
        return _attachment(buffer.getvalue(), f"diary-{stamp}.zip", "application/zip")
    if name not in files:
        abort(404)
    return _attachment(files[name].encode("utf-8"), name, "text/csv; charset=utf-8")


def _attachment(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/import")
@login_required
def upload():
    form = ImportForm()
    if not form.validate():
        for error in form.files.errors:
            flash(error, "error")
        return redirect(url_for("transfer.export_page"))
    upload = form.files.data
    try:
        summary = import_files(current_user, {upload.filename or "upload.csv": upload.read()})
    except ImportRejected as rejected:
        db.session.rollback()
        return render_template(
            "transfer/export.html", formats=FORMATS, form=form, problems=rejected.problems
        ), 422
    db.session.commit()
    skipped = sum(summary.already_present.values())
    flash(
        f"Imported {summary.total_added} new entries"
        + (f"; {skipped} were already in your diary." if skipped else "."),
        "success",
    )
    return redirect(url_for("transfer.export_page"))
