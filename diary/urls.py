"""URL helpers: safe redirect targets and the largest id a URL may name."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Return target if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


# Ids are INTEGER columns: PostgreSQL's hold up to 2**31 - 1, so no URL may name more.
MAX_ID = 2**31 - 1
