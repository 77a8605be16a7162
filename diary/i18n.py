"""The languages the diary speaks, which one a request gets, and dates and numbers in it."""

import re
from contextlib import AbstractContextManager
from datetime import date, datetime
from fractions import Fraction
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import LazyString, force_locale, get_locale, get_translations
from flask_login import current_user
from wtforms.i18n import messages_path

# Each language by its own name, as a speaker looks for it in a list.
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français"}
DEFAULT_LANGUAGE = "en"

# CLDR skeletons: each locale orders and abbreviates them its own way ("Mo., 5. Jan. 2026").
SKELETONS = {
    "long": "yMMMEd",
    "short": "yMMMd",
    "day": "MMMEd",
    "day_month": "MMMd",
    "month": "MMM",
    "month_year": "yMMM",
    "time": "Hm",
}
# English keeps the diary's own day-first order ("Mon 05 Jan 2026"), as its CSV readers know it.
ENGLISH = {
    "long": "EEE dd MMM yyyy",
    "short": "dd MMM yyyy",
    "day": "EEE dd MMM",
    "day_month": "d MMM",
    "month": "MMM",
    "month_year": "MMM yyyy",
    "time": "HH:mm",
}
LONE_YEAR = re.compile(r"(?<!y)y(?!y)")


def _kept_locale(context) -> Locale | None:
    """Return the locale Flask-Babel keeps in the app context's g once it has chosen one."""
    return getattr(getattr(context, "_flask_babel", None), "babel_locale", None)


def catalogue() -> NullTranslations:
    """Return the request's catalogue, fetched once per locale and request.

    Flask-Babel looks it up again on every call (about 12 µs, through context proxies);
    a page asks a few hundred times. The locale object changes under force_locale and
    is dropped by refresh, and the cached catalogue with it.
    """
    if not has_app_context():
        return get_translations()
    context = g._get_current_object()  # one proxy lookup; the rest are plain attributes
    locale = _kept_locale(context)
    cached = getattr(context, "_diary_catalogue", None)
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    context._diary_catalogue = (_kept_locale(context), translations)
    return translations


def translate(text: str) -> str:
    """Return text in the request's language (English outside a request)."""
    return catalogue().ugettext(text)


# The names pybabel looks for (scripts/translations), through the cached catalogue: Flask-
# Babel's own look the catalogue up again on each call, and a label is read on every page.
def gettext(text: str, **variables) -> str:
    """Return text in the request's language, with %(name)s filled from variables."""
    translated = catalogue().ugettext(text)
    return translated % variables if variables else translated


def lazy_gettext(text: str) -> LazyString:
    """Return text that is translated each time it is shown, in the language of that moment."""
    return LazyString(translate, text)


def _in_context(context: str, text: str) -> str:
    return catalogue().upgettext(context, text)


def lazy_pgettext(context: str, text: str) -> LazyString:
    """Return lazy_gettext's text for one sense of a word ("due" of a reminder)."""
    return LazyString(_in_context, context, text)


@cache
def _wtforms_catalogue(locale: str) -> Translations:
    """Load WTForms' own messages in one language, once per process."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class WTFormsMessages:
    """WTForms' messages ("This field is required.") in the request's language.

    Flask-WTF reads WTForms' catalogue from disk again in every request that uses a form.
    """

    def gettext(self, text: str) -> str:
        return _wtforms_catalogue(str(current_locale())).ugettext(text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(current_locale())).ungettext(singular, plural, n)


WTFORMS_MESSAGES = WTFormsMessages()


def install_template_gettext(app: Flask) -> None:
    """Give the templates gettext and friends through the cached catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )


