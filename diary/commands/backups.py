"""diary backup / restore."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from diary.backup import (
    BackupError,
    restore_database,
    sqlite_file,
    timestamped_name,
    write_backup,
)
from diary.extensions import db
from diary.instance_lock import InstanceBusy, exclusive_lock
from diary.migrating import migrate_database
from diary.services.accounts import end_every_sign_in
from diary.transfer.restoring import forget_interrupted
from diary.unit import unit_of_work


def _database() -> Path:
    database = sqlite_file(db.engine)
    if database is None:
        raise click.ClickException("backup and restore are for SQLite; on PostgreSQL use pg_dump")
    return database


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup(destination: Path):
    """Copy the database to DESTINATION (a file, or a folder to put a dated file in).

    Safe while the diary is serving: it uses SQLite's online backup API.
    """
    database = _database()
    if not database.exists():
        raise click.ClickException(f"there is no database yet at {database}")
    if destination.is_dir():
        destination = destination / timestamped_name("diary")
    if destination.resolve() == database.resolve():
        raise click.ClickException("the destination is the database itself")
    try:
        write_backup(database, destination)
    except BackupError as exc:
        raise click.ClickException(f"{exc}.") from None
    click.echo(str(destination))


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wait", is_flag=True, help="Wait for every `diary serve` to stop, not refuse.")
@with_appcontext
def restore(source: Path, yes: bool, wait: bool):
    """Replace the diary's database with the backup SOURCE. Stop `diary serve` first.

    Everyone is signed out: sign-ins and "keep me signed in" cookies of the
    backup's time are not brought back (one may have been ended since).
    """
    database = _database()
    try:
        with exclusive_lock(Path(current_app.instance_path), "diary restore", wait=wait):
            if not yes:
                click.confirm(
                    f"Replace {database} with {source}? "
                    "Everything entered since that backup is set aside",
                    abort=True,
                )
            kept = _restore(source, database)
    except InstanceBusy as busy:
        raise click.ClickException(
            f"the diary is being served ({busy}): stop every `diary serve`, then restore"
            " (or restore --wait)"
        ) from None
    click.echo(
        f"Restored from {source}." + (f" The replaced database is kept as {kept}." if kept else "")
    )
    click.echo(
        "Everyone is signed out and signs in again. API tokens and calendar feed addresses are"
        " as they were at the backup: revoke again any revoked since (diary token list)."
    )


def _restore(source: Path, database: Path) -> Path | None:
    """Swap the database, migrate it, and end every sign-in it holds; return the kept copy."""
    db.engine.dispose()
    try:
        kept = restore_database(source, database)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    migrate_database()
    with unit_of_work(writes=True):
        end_every_sign_in()
    forget_interrupted()  # notes of account restores name rows of the replaced database
    return kept
