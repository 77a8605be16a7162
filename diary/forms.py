"""Form fields shared by several blueprints, with messages a person can act on."""

from datetime import date, datetime

from flask import abort
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, TimeField
from wtforms.validators import InputRequired, ValidationError

from diary.clock import local_now
from diary.services.scoping import owned
from diary.validation import check_not_future, parse_pain


class PainField(IntegerField):
    """A 0-10 score, parsed with the same rule as CSV import and the API."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            self.data = parse_pain(valuelist[0])


class NumberField(DecimalField):
    """A decimal number; NaN, sNaN and infinities are refused with a message, never a 500."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(f"'{valuelist[0]}' is not a number.")


class CalendarDateField(DateField):
    """A date field that says plainly when a date does not exist."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"'{valuelist[0]}' is not a real date (use YYYY-MM-DD).") from None


class ClockTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"'{valuelist[0]}' is not a time of day (use HH:MM).") from None


class MomentForm(FlaskForm):
    """A form that records something at a local date and time, not in the future."""

    day = CalendarDateField("Date", validators=[InputRequired("Give the date.")])
    time = ClockTimeField("Time", validators=[InputRequired("Give the time.")])

    def validate_time(self, field):
        if self.day.data and field.data:
            try:
                check_not_future(self.moment, local_now(current_user.timezone))
            except ValueError as exc:
                raise ValidationError(f"{exc} Log what has already happened.") from None

    @property
    def moment(self) -> datetime:
        return datetime.combine(self.day.data, self.time.data)

    @staticmethod
    def at(moment: datetime, **data) -> dict:
        """Return initial data that shows an existing entry's date and time."""
        return {"day": moment.date(), "time": moment.time(), **data}

    @classmethod
    def defaults_now(cls, day: date | None = None, **data) -> dict:
        """Return initial data with the date and time set to now (or to day at this time)."""
        now = local_now(current_user.timezone)
        return {"day": day or now.date(), "time": now.time(), **data}


def owned_or_404(model, object_id: int):
    """Return the signed-in user's row, or answer 404 (also for other users' rows)."""
    row = owned(model, current_user, object_id)
    if row is None:
        abort(404)
    return row


def catalogue_choices(entries: dict) -> list[SelectChoice]:
    """Return select options for a seeds/ catalogue: the code as value, the label as text."""
    return [SelectChoice(code, entry.label) for code, entry in entries.items()]


def text_of(field) -> str:
    """Return a text field's value stripped; a field missing from the request is empty."""
    return (field.data or "").strip()
