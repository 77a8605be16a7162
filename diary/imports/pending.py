"""An uploaded export kept between its preview and the patient's confirmation.

The file waits in instance/imports/, readable by the diary's user only, under a random
name tied to the account; confirming reads it once and removes it.
"""

import os
import re
import secrets
from pathlib import Path

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def keep(user_id: int, data: bytes) -> str:
    """Keep an upload for its confirmation; return the token that names it."""
    token = secrets.token_urlsafe(16)
    path = _folder() / f"{user_id}-{token}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return token


def take(user_id: int, token: str) -> bytes | None:
    """Return the account's kept upload and remove it; None when there is none by that token."""
    if not TOKEN.match(token or ""):
        return None
    path = _folder() / f"{user_id}-{token}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink()
    return data
