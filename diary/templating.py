"""Filters and globals for the templates."""

from flask import Flask

from diary import i18n, navigation, reference
from diary.devices import device_label
from diary.models.reminder import STATUS_LABELS
from diary.models.symptoms import SEVERITY_LABELS
from diary.pdf import page_numbers
from diary.services import days, menstrual, outcomes
from diary.urls import only_nearby


def cited_in_order(definitions: list[tuple[str, str, tuple[str, ...]]]) -> tuple[list, list]:
    """Number the sources of definitions in order of first citation; return both lists."""
    order: list[str] = []
    numbered = []
    for term, text, ids in definitions:
        order += [i for i in ids if i not in order]
        numbered.append((term, text, [order.index(i) + 1 for i in ids]))
    return numbered, [reference.sources()[i] for i in order]


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def reference_data():
        return {
            "pain_words": reference.pain_scale(),
            "period_labels": outcomes.PERIOD_LABELS,
            "measure_labels": outcomes.MEASURE_LABELS,
            "day_rules": days.RULES,
            "overuse_rules": reference.overuse_rules(),
            "definitions": outcomes.DEFINITIONS,
            # Called where shown: written in the reader's language from the modules' constants.
            "outcome_definitions": outcomes.definitions,
            "definitions_of_days": days.definitions,
            "menstrual_definitions": menstrual.definitions,
            "cited_in_order": cited_in_order,
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
    app.add_template_global(only_nearby)
    app.add_template_global(page_numbers)
    app.add_template_global(reference.emergency_number)
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
        "percent",
    ):
        app.add_template_filter(getattr(i18n, name))
