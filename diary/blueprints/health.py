"""/healthz: a trivial endpoint for the self-hoster's uptime monitor."""

from contextlib import closing

from flask import Blueprint

from diary.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    # The database driver's own pooled connection answers, without the ORM or a transaction
    # of the diary's (diary/sqlite.py begins one for every unit): a monitor polls this often.
    connection = db.engine.raw_connection()
    try:
        with closing(connection.cursor()) as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()
    return {"status": "ok"}
