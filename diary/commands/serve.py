"""diary serve."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from waitress import serve as waitress_serve

from diary.backup import sqlite_file, start_daily_backups
from diary.commands.common import migrated
from diary.extensions import db
from diary.imports import pending
from diary.instance_lock import InstanceBusy, instance_lock
from diary.permissions import make_private

# The headers a reverse proxy sets; waitress takes the client's address, scheme, host and port
# from them, and only from the trusted proxy's own connections.
PROXY_HEADERS = frozenset(
    {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port"}
)


def proxy_options(config) -> dict:
    """Return waitress's trusted-proxy settings for the diary's PROXY_* settings."""
    count = int(config["PROXY_COUNT"])
    if count <= 0:
        # Waitress then drops every X-Forwarded-* header: no client can forge its address.
        return {}
    return {
        "trusted_proxy": config["TRUSTED_PROXY"],
        "trusted_proxy_count": count,
        "trusted_proxy_headers": PROXY_HEADERS,
        "clear_untrusted_proxy_headers": True,
    }


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
@migrated
def serve(host: str, port: int, threads: int):
    """Apply pending migrations, then serve the diary with waitress."""
    app = current_app._get_current_object()
    if changed := make_private(Path(app.instance_path)):
        click.echo(f"Made {changed} files and folders in {app.instance_path} private (0600/0700)")
    database = sqlite_file(db.engine)
    keep = int(app.config["BACKUP_KEEP"])
    if database is not None and keep > 0:
        folder = Path(app.instance_path) / "backups" / "daily"
        start_daily_backups(database, folder, keep)
        click.echo(f"Daily backups go to {folder} (the newest {keep} are kept)")
    pending.start_removing_stale(pending.folder())
    proxy = proxy_options(app.config)
    if proxy:
        click.echo(
            f"Trusting X-Forwarded-* headers from {proxy['trusted_proxy']}"
            f" ({proxy['trusted_proxy_count']} proxy hop(s))"
        )
    try:
        # Held while serving, so that `diary restore` refuses to swap the database underneath.
        with instance_lock(Path(app.instance_path), "diary serve"):
            click.echo(f"Serving the diary at http://{host}:{port}/ (Ctrl+C stops it)")
            waitress_serve(app, host=host, port=port, threads=threads, **proxy)
    except InstanceBusy as busy:
        raise click.ClickException(f"this instance is already served by {busy}") from None
