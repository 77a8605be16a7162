"""A previewed import kept between its preview and the patient's confirmation.

The upload is read from a file in instance/imports/ and removed once previewed;
what waits for the confirmation is the preview's checked rows, readable by the
diary's user only, under a random name tied to the account. Confirming takes them
once; rows never confirmed are removed after a day: `diary serve` looks for them when
it starts and every hour, and each upload looks too.
"""

import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
# Rows never confirmed are removed after this long (they are health data).
KEPT_SECONDS = 24 * 60 * 60
CHECK_EVERY_SECONDS = 60 * 60
log = logging.getLogger(__name__)


def folder() -> Path:
    """Return the instance folder where uploads and previewed rows wait."""
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _create(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), "w+b")


@contextmanager
def upload_copy(upload: BinaryIO) -> Iterator[Path]:
    """Copy an upload to a file of its own for reading; remove it afterwards."""
    remove_stale(folder())
    path = folder() / f"upload-{secrets.token_urlsafe(16)}"
    try:
        with _create(path) as file:
            shutil.copyfileobj(upload, file)
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def new_rows(user_id: int) -> Iterator[tuple[str, BinaryIO]]:
    """Open a file for a preview's rows; yield its token and the file.

    The file waits for taken() or forget() when the block ends; it is removed when the
    block raises.
    """
    token = secrets.token_urlsafe(16)
    path = folder() / f"{user_id}-{token}"
    try:
        with _create(path) as file:
            yield token, file
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def forget(user_id: int, token: str) -> None:
    """Remove a preview's rows that will not be confirmed."""
    if TOKEN.match(token):
        (folder() / f"{user_id}-{token}").unlink(missing_ok=True)


@contextmanager
def taken(user_id: int, token: str) -> Iterator[BinaryIO | None]:
    """Take the account's previewed rows for their import, and remove them afterwards.

    Yield None when there are none by that token. Taking renames the file first, so a
    confirmation sent twice finds it only once.
    """
    path = folder() / f"{user_id}-{token}"
    mine = path.with_name(path.name + ".taken")
    try:
        if not TOKEN.match(token or ""):
            raise FileNotFoundError(token)
        path.rename(mine)
    except FileNotFoundError:
        yield None
        return
    try:
        with mine.open("rb") as file:
            yield file
    finally:
        mine.unlink(missing_ok=True)


def remove_stale(imports: Path) -> None:
    """Remove previews that waited more than a day for a confirmation."""
    now = time.time()
    for path in imports.iterdir():
        try:
            if now - path.stat().st_mtime > KEPT_SECONDS:
                path.unlink()
        except FileNotFoundError:  # taken or removed meanwhile
            continue


def start_removing_stale(imports: Path, every: float = CHECK_EVERY_SECONDS) -> threading.Event:
    """Remove stale previews now, then every hour in a thread of `diary serve`; return its stop."""

    def remove() -> None:
        try:
            remove_stale(imports)
        except OSError:
            # A full or read-only disk must not stop the diary; the next hour tries again.
            log.exception("Removing stale import previews from %s failed", imports)

    def run() -> None:
        while not stop.wait(every):
            remove()

    stop = threading.Event()
    remove()
    threading.Thread(target=run, name="stale-previews", daemon=True).start()
    return stop
