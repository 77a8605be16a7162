"""Reminders: the follow-up after each treatment and the user's own; the calendar feed."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.http import generate_etag
from wtforms import StringField
from wtforms.widgets import DateInput

from diary import reference
from diary.clock import local_today
from diary.downloads import file_response
from diary.extensions import csrf
from diary.forms import EntryForm, owned_or_404
from diary.i18n import in_language_of, long_date
from diary.models import Reminder
from diary.rules import EntryError
from diary.services import calendar
from diary.services import reminders as service
from diary.services.scoping import owned
from diary.urls import outside_url_for

bp = Blueprint("reminders", __name__)


class CustomReminderForm(EntryForm):
    title = StringField(_l("What"))
    due_on = StringField(_l("When"), widget=DateInput())


class BookedForm(EntryForm):
    appointment_on = StringField(_l("Appointment date"), widget=DateInput())


def _page(form=None, feed_url=None, status=200):
    today = local_today(current_user.timezone)
    dismissed = request.args.get("dismissed", type=int)
    return render_template(
        "reminders/index.html",
        # Read only when the list is not kept (diary/fragments.py).
        reminder_rows=lambda: service.by_status(service.active_reminders(current_user), today),
        today=today,
        # Built only when the blank form is not kept.
        make_form=lambda: form or CustomReminderForm.fresh(),
        feed_url=feed_url,
        follow_up_source=reference.infusion_protocol()["follow_up"].sources[0],
        dismissed=owned(Reminder, current_user, dismissed) if dismissed else None,
    ), status


@bp.get("/reminders")
@login_required
def index():
    return _page()


@bp.post("/reminders")
@login_required
def add():
    form = CustomReminderForm()
    try:
        form.require_valid()
        service.add_custom(current_user, **form.values("title", "due_on", "client_key"))
    except EntryError as exc:
        form.show(exc)
        return _page(form=form, status=422)
    flash(_("Reminder added."), "success")
    return redirect(url_for("reminders.index"))


@bp.post("/reminders/<int:reminder_id>/<any(booked, done, reopen, dismiss, undismiss):action>")
@login_required
def change(reminder_id: int, action: str):
    reminder = owned_or_404(Reminder, reminder_id)
    if action == "booked":
        form = BookedForm()
        try:
            form.require_valid()
            service.mark_booked(current_user, reminder, booked_for=form.appointment_on.data)
        except EntryError as exc:
            flash(str(exc), "error")
            return redirect(url_for("reminders.index"))
        message = _("Booked for %(day)s.", day=long_date(reminder.booked_for))
    elif action == "done":
        service.mark_done(reminder, local_today(current_user.timezone))
        message = _("Marked done.")
    elif action == "reopen":
        service.reopen(reminder)
        message = _("Reopened.")
    elif action == "undismiss":
        service.undismiss(reminder)
        message = _("Back in your reminders.")
    else:
        service.dismiss(reminder)
        # Said on the page with an Undo button (reminders/index.html).
        return redirect(url_for("reminders.index", dismissed=reminder.id))
    flash(message, "success")
    return redirect(url_for("reminders.index"))


@bp.post("/reminders/feed/<any(new, revoke):action>")
@login_required
def feed(action: str):
    """Publish the calendar feed under a new secret URL, or stop publishing it."""
    if action == "revoke":
        calendar.revoke_feed(current_user)
        flash(_("The calendar feed is switched off; its old address no longer works."), "info")
        return redirect(url_for("reminders.index"))
    token = calendar.new_feed_token(current_user)
    # Shown once: only a hash of the secret is stored.
    return _page(feed_url=outside_url_for("reminders.subscribed_feed", token=token))


def _ics(user, filename: str) -> Response:
    today = local_today(user.timezone)
    with in_language_of(user):
        body = calendar.calendar_bytes(service.active_reminders(user), today)
    response = file_response(body, filename, "text/calendar", inline=True)
    # The same reminders give the same bytes: a calendar app polling with If-None-Match
    # gets 304 and no body until something changed.
    response.set_etag(generate_etag(body))
    return response.make_conditional(request)


@bp.get("/reminders.ics")
@login_required
def download():
    return _ics(current_user, "reminders.ics")


@bp.get("/calendar/<token>.ics")
@csrf.exempt
def subscribed_feed(token: str):
    """The feed calendar apps subscribe to; the secret in the URL is the only key."""
    user = calendar.user_for_feed(token)
    if user is None:
        abort(404)
    return _ics(user, "headache-diary.ics")
