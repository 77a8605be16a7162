"""One blueprint per area of the diary."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from diary.blueprints import (
        auth,
        household,
        medications,
        readings,
        reminders,
        side_effects,
        transfer,
        treatments,
    )

    for module in (
        auth,
        household,
        readings,
        treatments,
        side_effects,
        medications,
        reminders,
        transfer,
    ):
        app.register_blueprint(module.bp)
