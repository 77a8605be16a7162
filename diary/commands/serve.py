"""diary serve."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from waitress import serve as waitress_serve

from diary.backup import sqlite_file, start_daily_backups
from diary.commands.common import migrated
from diary.extensions import db


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
@migrated
def serve(host: str, port: int, threads: int):
    """Apply pending migrations, then serve the diary with waitress."""
    database = sqlite_file(db.engine)
    keep = int(current_app.config["BACKUP_KEEP"])
    if database is not None and keep > 0:
        folder = Path(current_app.instance_path) / "backups" / "daily"
        start_daily_backups(database, folder, keep)
        click.echo(f"Daily backups go to {folder} (the newest {keep} are kept)")
    click.echo(f"Serving the diary at http://{host}:{port}/ (Ctrl+C stops it)")
    waitress_serve(current_app._get_current_object(), host=host, port=port, threads=threads)
