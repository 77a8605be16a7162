"""Every page passes axe-core's WCAG 2.1 AA checks in each language the diary speaks.

Apart from test_accessibility.py (the light modes), so that `make test`'s two processes
share the two halves of these checks instead of one doing both.
"""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import (
    PHONE,
    context_with_axe,
    diary_user,
    set_language,
    violations_on_every_page,
)

__all__ = ["diary_user"]  # the fixture, imported: this module sets its own user up


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_every_page_in_every_language_has_no_wcag_aa_violations(
    browser, live_server, diary_user, language
):
    # Longer words, another <html lang>: the same checks in each language the diary speaks.
    name, ids = diary_user
    set_language(live_server, name, language)
    context = context_with_axe(browser, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, name)
        assert page.evaluate("document.documentElement.lang") == language
        assert violations_on_every_page(page, live_server, ids) == {}
    finally:
        set_language(live_server, name, None)
        context.close()
