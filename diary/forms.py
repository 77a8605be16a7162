"""What every diary form shares: raw values handed to a service, its problems shown per field.

The forms check nothing themselves beyond CSRF: each value goes, as typed, to the
service that stores it, whose rules are the same for CSV import, the API, offline
sync and the account restore. EntryError's problems come back under the fields.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, ClassVar

from flask import abort, flash, g, has_app_context, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo
from wtforms.widgets import DateInput, Select, TimeInput, html_params

from diary import reference
from diary.clock import local_now
from diary.i18n import WTFORMS_MESSAGES
from diary.imports import FORMAT_CHOICES, FORMATS
from diary.rules import EntryError
from diary.services.scoping import owned
from diary.urls import safe_next


class DiaryForm(FlaskForm):
    """A Flask-WTF form whose WTForms messages come from a catalogue loaded once per language."""

    class Meta:
        def get_translations(self, form):
            return WTFORMS_MESSAGES


class ServiceForm(DiaryForm):
    """A form whose values a service checks and whose problems it shows per field."""

    # A service's field name -> the form field that shows its problem, where they differ.
    shows: ClassVar[dict[str, str]] = {}

    def require_valid(self) -> None:
        """Raise the form's own problems (a missing CSRF token) as an EntryError."""
        if not self.validate():
            raise EntryError({name: " ".join(errors) for name, errors in self.errors.items()})

    def values(self, *names: str) -> dict[str, Any]:
        """Return the named fields' values as typed, for the service; a field not sent is empty."""
        return {name: "" if self[name].data is None else self[name].data for name in names}

    def show(self, exc: EntryError) -> None:
        """Put each of the service's problems under the field it is about."""
        for name, message in exc.errors.items():
            target = self._fields.get(self.shows.get(name, name))
            if target is None or isinstance(target, HiddenField):
                # A problem of the whole form (a resent page): shown above its fields.
                self.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]
        self._errors = None  # WTForms caches form.errors; the summary must list these.


def fresh_key() -> str:
    """Return a new idempotency key for a form of a new entry (noted for the request)."""
    key = uuid.uuid4().hex
    if has_app_context():
        g.setdefault("diary_fresh_keys", []).append(key)
    return key


def fresh_keys() -> list[str]:
    """Return the keys made for the request's forms so far (a kept part replaces them)."""
    return g.get("diary_fresh_keys", [])


class EntryForm(ServiceForm):
    """The form of a new entry: it carries an idempotency key, so it is stored once."""

    # One key per rendered form: a double tap or a resent POST stores the entry once.
    client_key = HiddenField()
    # A page sent again with other values (back, change, save) is a new entry: say so plainly.
    RESENT = "This form was already saved with other values. Open it again to add another entry."

    def show(self, exc: EntryError) -> None:
        if "client_key" in exc.errors:
            exc = EntryError({"": self.RESENT})
        super().show(exc)

    @classmethod
    def new_entry(cls, **data: Any) -> "EntryForm":
        """Return the form with a fresh idempotency key and the request's values, if any."""
        return cls(data={"client_key": fresh_key(), **data})

    @classmethod
    def fresh(cls, **data: Any) -> "EntryForm":
        """Return an empty form with a fresh idempotency key, whatever the request sent."""
        return cls(formdata=None, data={"client_key": fresh_key(), **data})


# The time of a blank form kept for a day (diary/fragments.py): the time now, at each view.
TIME_NOW = "\x00time-now\x00"


