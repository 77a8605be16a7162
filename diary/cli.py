"""The `diary` console script: the Flask CLI bound to this app."""

import gc

from flask import Flask
from flask.cli import FlaskGroup

from diary import create_app
from diary.permissions import private_umask

# Every file a `diary` command writes (database, backups, exports) is its owner's alone.
private_umask()


def create_command_app() -> Flask:
    """Create the app a command runs in, and keep its objects out of the collector's way.

    They last as long as the process: without this, the first full collection of a
    command (or of `diary serve`, inside a request) looks at all of them again, 70 to
    140 ms on the 2-core machine, in the middle of `diary export` at ten years.
    """
    app = create_app()
    gc.freeze()
    return app


main = FlaskGroup(
    name="diary",
    create_app=create_command_app,
    load_dotenv=False,
    help="Headache diary: serve it, manage accounts, import and export CSV files.",
)
