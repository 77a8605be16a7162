"""Random secrets handed to a client, of which the database keeps only a digest."""

import hashlib
import secrets
from datetime import datetime, timedelta

from diary.clock import utcnow

# Note when a secret was last used at most this often, so that reading pages does not
# turn every request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=10)


def new_secret(nbytes: int = 32, prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest stored in place of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def due_for_touch(last_used: datetime | None) -> datetime | None:
    """Return the time to record as the last use now, or None when the stored one is recent."""
    now = utcnow()
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        return now
    return None
