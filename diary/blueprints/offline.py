"""The installable app: service worker, the offline quick-log page, and syncing what it queued."""

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from diary import reference
from diary.clock import format_timestamp
from diary.errors import json_error
from diary.models.symptoms import SEVERITIES
from diary.rules import EntryError
from diary.services.attacks import add_attack, stop_attack
from diary.services.day_marks import mark_day
from diary.services.readings import add_reading
from diary.services.side_effects import add_report, safety_notice

bp = Blueprint("offline", __name__)


@bp.before_request
def queue_needs_sign_in():
    """Answer the queue's requests with a JSON 401 when no one is signed in, never a redirect.

    login_required would flash into a fresh session cookie on its way to the sign-in form;
    that cookie can replace the one a sign-in form loading at the same moment has just set,
    and the form's CSRF token with it (seen as a refused sign-in on a shared phone).
    """
    if request.path.startswith("/sync/") and not current_user.is_authenticated:
        return json_error(401, "Sign in to send what is waiting.")


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
def sync_token():
    """Give the queue the CSRF token, and whose session it is: it sends only that user's items."""
    return {"csrf_token": generate_csrf(), "user_id": current_user.id}


def _queued_entry() -> dict:
    """Return the queued item's body; refuse an item that another household member queued."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise EntryError({"body": "The body must be a JSON object."})
    if body.get("user_id") != current_user.id:
        abort(409, "This entry was queued by another household member on this device.")
    if not body.get("client_key"):
        raise EntryError({"client_key": "A queued entry carries its idempotency key."})
    return body


@bp.post("/sync/readings")
def sync_reading():
    """Store a reading logged offline, exactly once, at the time it was logged."""
    body = _queued_entry()
    reading = add_reading(
        current_user,
        recorded_at=body.get("at"),
        pain=body.get("pain"),
        client_key=body.get("client_key"),
    )
    return {"id": reading.id, "recorded_at": format_timestamp(reading.recorded_at)}, 201


@bp.post("/sync/side-effects")
def sync_side_effect():
    """Store a side effect ticked offline, exactly once."""
    body = _queued_entry()
    report = add_report(
        current_user,
        recorded_at=body.get("at"),
        effect=body.get("effect"),
        severity=body.get("severity"),
        client_key=body.get("client_key"),
    )
    answer = {"id": report.id, "recorded_at": format_timestamp(report.recorded_at)}
    if notice := safety_notice([report]):
        answer["safety"] = notice
    return answer, 201


@bp.post("/sync/attacks/start")
def sync_attack_start():
    """Store "Headache started" tapped offline, exactly once, at the time it was tapped."""
    body = _queued_entry()
    attack = add_attack(current_user, started_at=body.get("at"), client_key=body.get("client_key"))
    return {"id": attack.id, "started_at": format_timestamp(attack.started_at)}, 201


@bp.post("/sync/attacks/stop")
def sync_attack_stop():
    """End the running attack at the time "It has stopped" was tapped offline; once."""
    body = _queued_entry()
    attack = stop_attack(current_user, ended_at=body.get("at"))
    return {"id": attack.id, "ended_at": format_timestamp(attack.ended_at)}, 201


@bp.post("/sync/days/no-headache")
def sync_no_headache():
    """Mark the day "No headache today" was tapped on offline (in the user's time zone)."""
    body = _queued_entry()
    mark = mark_day(current_user, body.get("at"), headache_free=True)
    return {"day": mark.day.isoformat()}, 201
