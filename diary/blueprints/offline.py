"""The installable app: service worker, the offline quick-log page, and syncing what it queued."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from diary import reference
from diary.errors import json_error
from diary.extensions import db
from diary.models.symptoms import SEVERITIES
from diary.services.readings import add_reading
from diary.services.side_effects import add_report, safety_notice
from diary.validation import check_pain

bp = Blueprint("offline", __name__)
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


@bp.get("/sw.js")
def service_worker():
    """Serve the worker from the root, so that it may control every page."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline_page():
    """The page the worker shows when the network is gone: no account data in it."""
    effects = [
        {"code": c, "label": e.label, "urgent": e["urgent"]}
        for c, e in reference.side_effects().items()
    ]
    return render_template(
        "offline.html", effects=effects, severities=SEVERITIES, safety=reference.safety()
    )


@bp.get("/sync/token")
@login_required
def sync_token():
    return {"csrf_token": generate_csrf()}


def _local_moment(text) -> datetime:
    """Turn the device's ISO instant into the user's local wall-clock time, to the minute."""
    if not isinstance(text, str):
        raise ValueError("at must be an ISO date-time string")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("at must carry its UTC offset")
    if moment > datetime.now(moment.tzinfo) + CLOCK_SKEW:
        raise ValueError("at is in the future")
    return moment.astimezone(ZoneInfo(current_user.timezone)).replace(
        tzinfo=None, second=0, microsecond=0
    )


def _client_key(body: dict) -> str:
    key = body.get("client_key")
    if not isinstance(key, str) or not 8 <= len(key) <= 64:
        raise ValueError("client_key must be 8 to 64 characters")
    return key


@bp.post("/sync/readings")
@login_required
def sync_reading():
    """Store a reading logged offline, exactly once, at the time it was logged."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(422, "The body must be a JSON object.")
    try:
        key, moment = _client_key(body), _local_moment(body.get("at"))
        pain = body.get("pain")
        if isinstance(pain, bool) or not isinstance(pain, int):
            raise ValueError("pain must be a whole number from 0 to 10")
        check_pain(pain)
    except ValueError as exc:
        return json_error(422, str(exc))
    reading = add_reading(current_user, moment, pain, client_key=key)
    db.session.commit()
    return {"id": reading.id, "recorded_at": reading.recorded_at.isoformat(timespec="minutes")}, 201


@bp.post("/sync/side-effects")
@login_required
def sync_side_effect():
    """Store a side effect ticked offline, exactly once."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(422, "The body must be a JSON object.")
    try:
        key, moment = _client_key(body), _local_moment(body.get("at"))
        report = add_report(
            current_user, moment, body.get("effect"), body.get("severity"), client_key=key
        )
    except ValueError as exc:
        db.session.rollback()
        return json_error(422, str(exc))
    db.session.commit()
    answer = {"id": report.id, "recorded_at": report.recorded_at.isoformat(timespec="minutes")}
    if notice := safety_notice([report]):
        answer["safety"] = notice
    return answer, 201
