"""Filters and globals for the templates."""

from fractions import Fraction

from flask import Flask

from diary import navigation, reference
from diary.clock import long_date, long_moment, short_date, short_moment
from diary.devices import device_label
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
        }

    @app.template_filter("set_only")
    def set_only(attributes: dict) -> dict:
        """Drop attributes that are None or empty, which WTForms would render as text."""
        return {key: value for key, value in attributes.items() if value not in (None, "")}

    app.add_template_filter(device_label)
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
    app.add_template_filter(long_moment)
    app.add_template_filter(short_moment)

    @app.template_filter("one_decimal")
    def one_decimal(value: Fraction | float | None) -> str:
        return "" if value is None else f"{float(value):.1f}"
