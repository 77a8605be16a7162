"""diary import / export."""

from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import with_appcontext

from diary import reference
from diary.collector import collector_paused
from diary.commands.common import migrated, require_user, user_option
from diary.extensions import db
from diary.imports import FORMAT_CHOICES, Unreadable, read_export
from diary.imports.plan import Plan, import_now, plan_import
from diary.imports.preview import preview_lines
from diary.sqlite import read_phase
from diary.transfer import (
    FORMATS,
    PROBLEMS_SHOWN,
    ImportRejected,
    every_export,
    import_files,
)
from diary.transfer.cells import MalformedCsv, read_csv
from diary.transfer.engine import prepare_import
from diary.transfer.formats import COLUMN_NAMES, format_for
from diary.unit import command_unit

HEADER_MAX = 4096


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@user_option
@click.option(
    "--format",
    "format_code",
    type=click.Choice(FORMAT_CHOICES),
    default="auto",
    show_default=True,
    help="Another diary's export format; auto tells it (and the diary's own CSV) by content.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option(
    "--headache-free-days/--no-headache-free-days",
    "free_days",
    default=True,
    show_default=True,
    help="Another diary's export: mark the days inside its span of attacks that have no"
    " attack (and no pain reading) as headache-free, as an attack log leaves them.",
)
@click.option(
    "--unlisted-class",
    type=click.Choice(list(reference.medication_classes())),
    help="The kind of another diary's medicines that are not in the diary's list"
    " (without it, such a medicine stops the import: a kind is never assumed).",
)
@with_appcontext
@migrated
@command_unit(writes=True)
def import_command(
    path: Path,
    username: str,
    format_code: str,
    dry_run: bool,
    free_days: bool,
    unlisted_class: str | None,
):
    """Import PATH: diary CSV files (a file or a folder), or another diary's export."""
    user = require_user(username)
    if path.is_file() and (format_code != "auto" or not is_diary_csv(path)):
        import_other_diary(user, path, format_code, dry_run, free_days, unlisted_class)
        return
    if path.is_dir():
        known = {fmt.filename for fmt in FORMATS}
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.name in known}
        if not files:
            raise click.ClickException(f"{path} holds none of: {', '.join(sorted(known))}")
    else:
        files = {path.name: path.read_bytes()}
    try:
        if dry_run:
            with read_phase(db.session):
                prepared = prepare_import(user, files)
            for fmt, rows in prepared.new.items():
                present = prepared.already_present[fmt.filename]
                click.echo(f"{fmt.filename}: {len(rows)} to add, {present} already present")
            return
        summary = import_files(user, files)
    except ImportRejected as rejected:  # the unit keeps nothing: the command fails
        for problem in rejected.problems[:PROBLEMS_SHOWN]:
            click.echo(str(problem), err=True)
        if len(rejected.problems) > PROBLEMS_SHOWN:
            click.echo(f"… and {len(rejected.problems) - PROBLEMS_SHOWN} more", err=True)
        raise click.ClickException(
            f"nothing imported: {len(rejected.problems)} problem(s), listed above"
        ) from None
    for filename, added in summary.added.items():
        click.echo(
            f"{filename}: {added} added, {summary.already_present[filename]} already present"
        )


def is_diary_csv(path: Path) -> bool:
    """Tell whether a file is one of the diary's own CSV files (by name or header)."""
    with path.open("rb") as file:
        # A header is short; a JSON export may be one long line.
        first = file.readline(HEADER_MAX).decode("utf-8", "replace")
    try:
        header, _ = read_csv(first, COLUMN_NAMES)
    except MalformedCsv:
        return False
    return format_for(path.name, header) is not None


def import_other_diary(
    user,
    path: Path,
    format_code: str,
    dry_run: bool,
    free_days: bool = True,
    unlisted: str | None = None,
) -> None:
    """Import another diary's export: the preview, and (unless --dry-run) the entries,
    inserted as they are checked (a problem takes them all back)."""
    try:
        source = read_export(path, user.timezone, format_code)
        if dry_run:
            with read_phase(db.session):
                plan, added = plan_import(user, source, unlisted=unlisted), None
        else:
            plan, added = import_now(user, source, unlisted, free_days)
    except Unreadable as exc:
        raise click.ClickException(str(exc)) from None
    _report(path, plan)
    if dry_run or added is None:
        click.echo("Dry run: nothing was written.")
        return
    click.echo(
        f"Imported {added.attacks} attacks, {added.readings} readings and"
        f" {added.medications} medicines."
    )
    if added.headache_free:
        click.echo(f"Marked {added.headache_free} days without an attack as headache-free.")


def _report(path: Path, plan: Plan) -> None:
    """Print the preview, and every problem; a plan with problems ends the command."""
    for line in preview_lines(plan):
        click.echo(line)
    if plan.problems:
        for where, reason in plan.problems[:PROBLEMS_SHOWN]:
            click.echo(f"{path.name}, {where}: {reason}", err=True)
        if plan.problem_count > PROBLEMS_SHOWN:
            click.echo(f"… and {plan.problem_count - PROBLEMS_SHOWN} more", err=True)
        raise click.ClickException(
            f"nothing imported: {plan.problem_count} problem(s), listed above"
        )


@click.command("export")
@user_option
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the CSV files into (created if missing).",
)
@with_appcontext
@migrated
@command_unit(writes=False)
@collector_paused()  # ten years of a diary make about a million objects and no cycles
def export_command(username: str, out: Path):
    """Write every diary CSV file of a user into a folder."""
    user = require_user(username)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for names, pieces in every_export(user):
            with ExitStack() as stack:
                files = [
                    stack.enter_context((out / name).open("w", encoding="utf-8", newline=""))
                    for name in names
                ]
                for texts in pieces:
                    for file, text in zip(files, texts, strict=True):
                        file.write(text)
            for name in names:
                click.echo(str(out / name))
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out}: {exc.strerror}") from None