class MomentForm(EntryForm):
    """A form that records something at a local date and time."""

    day = StringField(_l("Date"), widget=DateInput())
    time = StringField(_l("Time"), widget=TimeInput())
    shows: ClassVar[dict[str, str]] = {
        "recorded_at": "time",
        "taken_at": "time",
        "changed_at": "time",
    }

    @property
    def moment(self) -> str:
        """Return the date and time as the services read them: YYYY-MM-DDTHH:MM."""
        return f"{(self.day.data or '').strip()}T{(self.time.data or '').strip()}"

    @staticmethod
    def at(moment: datetime, **data) -> dict:
        """Return initial data that shows an existing entry's date and time."""
        return {"day": moment.date().isoformat(), "time": f"{moment:%H:%M}", **data}

    @classmethod
    def defaults_now(cls, day: date | None = None, **data) -> dict:
        """Return initial data with the date and time set to now (or to day at this time)."""
        now = local_now(current_user.timezone)
        return cls.at(datetime.combine(day or now.date(), now.time()), **data)

    @classmethod
    def blank_of_day(cls, day: date) -> "EntryForm":
        """Return a blank form of a new entry on day, its time left to fill in at each view."""
        return cls.new_entry(day=day.isoformat(), time=TIME_NOW)


@dataclass(frozen=True)
class Saved:
    """What a service returned for a form that was sent and stored."""

    value: Any


def save(form: ServiceForm, write: Callable[[], Any]) -> Saved | None:
    """Run write() when the form was sent; on refusal show the problems and return None."""
    if not form.validate_on_submit():
        return None
    try:
        return Saved(write())
    except EntryError as exc:
        form.show(exc)
        return None


def form_page(template: str, form: ServiceForm, **context: Any):
    """Render a form's page: 422 when it shows problems, so nothing looks saved."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


@cache
def _options(choices: tuple[str, ...]) -> str:
    return "".join(f'<option value="{escape(code)}">{escape(code)}</option>' for code in choices)


class LongSelect(Select):
    """A select of many plain options (the ~600 time zones), rendered once per process.

    WTForms renders each option on every page, which made Settings the slowest page;
    here only the chosen option is marked for each page.
    """

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        chosen = f'<option value="{escape(field.data)}">'
        options = _options(tuple(field.choices)).replace(
            chosen, chosen.replace("<option ", "<option selected "), 1
        )
        # Every value in it went through escape() or html_params(), as in WTForms' own widgets.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # noqa: S704


def one_tap(write: Callable[[], Any], saved: str, fallback: str):
    """Run a one-tap answer's write, flash what came of it, and go back where it was made."""
    try:
        write()
    except EntryError as exc:
        flash(str(exc), "error")
    else:
        flash(saved, "success")
    return redirect(safe_next(request.form.get("next")) or url_for(fallback))


def owned_or_404(model, object_id: int):
    """Return the signed-in user's row, or answer 404 (also for other users' rows)."""
    row = owned(model, current_user, object_id)
    if row is None:
        abort(404)
    return row


def catalogue_choices(entries: dict) -> list[SelectChoice]:
    """Return select options for a seeds/ catalogue: the code as value, the label as text."""
    return [SelectChoice(code, entry.label) for code, entry in entries.items()]


# The forms more than one blueprint shows.


class NewAccountForm(DiaryForm):
    username = StringField(_l("Username"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Password again"), validators=[EqualTo("password", message=_l("The passwords differ."))]
    )


class NewPasswordForm(DiaryForm):
    new = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("New password again"), validators=[EqualTo("new", message=_l("The passwords differ."))]
    )


class PgicForm(EntryForm):
    score = StringField(_l("Your answer"))


def pgic_form() -> PgicForm:
    """A fresh PGIC form for a page (the home prompt or the treatment page)."""
    return PgicForm.fresh()


FORMAT_LABELS = {"auto": _l("Tell from the file")} | {code: f.LABEL for code, f in FORMATS.items()}


class UploadForm(DiaryForm):
    export = FileField(
        _l("Export file"), validators=[FileRequired(_l("Choose the exported file."))]
    )
    format = SelectField(
        _l("Made by"), choices=[SelectChoice(code, FORMAT_LABELS[code]) for code in FORMAT_CHOICES]
    )
    # Never preset: the kind counts for overuse days, and only the patient knows it.
    unlisted = SelectField(
        _l("Kind of the medicines not in the diary's list"), validate_choice=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unlisted.choices = [
            SelectChoice("", _l("Choose, if the file has any")),
            *catalogue_choices(reference.medication_classes()),
        ]


def upload_form() -> UploadForm:
    """The empty upload form the export page shows."""
    return UploadForm(formdata=None)
