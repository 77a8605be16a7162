"""The application factory: the diary as a Flask app, each view one unit of work."""

import os
from pathlib import Path

from flask import Flask, g, request

from diary.config import configure
from diary.extensions import init_extensions
from diary.sqlite import SAFE_METHODS
from diary.unit import unit_of_work

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Diary(Flask):
    """Flask, with each view run as one unit of work (diary/unit.py).

    The unit is committed before the response is built, so a failed commit is the
    documented 503 and after-request hooks can no longer lose or half-keep a write.
    """

    def dispatch_request(self):
        with unit_of_work(writes=request.method not in SAFE_METHODS) as unit:
            g.unit = unit
            return super().dispatch_request()


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the diary application."""
    app = Diary(
        __name__,
        instance_path=os.environ.get("DIARY_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    init_extensions(app)

    from diary.blueprints import register_blueprints
    from diary.commands import register_commands
    from diary.errors import register_error_handlers
    from diary.fragments import register_fragments
    from diary.security import register_security_headers
    from diary.templating import register_template_helpers

    register_blueprints(app)
    register_commands(app)
    register_error_handlers(app)
    register_fragments(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app
