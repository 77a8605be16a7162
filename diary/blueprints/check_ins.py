"""The daily check-in in Settings, the devices it notifies, and filling empty days in one tap."""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, StringField
from wtforms.widgets import TimeInput

from diary import push
from diary.clock import local_today
from diary.forms import ServiceForm, owned_or_404
from diary.models import PushSubscription
from diary.rules import EntryError
from diary.services import check_ins as service
from diary.services.day_marks import mark_day

bp = Blueprint("check_ins", __name__)

# The readings page offers the empty days among this many before today.
GAP_DAYS = 14
# Where a one-tap answer about an empty day returns to.
BACK = {"home": "readings.home", "readings": "readings.history"}


class CheckInForm(ServiceForm):
    on = BooleanField(_l("Ask me each day when nothing is logged yet"))
    at = StringField(_l("Ask at"), widget=TimeInput())
    by_push = BooleanField(_l("A notification on each device that allows it"))
    by_email = BooleanField(_l("An e-mail"))

    @classmethod
    def showing(cls, user) -> "CheckInForm":
        """Return the form with the account's setting (off, at 20:00, by notification, at first)."""
        row = service.check_in_of(user)
        if row is None:
            return cls(formdata=None, data={"at": f"{service.DEFAULT_AT:%H:%M}", "by_push": True})
        return cls(
            formdata=None,
            data={
                "on": row.since is not None,
                "at": f"{row.at:%H:%M}",
                "by_push": row.by_push,
                "by_email": row.by_email,
            },
        )


def settings_context() -> dict:
    """Return what Settings shows about the check-in: its form, the devices, the push key."""
    row = service.check_in_of(current_user)
    return {
        "check_in_form": CheckInForm.showing(current_user),
        "check_in_push": row is not None and row.since is not None and row.by_push,
        "push_devices": service.user_subscriptions(current_user),
        "push_key": push.application_server_key(),
    }


@bp.post("/account/check-in")
@login_required
def settings():
    """Save the daily check-in; a refusal is shown above Settings, the setting unchanged."""
    form = CheckInForm()
    try:
        form.require_valid()
        service.set_check_in(
            current_user,
            on=form.on.data,
            at=form.at.data or "",
            by_push=form.by_push.data,
            by_email=form.by_email.data,
        )
    except EntryError as exc:
        for message in exc.errors.values():
            flash(message, "error")
    else:
        flash(_("Daily check-in saved."), "success")
    return redirect(url_for("auth.account", _anchor="check-in-heading"))


@bp.post("/sync/push-subscriptions")
@login_required
def subscribe():
    """Keep this device's push subscription, as its service worker gave it (JSON)."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    row, new = service.subscribe(
        current_user,
        endpoint=body.get("endpoint"),
        p256dh=keys.get("p256dh"),
        auth=keys.get("auth"),
        user_agent=request.user_agent.string[: service.USER_AGENT_MAX],
    )
    return {"id": row.id, "new": new}, 201 if new else 200


@bp.post("/account/push-subscriptions/<int:subscription_id>/remove")
@login_required
def remove(subscription_id: int):
    """Stop notifying one device."""
    service.unsubscribe(owned_or_404(PushSubscription, subscription_id))
    flash(_("That device is no longer notified."), "info")
    return redirect(url_for("auth.account", _anchor="check-in-heading"))


@bp.post("/days/<day>/no-headache")
@login_required
def no_headache(day: str):
    """Mark an empty earlier day "no headache" in one tap, from home or the readings page."""
    back = BACK.get(request.form.get("back", ""))
    if back is None:
        abort(400)
    try:
        mark_day(current_user, day, headache_free=True)
    except EntryError as exc:
        flash(exc.message, "error")
    return redirect(url_for(back))


def gaps(days: int) -> list[date]:
    """Return the signed-in user's empty days among the `days` before today, newest first."""
    today = local_today(current_user.timezone)
    # Not the days before the account existed: nothing could have been logged on them.
    first = max(today - timedelta(days=days), current_user.created_at.date())
    last = today - timedelta(days=1)
    if first > last:
        return []
    return service.empty_days(current_user, first, last)[::-1]
