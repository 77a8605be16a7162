"""/healthz: a trivial endpoint for the self-hoster's uptime monitor."""

from flask import Blueprint
from sqlalchemy import text

from diary.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
