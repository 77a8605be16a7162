"""A bare WSGI app served by waitress as `diary serve` serves the diary: the stack's own floor.

    python -m bench.bare PORT

answers every request with "ok"; bench/run.py times it beside the diary's /healthz.
"""

import sys

from waitress import serve


def app(environ, start_response):
    """Answer "ok", as /healthz does, without Flask or a database."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


if __name__ == "__main__":
    # The threads of `diary serve`'s default.
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
