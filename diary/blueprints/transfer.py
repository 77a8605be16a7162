"""Download the diary as CSV files and import CSV files into it."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired

from diary.clock import local_today
from diary.downloads import file_response
from diary.forms import DiaryForm, upload_form
from diary.heavy import heavy_work
from diary.ranges import asked_range
from diary.services.spans import whole_diary
from diary.transfer import (
    FORMATS,
    PROBLEMS_SHOWN,
    ImportRejected,
    daily_csv,
    export_chunks,
    export_names,
    fhir,
    import_files,
)
from diary.transfer.account_json import (
    AccountRestoreError,
    account_chunks,
    import_account,
    read_backup,
)
from diary.transfer.archive import zip_chunks
from diary.transfer.cells import EXACT, Convention, spreadsheet_convention

bp = Blueprint("transfer", __name__)


class ImportForm(DiaryForm):
    files = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to import."))])


def _page(form=None, problems=None, status=200):
    diary = whole_diary(current_user)
    return render_template(
        "transfer/export.html",
        formats=FORMATS,
        form=form or ImportForm(formdata=None),
        other_form=upload_form(),
        problems=problems,
        problems_shown=PROBLEMS_SHOWN,
        first=diary.first.isoformat(),
        last=diary.last.isoformat(),
    ), status


@bp.get("/export")
@login_required
def export_page():
    return _page()


@bp.get("/export/<name>")
@login_required
def download(name: str):
    """Download one exported file, or all of them as a zip.

    ?for=spreadsheet writes the CSV files in the convention of a spreadsheet in the
    reader's language (see diary/transfer/cells.py); without it, in the exact one.
    """
    stamp = local_today(current_user.timezone).isoformat()
    convention = _convention()
    if name == "diary.zip":
        members = ((n, export_chunks(current_user, n, None, convention)) for n in export_names())
        body = stream_with_context(zip_chunks(members))
        return file_response(body, f"diary-{stamp}.zip", "application/zip")
    if name not in export_names():
        abort(404)
    span = asked_range(whole_diary(current_user)) if name == daily_csv.FILENAME else None
    body = stream_with_context(
        chunk.encode("utf-8") for chunk in export_chunks(current_user, name, span, convention)
    )
    fhir_files = (fhir.FILENAME, fhir.TRANSACTION_FILENAME)
    mimetype = "application/fhir+json" if name in fhir_files else "text/csv"
    return file_response(body, name, mimetype)


def _convention() -> Convention:
    """Return the convention the download asks for: the reader's spreadsheet, or exact."""
    if request.args.get("for") == "spreadsheet":
        return spreadsheet_convention(str(get_locale()))
    return EXACT


@bp.post("/import")
@login_required
@heavy_work()
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
        return _page(form, rejected.problems, 422)
    skipped = sum(summary.already_present.values())
    flash(
        _(
            "Imported %(added)s new entries; %(skipped)s were already in your diary.",
            added=summary.total_added,
            skipped=skipped,
        )
        if skipped
        else _("Imported %(added)s new entries.", added=summary.total_added),
        "success",
    )
    return redirect(url_for("transfer.export_page"))


@bp.get("/export/account.json")
@login_required
def account_backup():
    """Everything of this account as one JSON file, for a new instance to restore."""
    body = stream_with_context(chunk.encode("utf-8") for chunk in account_chunks(current_user))
    stamp = local_today(current_user.timezone).isoformat()
    return file_response(
        body, f"headache-diary-{current_user.username}-{stamp}.json", "application/json"
    )


@bp.post("/import/account")
@login_required
@heavy_work()
def account_restore():
    upload = request.files.get("backup")
    try:
        if upload is None or not upload.filename:
            raise AccountRestoreError("Choose the account backup (.json) to restore.")
        counts = import_account(current_user, read_backup(upload.stream))
    except AccountRestoreError as exc:
        flash(_("Nothing was restored. %(reason)s", reason=exc), "error")
        return redirect(url_for("auth.account"))
    flash(
        "Restored: "
        + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
        + ".",
        "success",
    )
    return redirect(url_for("auth.account"))
