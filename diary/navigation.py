"""Where the diary's pages are, in one list: the phone's tab bar, the wide top bar, More.

The phone's tab bar holds what is used most during and after an attack: logging
today's pain, seeing how it went (Trends), and the treatment being followed. A wide
screen's top bar adds the daily lists and the report, on one line. Everything else
(and signing out) is under More on both.
"""

from dataclasses import dataclass

from flask import request

from diary.i18n import lazy_gettext


@dataclass(frozen=True)
class Place:
    endpoint: str
    label: str  # a lazy translation, read in the request's language
    icon: str = ""  # a name in templates/_icons.html
    admin_only: bool = False
    on_top_bar: bool = False  # also in the wide screen's top bar (the rest are under More)

    def is_current(self) -> bool:
        """Tell whether the page shown belongs to this place.

        An area's list (an index) also holds the area's other pages, unless one of them
        is a place of its own (the report is not Trends).
        """
        if request.endpoint == self.endpoint:
            return True
        blueprint, view = self.endpoint.split(".", 1)
        return (
            view == "index"
            and request.blueprint == blueprint
            and request.endpoint not in PLACE_ENDPOINTS
        )


TABS = (
    Place("readings.home", lazy_gettext("Today"), "today"),
    Place("trends.index", lazy_gettext("Trends"), "trends"),
    Place("treatments.index", lazy_gettext("Treatments"), "treatments"),
)
MORE = Place("more.index", lazy_gettext("More"), "more")
OTHERS = (
    Place("readings.history", lazy_gettext("Pain log"), on_top_bar=True),
    Place("attacks.index", lazy_gettext("Attacks")),
    Place("side_effects.index", lazy_gettext("Side effects"), on_top_bar=True),
    Place("medications.index", lazy_gettext("Medicines"), on_top_bar=True),
    Place("reminders.index", lazy_gettext("Reminders"), on_top_bar=True),
    Place("trends.report", lazy_gettext("Report"), on_top_bar=True),
    Place("shares.index", lazy_gettext("Shared reports")),
    Place("transfer.export_page", lazy_gettext("Export & import")),
    Place("auth.account", lazy_gettext("Settings")),
    Place("household.members", lazy_gettext("Household"), admin_only=True),
)


def others_for(is_admin: bool) -> list[Place]:
    return [place for place in OTHERS if is_admin or not place.admin_only]


TOP_BAR = (*TABS, *(place for place in OTHERS if place.on_top_bar))
PLACE_ENDPOINTS = frozenset(place.endpoint for place in (*TABS, MORE, *OTHERS))


def more_is_current(places: tuple[Place, ...] = OTHERS) -> bool:
    """Mark More on its own page and on the pages of the places it holds."""
    return MORE.is_current() or any(place.is_current() for place in places)


def more_on_top_is_current() -> bool:
    return more_is_current(tuple(place for place in OTHERS if not place.on_top_bar))
