"""The home page with the quick log, and the full reading forms."""

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.widgets import HiddenInput

from diary import reference
from diary.blueprints import attacks, check_ins
from diary.clock import local_now, local_today
from diary.forms import EntryForm, MomentForm, form_page, fresh_key, owned_or_404, pgic_form, save
from diary.i18n import clock_time, short_moment
from diary.models import Reading
from diary.models.symptoms import RELIEF_LABELS
from diary.paging import paginate
from diary.rules import EntryError
from diary.services import medications, preventives, questionnaires, reminders, side_effects
from diary.services import readings as service
from diary.services.scoping import owned

bp = Blueprint("readings", __name__)

GLANCE_DAYS = 14


class QuickLogForm(EntryForm):
    pain = StringField(_l("Pain now"))


class ReadingForm(MomentForm):
    pain = StringField(_l("Pain"))
    note = TextAreaField(_l("Note (optional)"))


class EditReadingForm(ReadingForm):
    # The version the page shows, so that a save over a newer one is refused.
    version = IntegerField(widget=HiddenInput())


@bp.get("/")
@login_required
def home():
    now = local_now(current_user.timezone)
    today = now.date()
    saved = request.args.get("saved", type=int)
    pgic_prompts = questionnaires.due_prompts(current_user, today)
    return render_template(
        "readings/home.html",
        quick_key=fresh_key(),
        attention_count=reminders.attention_count(current_user, today),
        # Read only when the part of home that lists them is not kept (diary/fragments.py).
        attention_rows=lambda: reminders.needing_attention(current_user, today),
        pgic_prompts=pgic_prompts,
        pgic_form=pgic_form() if pgic_prompts else None,
        pgic=reference.questionnaires()["pgic"],
        overuse=medications.overuse(current_user, today),
        relief_questions=medications.relief_questions(current_user, now),
        relief_labels=RELIEF_LABELS,
        doses_due=preventives.due_on_home(current_user, today),
        schedule_of=preventives.schedule_of,
        classes=reference.medication_classes(),
        **side_effects.safety_context(side_effects.recent_alarming(current_user, now)),
        today=today,
        yesterday=today - timedelta(days=1),
        glance=service.glance(current_user, today, GLANCE_DAYS),
        streak_window=service.STREAK_WINDOW_DAYS,
        just_saved=owned(Reading, current_user, saved) if saved else None,
        yesterday_empty=bool(check_ins.gaps(1)),
        **attacks.home_context(current_user, now),
    )


@bp.post("/readings/quick")
@login_required
def quick_log():
    """Log "pain N, now" in one tap."""
    form = QuickLogForm()
    try:
        form.require_valid()
        reading = service.add_reading(current_user, **form.values("pain", "client_key"))
    except EntryError as exc:
        flash(exc.message, "error")
        return redirect(url_for("readings.home"))
    return redirect(url_for("readings.home", saved=reading.id, _anchor="saved"))


@bp.route("/readings/new", methods=["GET", "POST"])
@login_required
def new():
    day = request.args.get("day", type=date.fromisoformat)
    if request.method != "POST":
        # The blank form of the day is kept (diary/fragments.py): built only when it is not.
        day = day or local_today(current_user.timezone)
        return render_template("readings/form.html", day=day, blank=ReadingForm.blank_of_day)
    form = ReadingForm.new_entry(**ReadingForm.defaults_now(day))
    if saved := save(
        form,
        lambda: service.add_reading(
            current_user, recorded_at=form.moment, **form.values("pain", "note", "client_key")
        ),
    ):
        reading = saved.value
        flash(
            _(
                "Saved pain %(pain)s for %(moment)s.",
                pain=reading.pain,
                moment=short_moment(reading.recorded_at),
            ),
            "success",
        )
        return redirect(url_for("readings.home"))
    return form_page("readings/form.html", form, reading=None)


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
                current_user,
                reading,
                recorded_at=form.moment,
                version=form.version.data,
                **form.values("pain", "note"),
            )
        except service.StaleEdit as stale:
            # Keep what this page typed; the next save is made over the version shown now.
            form.version.raw_data, form.version.data = None, reading.version
            flash(str(stale), "error")
            return render_template("readings/form.html", form=form, reading=reading), 409
        except EntryError as exc:
            form.show(exc)
        else:
            flash(_("Reading updated."), "success")
            return redirect(url_for("readings.history"))
    return form_page("readings/form.html", form, reading=reading)


@bp.post("/readings/<int:reading_id>/delete")
@login_required
def delete(reading_id: int):
    reading = owned_or_404(Reading, reading_id)
    service.delete_reading(reading)
    flash(
        _(
            "Removed the reading of pain %(pain)s at %(time)s.",
            pain=reading.pain,
            time=clock_time(reading.recorded_at),
        ),
        "info",
    )
    back = "readings.home" if request.form.get("back") == "home" else "readings.history"
    return redirect(url_for(back))


@bp.get("/readings")
@login_required
def history():
    page = paginate(service.user_readings(current_user))
    return render_template(
        "readings/history.html",
        page=page,
        gaps=check_ins.gaps(check_ins.GAP_DAYS),
        gap_days=check_ins.GAP_DAYS,
    )
