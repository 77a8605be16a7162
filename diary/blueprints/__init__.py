"""One blueprint per area of the diary."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from diary.blueprints import auth, household, readings, transfer

    app.register_blueprint(auth.bp)
    app.register_blueprint(household.bp)
    app.register_blueprint(readings.bp)
    app.register_blueprint(transfer.bp)
