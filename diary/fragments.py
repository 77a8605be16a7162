"""Parts of pages rendered once and kept: what rendering the same words again would cost.

A template wraps such a part in a call block, and the block is rendered only when nothing
is kept for its key:

    {% call kept("tab-bar", request.endpoint) %} … {% endcall %}
    {% call kept_for_user("medicines-taken", page.number) %} … {% endcall %}

and a view keeps a whole page body, with the work behind it, through `kept_render`.

`kept` is for what every account sees alike in a language (the navigation, the words the
scripts show): kept per process under the language, the address the diary is served at and
the key. `kept_for_user` is for what one diary's rows decide: kept with the figures of
diary/cache.py, under the user, their data version, the language and the key, so until
their next write, and never in a unit of work that writes. Neither may hold what belongs to
one request (a flashed message, the time now) except the CSRF token of its forms, which is
kept as a placeholder and filled in with the request's own token each time the block is
served. A form that carries a fresh client key (a retry of the same entry is recognised by
it) is never kept: the block is refused (ValueError) rather than give two entries one key.
"""

from collections.abc import Callable
from threading import Lock

from cachetools import LRUCache
from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from diary.cache import per_user
from diary.i18n import current_locale
from diary.models import User

# Stands for the request's CSRF token in a kept block (no token can contain it).
CSRF_PLACEHOLDER = "\x00csrf\x00"
# Every entry form has it: an idempotency key made for each page shown (diary/forms.py).
FRESH_KEY = 'name="client_key"'

# The chrome's parts in each language and place: a few per page of the diary.
CHROME_ENTRIES = 512


class _Chrome:
    """The app's kept chrome, under a lock (waitress serves in threads)."""

    def __init__(self) -> None:
        self.parts: LRUCache = LRUCache(maxsize=CHROME_ENTRIES)
        self.lock = Lock()


def _keepable(render) -> str:
    """Render a block as it can be kept: its CSRF token as the placeholder."""
    html = str(render())
    if FRESH_KEY in html:
        raise ValueError("a block with a form's fresh client key cannot be kept")
    token = g.get("csrf_token")
    return html.replace(token, CSRF_PLACEHOLDER) if token else html


def _served(html: str) -> Markup:
    """Return a kept block with the request's own CSRF token in its forms."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)  # noqa: S704 (rendered by Jinja, escaped there)


def kept(*key: object, caller) -> Markup:
    """Return the block rendered once per language, served address and key."""
    chrome: _Chrome = current_app.extensions["diary_chrome"]
    full = (str(current_locale()), request.script_root, *key)
    with chrome.lock:
        found = chrome.parts.get(full)
    if found is None:
        found = _keepable(caller)
        with chrome.lock:
            chrome.parts[full] = found
    return _served(found)


@per_user
def _rendered(user: User, script_root: str, *key: object, render) -> str:
    """Render the block of user's diary (kept per user until their next write)."""
    return _keepable(render)


def kept_for_user(*key: object, caller) -> Markup:
    """Return the block rendered from the signed-in user's rows, kept until their next write."""
    user = current_user._get_current_object()
    return _served(_rendered(user, request.script_root, *key, render=caller))


def kept_render(*key: object, template: str, context: Callable[[], dict]) -> Markup:
    """Return template rendered with context() from the signed-in user's rows, kept until their
    next write: a view's work is done only when nothing is kept."""
    return kept_for_user(*key, caller=lambda: render_template(template, **context()))


def register_fragments(app: Flask) -> None:
    """Give the app its kept chrome and the templates both call blocks."""
    app.extensions["diary_chrome"] = _Chrome()
    app.add_template_global(kept)
    app.add_template_global(kept_for_user)
