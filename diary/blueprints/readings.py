"""The home page with the quick log, and the full reading forms."""

import uuid
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from diary import reference
from diary.blueprints.questionnaires import pgic_form
from diary.clock import local_now
from diary.extensions import db
from diary.forms import MomentForm, PainField, owned_or_404
from diary.models import Reading
from diary.models.reading import NOTE_MAX_LENGTH
from diary.paging import paginate
from diary.services import medications, questionnaires, reminders, side_effects
from diary.services import readings as service
from diary.services.scoping import owned

bp = Blueprint("readings", __name__)

GLANCE_DAYS = 14


class QuickLogForm(FlaskForm):
    pain = PainField("Pain now", validators=[InputRequired("Choose a number from 0 to 10.")])
    # One key per rendered form: a double tap or a resent POST stores the reading once.
    client_key = HiddenField(validators=[Length(max=40)])


class ReadingForm(MomentForm):
    pain = PainField("Pain", validators=[InputRequired("Choose a number from 0 to 10.")])
    note = TextAreaField(
        "Note (optional)",
        validators=[
            Length(
                max=NOTE_MAX_LENGTH, message=f"Notes can be up to {NOTE_MAX_LENGTH:,} characters."
            )
        ],
    )


class EditReadingForm(ReadingForm):
    # The version the page shows, so that a save over a newer one is refused.
    version = IntegerField(widget=HiddenInput())


@bp.get("/")
@login_required
def home():
    now = local_now(current_user.timezone)
    today = now.date()
    saved = request.args.get("saved", type=int)
    form = QuickLogForm(formdata=None, client_key=uuid.uuid4().hex)
    return render_template(
        "readings/home.html",
        form=form,
        attention=reminders.needing_attention(current_user, today),
        pgic_prompts=questionnaires.due_prompts(current_user, today),
        pgic_form=pgic_form(),
        pgic=reference.questionnaires()["pgic"],
        kinds=reference.treatment_kinds(),
        overuse=medications.overuse(current_user, today),
        classes=reference.medication_classes(),
        **side_effects.safety_context(side_effects.recent_alarming(current_user, now)),
        today=today,
        yesterday=today - timedelta(days=1),
        glance=service.glance(current_user, today, GLANCE_DAYS),
        streak_window=service.STREAK_WINDOW_DAYS,
        just_saved=owned(Reading, current_user, saved) if saved else None,
    )


@bp.post("/readings/quick")
@login_required
def quick_log():
    """Log "pain N, now" in one tap."""
    form = QuickLogForm()
    if not form.validate():
        flash(" ".join(form.pain.errors) or "That could not be saved.", "error")
        return redirect(url_for("readings.home"))
    reading = service.add_reading(
        current_user,
        local_now(current_user.timezone),
        form.pain.data,
        client_key=form.client_key.data or None,
    )
    db.session.commit()
    return redirect(url_for("readings.home", saved=reading.id, _anchor="saved"))


@bp.route("/readings/new", methods=["GET", "POST"])
@login_required
def new():
    day = request.args.get("day", type=date.fromisoformat)
    form = ReadingForm(data=ReadingForm.defaults_now(day))
    if form.validate_on_submit():
        service.add_reading(current_user, form.moment, form.pain.data, form.note.data or "")
        db.session.commit()
        flash(f"Saved pain {form.pain.data} for {form.moment:%a %d %b, %H:%M}.", "success")
        return redirect(url_for("readings.home"))
    return render_template("readings/form.html", form=form, reading=None)


@bp.route("/readings/<int:reading_id>/edit", methods=["GET", "POST"])
@login_required
def edit(reading_id: int):
    reading = owned_or_404(Reading, reading_id)
    form = EditReadingForm(
        data=ReadingForm.at(
            reading.recorded_at, pain=reading.pain, note=reading.note, version=reading.version
        )
    )
    if form.validate_on_submit():
        try:
            service.update_reading(
                reading, form.moment, form.pain.data, form.note.data or "", form.version.data
            )
        except service.StaleEdit as stale:
            # Keep what this page typed; the next save is made over the version shown now.
            form.version.raw_data, form.version.data = None, reading.version
            flash(str(stale), "error")
            return render_template("readings/form.html", form=form, reading=reading), 409
        db.session.commit()
        flash("Reading updated.", "success")
        return redirect(url_for("readings.history"))
    return render_template("readings/form.html", form=form, reading=reading)


@bp.post("/readings/<int:reading_id>/delete")
@login_required
def delete(reading_id: int):
    reading = owned_or_404(Reading, reading_id)
    service.delete_reading(reading)
    db.session.commit()
    flash(f"Removed the reading of pain {reading.pain} at {reading.recorded_at:%H:%M}.", "info")
    back = "readings.home" if request.form.get("back") == "home" else "readings.history"
    return redirect(url_for(back))


@bp.get("/readings")
@login_required
def history():
    page = paginate(service.user_readings(current_user))
    return render_template("readings/history.html", page=page)
