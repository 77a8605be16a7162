"""Load configuration from defaults, the instance folder and DIARY_* variables."""

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PASSWORD_MIN_LENGTH": 8,
    # Hours a signed-in session may stay unused before it ends, without and with
    # "keep me signed in".
    "SESSION_IDLE_HOURS": 12,
    "REMEMBERED_SESSION_IDLE_HOURS": 30 * 24,
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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
            "sqlite:///" + os.path.join(app.instance_path, "diary.sqlite3")
        )


def _instance_secret_key(instance: Path) -> str:
    """Return the instance's secret key, generating it on first start."""
    path = instance / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()
