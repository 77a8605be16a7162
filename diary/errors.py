"""Friendly error pages."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from diary.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    403: "This page is for the household's admin.",
    404: "There is nothing here.",
    413: "That file is too large to import (the limit is 16 MB).",
    429: "Too many attempts. Please wait a minute and try again.",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = (
            "The form had expired or was sent from elsewhere. Please go back, reload and try again."
        )
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = MESSAGES.get(error.code or 500, error.description)
        return render_template("error.html", code=error.code, message=message), error.code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        message = "Something went wrong and nothing was saved. Please try again."
        return render_template("error.html", code=500, message=message), 500
