"""One blueprint per area of the diary."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from diary import api
    from diary.blueprints import (
        attacks,
        auth,
        check_ins,
        health,
        household,
        medications,
        more,
        offline,
        other_diaries,
        preventives,
        questionnaires,
        readings,
        reminders,
        shares,
        side_effects,
        transfer,
        treatments,
        trends,
    )

    for module in (
        health,
        auth,
        household,
        readings,
        attacks,
        treatments,
        questionnaires,
        side_effects,
        medications,
        preventives,
        reminders,
        check_ins,
        trends,
        shares,
        transfer,
        other_diaries,
        offline,
        more,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.bp)
