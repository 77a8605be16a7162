"""CSRF on every form, and nothing served to signed-out visitors."""

import gzip
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from diary import create_app, sessions
from diary.clock import utcnow
from diary.extensions import db
from diary.models import ApiToken, Reading
from tests.browserless import Visitor
from tests.conftest import PASSWORD, build_app, csrf_token, make_user, sign_in
from tests.server import serve_household


@pytest.fixture
def csrf_app(tmp_path, monkeypatch, sqlite_template):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    return build_app(tmp_path / "diary.sqlite3", WTF_CSRF_ENABLED=True)


def concrete(rule: str) -> str:
    """Turn a URL rule into a path that matches it: ids become 1, any() its first choice."""
    rule = re.sub(r"<int:\w+>", "1", rule)
    rule = re.sub(r"<any\(\"?([^,)\"]+)[^>]*>", r"\1", rule)
    return re.sub(r"<\w+>", "x", rule)


def post_rules(app):
    return sorted(
        concrete(rule.rule) for rule in app.url_map.iter_rules() if "POST" in rule.methods
    )


def test_every_post_without_a_csrf_token_is_refused(csrf_app):
    make_user(csrf_app, "alice")
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(login_page)},
    )
    assert client.get("/").status_code == 200
    rules = post_rules(csrf_app)
    assert "/readings/quick" in rules and "/import" in rules
    for rule in rules:
        response = client.post(rule, data={"pain": "5"})
        if rule.startswith("/api/"):
            # The API takes no cookies: without its bearer token the session does not count.
            assert response.status_code == 401, rule
            continue
        assert response.status_code == 400, rule
        assert b"The form had expired" in response.data
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_quick_log_with_the_pages_token_is_saved(csrf_app):
    make_user(csrf_app, "alice")
    client = csrf_app.test_client()
    client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/login").get_data(as_text=True)),
        },
    )
    home = client.get("/").get_data(as_text=True)
    response = client.post("/readings/quick", data={"pain": "4", "csrf_token": csrf_token(home)})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(Reading.pain)) == 4


def test_signed_out_visitors_are_sent_to_sign_in(app):
    make_user(app, "alice")
    client = app.test_client()
    for path in ["/", "/readings", "/readings/new", "/export", "/account", "/household/"]:
        assert client.get(path).location.startswith("/login"), path
    assert client.post("/readings/quick", data={"pain": "3"}).location.startswith("/login")


def test_session_cookie_is_httponly_and_samesite(app, client):
    make_user(app, "alice")
    sign_in(client, "alice")
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_security_headers_on_every_kind_of_response(app, client, alice):
    for path in ["/", "/login", "/static/css/app.css", "/nope", "/api/v1/readings", "/healthz"]:
        response = client.get(path)
        headers = response.headers
        response.close()
        csp = headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_handlers():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    for path in templates.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "style=" not in html, path


def sign_in_from(app, address: str, username: str, password: str) -> int:
    """Post the sign-in form from a new browser at one client address; return the status."""
    response = app.test_client().post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def test_a_sixth_wrong_password_from_one_address_is_throttled(app):
    make_user(app, "alice")
    client = app.test_client()
    assert [sign_in_from(app, "10.0.0.1", "alice", "wrong") for _ in range(5)] == [200] * 5
    response = client.post(
        "/login",
        data={"username": "alice", "password": "wrong"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The address is held back whatever it tries; the owner elsewhere is not.
    assert sign_in_from(app, "10.0.0.1", "alice", PASSWORD) == 429
    assert sign_in_from(app, "10.0.0.2", "alice", PASSWORD) == 302


def test_bob_signs_in_after_five_failures_from_other_addresses(app):
    make_user(app, "bob")
    for n in range(5):
        assert sign_in_from(app, f"10.0.0.{n}", "bob", "wrong") == 200
    # Bob, from an address that has not guessed wrong, gets in...
    assert sign_in_from(app, "10.0.0.99", "BOB", PASSWORD) == 302
    # ...while an address that has already guessed at bob gets no second try this minute.
    assert sign_in_from(app, "10.0.0.3", "bob", "another guess") == 429


def test_successful_sign_ins_are_never_counted(app):
    make_user(app, "alice")
    assert [sign_in_from(app, "10.0.0.1", "alice", PASSWORD) for _ in range(8)] == [302] * 8


def test_the_current_password_check_of_a_password_change_is_throttled(app, client, alice):
    def change(current: str):
        new = "a new long password"
        return client.post(
            "/account/password", data={"current": current, "new": new, "confirm": new}
        )

    assert [change(f"guess {n}").status_code for n in range(5)] == [422] * 5
    sixth = change(PASSWORD)
    assert sixth.status_code == 429
    assert "Retry-After" in sixth.headers
    # The right password was not even checked: it is still the old one.
    assert sign_in(app.test_client(), "alice").location == "/"


def test_secure_cookies_and_hsts_over_https_when_configured(tmp_path, monkeypatch, sqlite_template):
    # Behind a real proxy this is tested in test_reverse_proxy.py; here the request is HTTPS.
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    shutil.copy(sqlite_template, tmp_path / "diary.sqlite3")
    app = build_app(tmp_path / "diary.sqlite3", SECURE_COOKIES=True)
    make_user(app, "alice")
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies), cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_passwords_are_hashed_with_scrypt_and_never_stored_plain(
    tmp_path, monkeypatch, sqlite_template
):
    """As installed: the settings `diary serve` reads, not the suite's cheaper hash."""
    from diary.models import User

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copy(sqlite_template, instance / "diary.sqlite3")
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DIARY_PASSWORD_HASH_METHOD")
    app = create_app()
    make_user(app, "alice")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
        db.engine.dispose()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_a_username_that_looks_like_an_address_does_not_lock_out_that_address(app, client):
    make_user(app, "alice")
    # Five wrong passwords for the username "127.0.0.11", each from a different address...
    for n in range(5):
        client.post(
            "/login",
            data={"username": "127.0.0.11", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.2.{n}"},
        )
    # ...fill that username's bucket, not the bucket of the address 127.0.0.11.
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "127.0.0.11"},
    )
    assert response.status_code == 302


