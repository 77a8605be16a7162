"""Load configuration from defaults, the instance folder and DIARY_* variables."""

import os
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from diary.ratelimits import storage_uri

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PASSWORD_MIN_LENGTH": 8,
    # Werkzeug's method for new password hashes. Only the test suite sets another (a cheap
    # one, to save time); scrypt is what keeps stolen hashes slow to guess.
    "PASSWORD_HASH_METHOD": "scrypt",
    # Password hashes computed at once per process (sign-ins, password changes); the others
    # wait their turn. Each scrypt hash takes 32 MiB while it runs.
    "PASSWORD_HASHES_AT_ONCE": 2,
    # Hours a signed-in session may stay unused before it ends, without and with
    # "keep me signed in".
    "SESSION_IDLE_HOURS": 12,
    "REMEMBERED_SESSION_IDLE_HOURS": 30 * 24,
    # Hours after its sign-in that a session ends however much it is used, without and
    # with "keep me signed in".
    "SESSION_MAX_HOURS": 24,
    "REMEMBERED_SESSION_MAX_HOURS": 90 * 24,
    # Sign-in attempts allowed per minute, per account and per address.
    "LOGIN_RATE_LIMIT": "5 per minute",
    # What Flask-Compress compresses (CSV, PDF and ZIP downloads go as they are). Streamed
    # answers are not: a file streamed through it would be left open.
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    ],
    "COMPRESS_STREAMS": False,
    # Opening shared reports, per address: a doctor's few views pass, token guessing does not.
    "SHARE_RATE_LIMIT": "30 per minute",
    # Set true when the diary is reached over HTTPS: cookies are then sent only over TLS.
    "SECURE_COOKIES": False,
    # Number of reverse proxies in front of the diary whose X-Forwarded-* headers to trust,
    # and the address the nearest one connects from (`diary serve` hands both to waitress).
    "PROXY_COUNT": 0,
    "TRUSTED_PROXY": "127.0.0.1",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Figures computed from a whole diary (home's glance, the medicine days, a treatment's
    # before and after) kept per process until the user's next write (diary/cache.py).
    "CACHE_ENTRIES": 1000,
    # Parts of pages rendered for a user and kept until their next write (diary/fragments.py),
    # in megabytes of HTML per process: a ten-year diary's trends page alone is about 300 KB.
    "PAGE_CACHE_MB": 64,
    # How `diary serve` (waitress) holds slow or greedy clients back; see commands/serve.py.
    # Connections open at once (each costs a socket, not a thread), and the seconds one
    # may stay idle.
    "SERVE_CONNECTION_LIMIT": 1000,
    "SERVE_CHANNEL_TIMEOUT": 30,
    # Bytes read from a socket at a time, the largest request head, and the largest body
    # (None: twice MAX_CONTENT_LENGTH), refused before any of it is written to disk.
    "SERVE_RECV_BYTES": 8192,
    "SERVE_MAX_REQUEST_HEADER_SIZE": 64 * 1024,
    "SERVE_MAX_REQUEST_BODY_SIZE": None,
    # Daily SQLite backups that `diary serve` keeps in instance/backups/daily; 0 turns them off.
    "BACKUP_KEEP": 14,
    # Heavy jobs (PDFs, account restores, import previews) run at once, wait in line for a
    # place, and seconds one waits before it answers 503 (diary/heavy.py).
    "HEAVY_JOBS": 2,
    "HEAVY_WAITING": 2,
    "HEAVY_WAIT_SECONDS": 20,
    # Seconds a restore or an import's confirmation holds SQLite's write lock per part; the
    # household's own writes go in between parts.
    "WRITE_PART_SECONDS": 0.5,
    # The daily check-in: `diary serve` asks every minute itself when true (else cron or a
    # timer runs `diary check-ins send`); the VAPID contact push services may write to
    # (mailto: or https:; MAIL_FROM's address when unset); plain-http push services, for tests.
    "CHECK_IN_SCHEDULER": False,
    "PUSH_CONTACT": None,
    "PUSH_ALLOW_HTTP": False,
}


def configure(app: Flask, test_config: dict | None) -> None:
    """Fill app.config; later sources override earlier ones."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        # DIARY_DATABASE_URL becomes DATABASE_URL, and so on.
        app.config.from_prefixed_env("DIARY")
    else:
        app.config.from_mapping(test_config)

    if app.config["SECURE_COOKIES"]:
        for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            app.config[name] = True
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = storage_uri(Path(app.instance_path))
    app.config["SECRET_KEY"] = shared_value(
        app.config, Path(app.instance_path), "secret_key", lambda: secrets.token_hex(32)
    )
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
            "sqlite:///" + os.path.join(app.instance_path, "diary.sqlite3")
        )


def shared_value(config, instance: Path, name: str, make: Callable[[], str]) -> str:
    """Return a per-installation value: the setting NAME, the file NAME_FILE names, or else
    the one kept in the instance folder.

    Processes on several machines each have an instance folder of their own: they share
    the secret key (and the installation id) through the setting or a file they all read,
    or a patient would be signed out whenever another machine answered.
    """
    setting = name.upper()
    if config.get(setting):
        return str(config[setting])
    if path := config.get(f"{setting}_FILE"):
        return Path(path).read_text().strip()
    return instance_secret(instance, name, make)


def instance_secret(instance: Path, name: str, make: Callable[[], str]) -> str:
    """Return a value the installation keeps in a file of its instance folder (0600).

    The first caller writes make() to a file of its own and links it into place:
    of processes starting at once one wins, and none reads the file half written.
    """
    path = instance / name
    if not path.exists():
        partial = instance / f".{name}.{secrets.token_hex(8)}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text().strip()


def installation_id() -> uuid.UUID:
    """Return this installation's random id, made on first need."""
    kept = shared_value(
        current_app.config,
        Path(current_app.instance_path),
        "installation_id",
        lambda: str(uuid.uuid4()),
    )
    return uuid.UUID(kept)
