"""Parts of pages rendered once and kept: what rendering the same words again would cost.

A template wraps such a part in a call block, and the block is rendered only when nothing
is kept for its key:

    {% call kept("tab-bar", request.endpoint) %} … {% endcall %}
    {% call kept_for_user("medicines-taken", page.number) %} … {% endcall %}

and a view keeps a whole page body, with the work behind it, through `kept_render`.

`kept` is for what every account sees alike in a language (the navigation, the words the
scripts show): kept per process under the language, the address the diary is served at and
the key. `kept_for_user` is for what one diary's rows decide: kept beside the figures of
diary/cache.py (in megabytes of their own, PAGE_CACHE_MB), under the user, their data
version, the language and the key, so until their next write. Neither is used outside a unit
of work that only reads (a form shown again with its problems, an error page): such a page
is rendered afresh. Neither may hold what belongs to one request (a flashed message, the
time now) except what its forms carry: the request's CSRF token, and the fresh client key of
a form of a new entry (a retry of the same entry is recognised by it). Both are kept as
placeholders and filled in each time the block is served, the token with the request's own
and each key with a new one, so that two entries never share a key. So is the time of a
blank form kept for a day (forms.TIME_NOW), filled in with the user's time now. A client key
that is not fresh (one a POST sent back) cannot be replaced: a block holding one is refused
(ValueError).
"""

import re
from collections.abc import Callable
from threading import Lock

from cachetools import LRUCache
from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from diary.cache import only_reads, per_user_page
from diary.clock import local_now
from diary.forms import TIME_NOW, fresh_key, fresh_keys
from diary.i18n import current_locale
from diary.models import User
from diary.unit import current_unit

# Stand for the request's CSRF token and its n-th fresh client key in a kept block (neither a
# token nor a key can contain them).
CSRF_PLACEHOLDER = "\x00csrf\x00"
KEY_PLACEHOLDER = re.compile("\x00key([0-9]+)\x00")
# A client key as forms carry it (diary/forms.py): it must not be kept as it is.
CLIENT_KEY = re.compile(r'name="client_key"[^>]*value="[0-9a-f]')

# The chrome's parts in each language and place: a few per page of the diary.
CHROME_ENTRIES = 512


class _Chrome:
    """The app's kept chrome, under a lock (waitress serves in threads)."""

    def __init__(self) -> None:
        self.parts: LRUCache = LRUCache(maxsize=CHROME_ENTRIES)
        self.lock = Lock()


def _keepable(render) -> str:
    """Render a block as it can be kept: its CSRF token and fresh keys as placeholders."""
    html = str(render())
    for n, key in enumerate(fresh_keys()):
        html = html.replace(key, f"\x00key{n}\x00")
    if CLIENT_KEY.search(html):
        raise ValueError("a block with a client key that is not fresh cannot be kept")
    token = g.get("csrf_token")
    return html.replace(token, CSRF_PLACEHOLDER) if token else html


def _served(html: str) -> Markup:
    """Return a block with the request's own CSRF token, new keys and the time now in its forms."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    if TIME_NOW in html:
        html = html.replace(TIME_NOW, f"{local_now(current_user.timezone):%H:%M}")
    if "\x00key" in html:
        keys: dict[str, str] = {}
        html = KEY_PLACEHOLDER.sub(
            lambda n: keys.get(n[1]) or keys.setdefault(n[1], fresh_key()), html
        )
    return Markup(html)  # noqa: S704 (rendered by Jinja, escaped there)


def kept(*key: object, caller) -> Markup:
    """Return the block rendered once per language, served address and key."""
    if not only_reads(current_unit()):
        # A form shown again with what was sent, an error page: rendered afresh, its
        # placeholders (a blank form's time) filled in all the same.
        return _served(str(caller()))
    chrome: _Chrome = current_app.extensions["diary_chrome"]
    full = (str(current_locale()), request.script_root, *key)
    with chrome.lock:
        found = chrome.parts.get(full)
    if found is None:
        found = _keepable(caller)
        with chrome.lock:
            chrome.parts[full] = found
    return _served(found)


@per_user_page
def _rendered(user: User, script_root: str, *key: object, render) -> str:
    """Render the block of user's diary (kept per user until their next write)."""
    return _keepable(render)


def kept_for_user(*key: object, caller) -> Markup:
    """Return the block rendered from the signed-in user's rows, kept until their next write."""
    if not only_reads(current_unit()):
        return _served(str(caller()))  # rendered afresh, as kept() says
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