def test_api_tokens_expire_after_a_year_unless_chosen_otherwise(app, client, runner, alice):
    page = client.post("/account/tokens", data={"name": "Phone"}).get_data(as_text=True)
    secret = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', page).group(1)
    headers = {"Authorization": f"Bearer {secret}"}
    in_a_year = (utcnow() + timedelta(days=365)).date()
    assert f"expires {in_a_year:%d %b %Y}" in page
    assert client.get("/api/v1/readings", headers=headers).status_code == 200

    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    response = client.get("/api/v1/readings", headers=headers)
    assert response.status_code == 401
    expired_on = (utcnow() - timedelta(minutes=1)).date().isoformat()
    assert response.get_json()["error"]["message"] == (
        f"This API token expired on {expired_on} (UTC): make a new one in Settings."
    )
    assert "expired " in client.get("/account").get_data(as_text=True)


def test_the_cli_says_when_a_token_expires(app, runner, alice):
    made = runner.invoke(args=["token", "create", "--user", "alice", "--days", "30"])
    assert made.exit_code == 0
    assert made.stdout.strip().startswith("hd_")  # the token alone, for scripts
    in_30_days = (utcnow() + timedelta(days=30)).date().isoformat()
    assert made.stderr.startswith(f"Expires {in_30_days} ") and made.stderr.endswith(" UTC.\n")
    forever = runner.invoke(args=["token", "create", "--user", "alice", "--days", "0"])
    assert forever.stderr == "Works until revoked.\n"
    listing = runner.invoke(args=["token", "list", "--user", "alice"]).stdout.splitlines()
    assert f"\texpires {in_30_days} " in listing[0] and listing[0].endswith(" UTC")
    assert listing[1].endswith("\tworks until revoked")


def test_no_compressed_page_reflects_its_address_next_to_the_csrf_token(app, client, alice):
    """BREACH: text an attacker puts in a link must not be compressed with the token."""
    marker = "zqxbreachzqx"
    downloads = (".pdf", ".ics", ".json", "<name>", "<path:filename>", "/sw.js", "/api/")
    rules = [
        concrete(rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not any(part in rule.rule for part in downloads)
    ]
    checked = 0
    for path in rules:
        response = client.get(
            f"{path}?next=/{marker}&q={marker}&page={marker}&range={marker}",
            headers={"Accept-Encoding": "gzip"},
        )
        if response.headers.get("Content-Encoding") != "gzip":
            continue
        page = gzip.decompress(response.data).decode()
        if 'name="csrf_token"' in page:
            assert marker not in page, path
            checked += 1
    assert checked > 15


@pytest.mark.diary_serve
def test_a_guesser_stays_throttled_when_the_server_restarts(tmp_path, monkeypatch):
    """The counts live in the instance folder, shared by processes, not in one's memory."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    server = serve_household(instance, ("alice",), PASSWORD)
    guess = {"username": "alice", "password": "a wrong guess"}
    try:
        guesser = Visitor(server.url, source="127.0.0.5")
        assert [guesser.post_form("/login", guess)[0] for _ in range(5)] == [200] * 5
        server.stop()
        server.start()
        assert guesser.post_form("/login", guess)[0] == 429
    finally:
        server.stop()


def peak_memory_since_reset_kb() -> int:
    """Return the most memory this process has held since reset_peak_memory(), in kB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def reset_peak_memory() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from what is held now


def test_sign_ins_at_once_hash_two_passwords_at_a_time(app):
    """scrypt takes 32 MiB per hash: six sign-ins at once would hold 192 MiB, two hold 64."""
    app.config.update(PASSWORD_HASH_METHOD="scrypt", LOGIN_RATE_LIMIT="100 per minute")
    make_user(app, "alice")
    visitors = [app.test_client() for _ in range(6)]
    assert sign_in(visitors[0], "alice", "warm up").status_code == 200
    start = threading.Barrier(len(visitors))

    def guess(visitor) -> int:
        start.wait()
        return sign_in(visitor, "alice", "wrong").status_code

    reset_peak_memory()
    before = peak_memory_since_reset_kb()
    with ThreadPoolExecutor(len(visitors)) as pool:
        assert list(pool.map(guess, visitors)) == [200] * len(visitors)
    grown = peak_memory_since_reset_kb() - before
    assert grown < 100 * 1024, f"{grown} kB more at the peak"


def test_the_health_check_and_static_files_never_read_the_session_cookie(
    app, client, alice, monkeypatch
):
    """A monitor's poll costs no signature check, whatever cookie comes with it."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the session cookie was read")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", refuse)
    for path in ("/healthz", "/static/css/app.css"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    with pytest.raises(AssertionError, match="session cookie was read"):
        client.get("/more")


def test_a_session_cookie_read_before_still_ends_with_its_lifetime_and_its_signature(
    app, client, alice, monkeypatch
):
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200  # its signature is checked once here
    # One character of what it signs changed: the cookie opens nothing.
    forged = app.test_client()
    forged.set_cookie("session", cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:])
    assert forged.get("/").location.startswith("/login")
    # A day past the session's lifetime, the same cookie opens nothing either.
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 86400
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: later))
    assert client.get("/").location.startswith("/login")
