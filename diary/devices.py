"""A short, human name for the browser behind a sign-in, from its User-Agent text."""

# Checked in order: Edge and Chrome on Android say "Chrome" and "Safari" too.
BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """Return e.g. "Firefox on Android", or "Unknown browser" when the text says nothing known."""
    browser = next((name for key, name in BROWSERS if key in user_agent), None)
    system = next((name for key, name in SYSTEMS if key in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
