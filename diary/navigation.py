"""Where the diary's pages are, in one list: the phone's tab bar, its More page and the top bar.

The tab bar holds what is used most during and after an attack: logging today's pain,
seeing how it went (Trends), and the treatment being followed. Everything else is a tap
away under More.
"""

from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class Place:
    endpoint: str
    label: str
    icon: str = ""  # a name in templates/_icons.html
    admin_only: bool = False

    def is_current(self) -> bool:
        """Tell whether the page shown belongs to this place (its area's pages count too)."""
        if request.endpoint == self.endpoint:
            return True
        blueprint, view = self.endpoint.split(".", 1)
        return view == "index" and request.blueprint == blueprint


TABS = (
    Place("readings.home", "Today", "today"),
    Place("trends.index", "Trends", "trends"),
    Place("treatments.index", "Treatments", "treatments"),
)
MORE = Place("more.index", "More", "more")
OTHERS = (
    Place("readings.history", "Pain log"),
    Place("side_effects.index", "Side effects"),
    Place("medications.index", "Medicines"),
    Place("reminders.index", "Reminders"),
    Place("trends.report", "Report"),
    Place("shares.index", "Shared reports"),
    Place("transfer.export_page", "Export & import"),
    Place("auth.account", "Settings"),
    Place("household.members", "Household", admin_only=True),
)


def others_for(is_admin: bool) -> list[Place]:
    return [place for place in OTHERS if is_admin or not place.admin_only]


def more_is_current() -> bool:
    """The More tab is marked on its own page and on every page of its places."""
    return MORE.is_current() or any(place.is_current() for place in OTHERS)