def select_locale() -> str:
    """Return the signed-in user's language, else the browser's best match, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    language = getattr(current_user, "language", None)
    if language in LANGUAGES:
        return language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def in_language_of(user) -> AbstractContextManager:
    """Speak the user's own language (an e-mail, a subscribed calendar), else the request's."""
    return force_locale(user.language or select_locale())


def _pattern(kind: str, locale: Locale) -> str:
    if locale.language == DEFAULT_LANGUAGE:
        return ENGLISH[kind]
    pattern = locale.datetime_skeletons[SKELETONS[kind]].pattern
    # The year always in four digits, as the diary writes it everywhere.
    return LONE_YEAR.sub("yyyy", pattern)


def current_locale() -> Locale:
    """Return the request's locale (English outside a request)."""
    kept = _kept_locale(g._get_current_object()) if has_app_context() else None
    return kept or get_locale() or Locale(DEFAULT_LANGUAGE)


# Values formatted per locale kept per process: a list page formats a few hundred (each
# 11-20 µs in Babel), mostly the same days and figures again and again.
FORMATTED_KEPT = 20_000


def _format(value: date | str, kind: str) -> str:
    return _formatted_date(value, kind, current_locale())


@lru_cache(maxsize=FORMATTED_KEPT)
def _formatted_date(value: date | str, kind: str, locale: Locale) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)  # figures carry their days as ISO text, as JSON does
    # Local wall times, as stored: no time zone is attached, so none is converted.
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return format_datetime(moment, _pattern(kind, locale), locale=locale)


@lru_cache(maxsize=FORMATTED_KEPT, typed=True)
def _formatted_number(value: Fraction | float | int, pattern: str, locale: Locale) -> str:
    return format_decimal(value, pattern, locale=locale)


def long_date(value: date) -> str:
    """Format a day with its weekday: 'Mon 05 Jan 2026', 'Mo., 5. Jan. 2026'."""
    return _format(value, "long")


def short_date(value: date) -> str:
    """Format a day: '05 Jan 2026', '5. Jan. 2026'."""
    return _format(value, "short")


def day_of_year(value: date) -> str:
    """Format a day without its year, for chart axes: 'Mon 05 Jan', 'Mo., 5. Jan.'."""
    return _format(value, "day")


def day_month(value: date) -> str:
    """Format a day as a chart's axis shows it: '5 Jan', '5. Jan.'."""
    return _format(value, "day_month")


def month(value: date) -> str:
    """Format a month as a chart's axis shows it: 'Jan', 'janv.'."""
    return _format(value, "month")


def month_year(value: date) -> str:
    """Format a month with its year: 'Jan 2026', 'Jan. 2026'."""
    return _format(value, "month_year")


def clock_time(value: datetime) -> str:
    """Format a local time on the 24-hour clock: '08:30'."""
    return _format(value, "time")


def long_moment(value: datetime) -> str:
    """Format a local time with its day: 'Mon 05 Jan 2026, 08:30'."""
    return f"{long_date(value)}, {clock_time(value)}"


def short_moment(value: datetime) -> str:
    """Format a local time with its day, without the weekday: '05 Jan 2026, 08:30'."""
    return f"{short_date(value)}, {clock_time(value)}"


def duration(minutes: int) -> str:
    """Format a length of time in whole minutes: '45 min', '2 h 05 min', '3 d 4 h'."""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return gettext("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return gettext("%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes)
    return gettext("%(minutes)s min", minutes=minutes)


def decimal(value: float | int | None) -> str:
    """Format a figure as computed (a count whole, a mean to at most two decimals); None as ''.

    As Python writes them ("7.0", "6.33", "12"), with the reader's decimal sign.
    """
    if value is None:
        return ""
    pattern = "#,##0" if isinstance(value, int) else "#,##0.0#"
    return _formatted_number(value, pattern, current_locale())


def percent(value: Fraction) -> str:
    """Format an exact share as a percentage to at most one decimal, the reader's way: '66.7%'."""
    return format_percent(float(value), "#,##0.#%", locale=current_locale())


def signed_decimal(value: float | int | None) -> str:
    """Format a change with its sign and two decimals: '+0.50', '-1,25'."""
    if value is None:
        return ""
    return _formatted_number(value, "+#,##0.00;-#,##0.00", current_locale())


def one_decimal(value: Fraction | float | None) -> str:
    """Format a figure to one decimal place in the reader's way ('4.5', '4,5'); None as ''."""
    if value is None:
        return ""
    return _formatted_number(float(value), "0.0", current_locale())
