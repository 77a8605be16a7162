"""Form fields shared by several blueprints, with messages a person can act on."""

from wtforms import DateField, IntegerField, TimeField

from diary.validation import parse_pain


class PainField(IntegerField):
    """A 0-10 score, parsed with the same rule as CSV import and the API."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            self.data = parse_pain(valuelist[0])


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
