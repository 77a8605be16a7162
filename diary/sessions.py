"""The session cookie, read only by the requests that can use it, set only where allowed."""

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

# Answers that never read the session: the health check a monitor polls, and static files.
SESSIONLESS_PATHS = frozenset({"/healthz"})


class SessionWhereUsed(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left unread (and unsent) where nothing uses it, and
    unset on pages that must set none (shared links).

    Checking the cookie's signature and decoding it is a good part of a small answer's
    cost, and Flask does it before it knows which view answers.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path in SESSIONLESS_PATHS or request.path.startswith(f"{app.static_url_path}/"):
            # Empty and unchanged: the answer neither sends nor clears a cookie.
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response: Response) -> None:
        # An empty session nobody looked at sets, clears and varies nothing (as Flask's would).
        if not (session or session.modified or session.accessed) or g.get("set_no_cookies"):
            return
        super().save_session(app, session, response)
