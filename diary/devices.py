"""A short, human name for the browser behind a sign-in, from its User-Agent text.

The text is read by ua-parser (the uap-core rules, kept up to date by their maintainers):
a hand-written list of substrings called Chrome on an iPhone "Safari on iPhone".
"""

import re

from ua_parser import parse

# uap-core's names say the platform too ("Chrome Mobile iOS", "Mobile Safari"); the
# label says it once, after "on".
_PLATFORM_WORDS = re.compile(r"^Mobile | Mobile$| Mobile iOS$| iOS$")
# Apple devices are named as people call them; other systems by the system's name.
DEVICES = frozenset({"iPhone", "iPad"})
SYSTEMS = {"Mac OS X": "Mac"}


def device_label(user_agent: str) -> str:
    """Return e.g. "Chrome on iPhone", or "Unknown browser" when the text says nothing known."""
    found = parse(user_agent or "")
    browser = _PLATFORM_WORDS.sub("", found.user_agent.family) if found.user_agent else None
    system = None
    if found.device and found.device.family in DEVICES:
        system = found.device.family
    elif found.os:
        system = SYSTEMS.get(found.os.family, found.os.family)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
