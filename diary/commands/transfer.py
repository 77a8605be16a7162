"""diary import / export."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from diary.commands.common import migrated, require_user, user_option
from diary.extensions import db
from diary.transfer import (
    FORMATS,
    PROBLEMS_SHOWN,
    ImportRejected,
    export_chunks,
    export_names,
    import_files,
)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@user_option
@with_appcontext
@migrated
def import_command(path: Path, username: str):
    """Import PATH: one diary CSV file, or a folder holding any of them."""
    user = require_user(username)
    if path.is_dir():
        known = {fmt.filename for fmt in FORMATS}
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.name in known}
        if not files:
            raise click.ClickException(f"{path} holds none of: {', '.join(sorted(known))}")
    else:
        files = {path.name: path.read_bytes()}
    try:
        summary = import_files(user, files)
    except ImportRejected as rejected:
        db.session.rollback()
        for problem in rejected.problems[:PROBLEMS_SHOWN]:
            click.echo(str(problem), err=True)
        if len(rejected.problems) > PROBLEMS_SHOWN:
            click.echo(f"… and {len(rejected.problems) - PROBLEMS_SHOWN} more", err=True)
        raise click.ClickException(
            f"nothing imported: {len(rejected.problems)} problem(s), listed above"
        ) from None
    db.session.commit()
    for filename, added in summary.added.items():
        click.echo(
            f"{filename}: {added} added, {summary.already_present[filename]} already present"
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
def export_command(username: str, out: Path):
    """Write every diary CSV file of a user into a folder."""
    user = require_user(username)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for filename in export_names():
            with (out / filename).open("w", encoding="utf-8", newline="") as file:
                file.writelines(export_chunks(user, filename))
            click.echo(str(out / filename))
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out}: {exc.strerror}") from None
