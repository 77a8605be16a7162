"""Security headers on every response, from one small hook."""

from flask import Flask, Response, abort, request

from diary.rules import NUL_MESSAGE

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def register_security_headers(app: Flask) -> None:
    # Behind a reverse proxy, waitress (diary serve) has already put the client's address and
    # scheme into the environ from the trusted proxy's headers: see commands/serve.py.
    @app.before_request
    def refuse_nul_characters():
        """A form or query value with a NUL character is refused before any view sees it."""
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400, description=NUL_MESSAGE)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype in ("text/html", "application/json"):
            # Health data, in pages and in API and sync answers alike: never kept in a cache.
            headers.setdefault("Cache-Control", "no-store")
        return response
