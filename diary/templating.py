"""Filters and globals for the templates."""

from flask import Flask

from diary import i18n, navigation, reference
from diary.devices import device_label
from diary.models.reminder import STATUS_LABELS
from diary.models.symptoms import SEVERITY_LABELS
from diary.services.outcomes import DEFINITIONS, PERIOD_LABELS


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def reference_data():
        return {
            "pain_words": reference.pain_scale(),
            "period_labels": PERIOD_LABELS,
            "overuse_rules": reference.overuse_rules(),
            "definitions": DEFINITIONS,
            "tabs": navigation.TABS,
            "more_place": navigation.MORE,
            "top_bar": navigation.TOP_BAR,
            "more_is_current": navigation.more_is_current,
            "more_on_top_is_current": navigation.more_on_top_is_current,
            "severity_labels": SEVERITY_LABELS,
            "status_labels": STATUS_LABELS,
        }

    @app.template_filter("set_only")
    def set_only(attributes: dict) -> dict:
        """Drop attributes that are None or empty, which WTForms would render as text."""
        return {key: value for key, value in attributes.items() if value not in (None, "")}

    # A global, not a context variable: imported macros (the PGIC question) read it too.
    app.add_template_global(lambda: str(i18n.current_locale()), "current_locale")
    app.add_template_filter(device_label)
    for name in (
        "long_date",
        "short_date",
        "day_of_year",
        "clock_time",
        "long_moment",
        "day_month",
        "decimal",
        "signed_decimal",
        "short_moment",
        "one_decimal",
        "duration",
        "month_year",
    ):
        app.add_template_filter(getattr(i18n, name))
