"""Behind a real nginx or Caddy with TLS, configured as docs/security.md says.

Each client connects to the proxy from its own loopback address (127.0.0.2, 127.0.0.3 …),
so the diary must take the client's address, scheme, host and port from the proxy's
X-Forwarded-* headers, and only from the proxy.
"""

import re

import pytest

from tests.browserless import Visitor
from tests.conftest import PASSWORD
from tests.proxies import ReverseProxy
from tests.server import serve_household

pytestmark = pytest.mark.diary_serve

WRONG = {"username": "mallory", "password": "not the password"}


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def proxied(request, tmp_path_factory):
    """`diary serve` with DIARY_PROXY_COUNT=1 behind a real proxy; return (proxy, server).

    One of each for the module's tests: each test comes from its own loopback addresses, so
    no test meets another's sign-in throttle.
    """
    folder = tmp_path_factory.mktemp(request.param)
    instance = folder / "instance"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIARY_INSTANCE_PATH", str(instance))
        server = serve_household(
            instance, ("alice",), PASSWORD, DIARY_PROXY_COUNT="1", DIARY_SECURE_COOKIES="true"
        )
    proxy = ReverseProxy(request.param, folder / request.param, server.port).start()
    yield proxy, server
    proxy.stop()
    server.stop()


def sign_in(visitor: Visitor, fields: dict) -> int:
    status, _, _ = visitor.post_form("/login", fields)
    return status


def test_one_address_that_guesses_passwords_locks_out_only_itself(proxied):
    proxy, _ = proxied
    guesser = Visitor(proxy.url, source="127.0.0.2")
    assert [sign_in(guesser, WRONG) for _ in range(5)] == [200] * 5
    assert sign_in(guesser, WRONG) == 429
    # A forged X-Forwarded-For does not get the guesser a fresh bucket: the proxy's own
    # entry, the last one, is the only one trusted.
    forged = {"X-Forwarded-For": "198.51.100.7"}
    assert guesser.post_form("/login", WRONG, headers=forged)[0] == 429

    owner = Visitor(proxy.url, source="127.0.0.3")
    assert sign_in(owner, {"username": "alice", "password": PASSWORD}) == 302


def test_https_through_the_proxy_gets_hsts_secure_cookies_and_https_links(proxied):
    proxy, _ = proxied
    owner = Visitor(proxy.url, source="127.0.0.5")
    status, headers, _ = owner.post_form(
        "/login", {"username": "alice", "password": PASSWORD, "remember": "y"}
    )
    assert status == 302
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert owner.last_set_cookies and all("Secure" in c for c in owner.last_set_cookies)
    # The redirect and the calendar address keep the scheme, host and port the browser used.
    assert headers["Location"] in ("/", f"{proxy.url}/")
    _, _, page = owner.post_form("/reminders/feed/new", {}, token_from="/reminders")
    feed = re.search(r"(https?://[^\s\"<]+/calendar/[^\s\"<]+)", page)
    assert feed, page
    assert feed.group(1).startswith(f"https://localhost:{proxy.port}/")


def test_forwarded_headers_from_anyone_but_the_proxy_are_ignored(proxied):
    _, server = proxied
    # A client on the LAN that reaches waitress directly and claims to be behind HTTPS.
    direct = Visitor(server.url, source="127.0.0.4")
    status, headers, _ = direct.get(
        "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.3"}
    )
    assert status == 200
    assert "Strict-Transport-Security" not in headers
