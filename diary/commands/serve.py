"""diary serve."""

import errno
import resource
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from waitress import create_server

from diary.backup import sqlite_file, start_daily_backups
from diary.check_in_job import start_schedule
from diary.commands.common import migrated
from diary.extensions import db
from diary.imports import pending
from diary.instance_lock import InstanceBusy, serving_lock
from diary.permissions import make_private
from diary.transfer.restoring import take_back_interrupted

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


# Files the process needs besides its connections: the database, its WAL, logs, backups.
SPARE_FILES = 64


def connection_options(config) -> dict:
    """Return waitress's limits on slow or greedy clients for the diary's SERVE_* settings.

    Waitress reads requests in one event loop and hands only whole ones to its threads, so
    a connection that sends its request slowly holds no thread, only one of
    SERVE_CONNECTION_LIMIT places (waitress's own default of 100 let 105 half-open sockets
    shut everyone out). A connection idle for SERVE_CHANNEL_TIMEOUT seconds is closed.
    A body larger than SERVE_MAX_REQUEST_BODY_SIZE is refused (413) from its
    Content-Length, before waitress writes any of it to disk; the default of twice
    MAX_CONTENT_LENGTH still lets the diary refuse a slightly too large file in its own
    words.
    """
    body = config["SERVE_MAX_REQUEST_BODY_SIZE"] or 2 * int(config["MAX_CONTENT_LENGTH"])
    timeout = int(config["SERVE_CHANNEL_TIMEOUT"])
    return {
        "connection_limit": open_files_for(int(config["SERVE_CONNECTION_LIMIT"])),
        "channel_timeout": timeout,
        # How often idle connections are looked for: a few times per timeout.
        "cleanup_interval": max(1, timeout // 3),
        "recv_bytes": int(config["SERVE_RECV_BYTES"]),
        "max_request_body_size": int(body),
        "max_request_header_size": int(config["SERVE_MAX_REQUEST_HEADER_SIZE"]),
        # poll(), not select(): select() cannot watch more than 1024 sockets.
        "asyncore_use_poll": True,
    }


def open_files_for(connections: int) -> int:
    """Raise the open-file limit for `connections` sockets; return how many it allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < wanted:
        click.echo(f"The open-file limit ({hard}) allows {soft - SPARE_FILES} connections")
        return soft - SPARE_FILES
    return connections


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
        start_daily_backups(database, folder, keep, Path(app.instance_path))
        click.echo(f"Daily backups go to {folder} (the newest {keep} are kept)")
    pending.start_removing_stale(pending.folder())
    if app.config["CHECK_IN_SCHEDULER"]:
        start_schedule(app)
        click.echo("Daily check-ins are sent from here (DIARY_CHECK_IN_SCHEDULER)")
    proxy = proxy_options(app.config)
    if proxy:
        click.echo(
            f"Trusting X-Forwarded-* headers from {proxy['trusted_proxy']}"
            f" ({proxy['trusted_proxy_count']} proxy hop(s))"
        )
    try:
        # Held while serving, so that `diary restore` refuses to swap the database underneath;
        # other `diary serve` processes may share it.
        with serving_lock(Path(app.instance_path)) as alone:
            # Only a server alone may: another's account restore may be running.
            if alone and (taken_back := take_back_interrupted()):
                click.echo(f"Took back {taken_back} account restore(s) a stop cut off half-way")
            server = _listening(app, host, port, threads, proxy)
            click.echo(f"Serving the diary at http://{host}:{port}/ (Ctrl+C stops it)")
            server.run()
    except InstanceBusy as busy:
        raise click.ClickException(f"this instance is being restored by {busy}") from None


def _listening(app, host: str, port: int, threads: int, proxy: dict):
    """Return waitress listening on host:port; a port in use is said in one line (exit 1)."""
    try:
        return create_server(
            app, host=host, port=port, threads=threads, **proxy, **connection_options(app.config)
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} is in use on {host}: stop what uses it or choose another with --port"
            ) from None
        raise
