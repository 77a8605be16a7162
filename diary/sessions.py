"""The session cookie, read only by the requests that can use it, set only where allowed."""

import time
from copy import deepcopy
from datetime import datetime
from threading import Lock

from cachetools import LRUCache
from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

# Answers that never read the session: the health check a monitor polls, and static files.
SESSIONLESS_PATHS = frozenset({"/healthz"})
# Cookies whose signature was checked, kept per process: each signed-in browser has one.
CHECKED_COOKIES = 4096


class SessionWhereUsed(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unread (and unsent) where nothing uses it, and
    unset on pages that must set none (shared links).

    Checking the cookie's signature and decoding it is a good part of a small answer's
    cost, and Flask does it before it knows which view answers. A browser sends the same
    cookie until its session changes, so each cookie is checked once: later requests find
    its data by its value, and only its age is checked again.
    """

    def __init__(self) -> None:
        self._checked: LRUCache[str, tuple[dict, datetime]] = LRUCache(CHECKED_COOKIES)
        self._lock = Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path in SESSIONLESS_PATHS or request.path.startswith(f"{app.static_url_path}/"):
            # Empty and unchanged: the answer neither sends nor clears a cookie.
            return self.session_class()
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        with self._lock:
            found = self._checked.get(value)
        if found is None:
            serializer = self.get_signing_serializer(app)
            if serializer is None:
                return None
            try:
                found = serializer.loads(value, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            with self._lock:
                self._checked[value] = found
        data, signed_at = found
        # As itsdangerous' max_age: a cookie older than the session's lifetime opens nothing.
        age = int(time.time()) - int(signed_at.timestamp())
        if not 0 <= age <= int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()
        # A copy: the request may change its session (a flash, a sign-out).
        return self.session_class(deepcopy(data))

    def save_session(self, app: Flask, session, response: Response) -> None:
        # An empty session nobody looked at sets, clears and varies nothing (as Flask's would).
        if not (session or session.modified or session.accessed) or g.get("set_no_cookies"):
            return
        super().save_session(app, session, response)
