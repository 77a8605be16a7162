"""URL helpers: safe redirect targets, addresses for other devices, the largest id in a URL."""

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, request, url_for


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


def outside_url(path: str) -> str:
    """Return the full address of a path for another device: on DIARY_BASE_URL when it is set."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + path


def outside_url_for(endpoint: str, **values) -> str:
    """Return the full address of an endpoint for another device (see outside_url)."""
    return outside_url(url_for(endpoint, **values))


# Names only this computer or a home network resolves (RFC 6761, RFC 8375, mDNS, routers' own).
_NEARBY_SUFFIXES = (".localhost", ".local", ".lan", ".home", ".internal", ".home.arpa")


def only_nearby() -> bool:
    """Say whether outside links would name an address a device elsewhere cannot open.

    True when no public address is configured and the page is served on a loopback,
    private or link-local address, or on a name that only a home network knows.
    """
    if current_app.config.get("BASE_URL"):
        return False
    host = (urlsplit("//" + request.host).hostname or "").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or "." not in host or host.endswith(_NEARBY_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


# Ids are INTEGER columns: PostgreSQL's hold up to 2**31 - 1, so no URL may name more.
MAX_ID = 2**31 - 1
