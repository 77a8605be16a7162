"""Fixtures: an app on a fresh SQLite file, a client, a CLI runner, and signed-in users."""

import csv
import io
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import click
import pytest
from flask import has_request_context
from flask_migrate import check, upgrade
from hypothesis import settings
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from werkzeug.routing import Rule

from diary import create_app
from diary.extensions import db
from diary.models import User
from diary.services.accounts import create_user
from diary.services.writes import in_service
from diary.transfer import export_chunks
from tests.browserless import Visitor
from tests.server import DiaryServer, serve_household

PASSWORD = "correct horse battery"
# One round of PBKDF2 instead of scrypt: each test makes accounts and signs in, and two
# scrypt hashes cost most of a test's time. test_security checks the diary itself uses scrypt.
FAST_PASSWORD_HASH = "pbkdf2:sha256:1"


# `make test-postgres` sets this: the app fixture then runs on a real PostgreSQL server.
POSTGRES_URL = os.environ.get("DIARY_TEST_DATABASE_URL")

# On CI (CI=true, which .ci/run sets) Hypothesis tries the same examples on every run, so
# that a red build is a change's doing and runs red again; elsewhere it keeps trying new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run, so that each test's new app reuses them.

    Every app compiles its templates the same way (create_app sets up Jinja alike), and
    a template whose source changed has a new checksum, so it is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[tuple[str, str], CodeType | None] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.code.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key, bucket.checksum] = bucket.code


TEMPLATE_CODE = SharedTemplateCode()

_compile_url_builder = Rule._compile_builder
URL_BUILDERS: dict[tuple, Callable] = {}


def _shared_url_builder(rule: Rule, append_unknown: bool = True) -> Callable:
    """Return the URL builder of a rule like one an earlier app compiled, else compile it.

    Werkzeug writes and compiles a Python function for each of the about 100 URL rules of every new
    app, most of what create_app() costs. The function depends only on the rule's text, its
    defaults and whether it appends unknown arguments; it takes the rule as its first
    argument (Rule.compile binds it), so one function serves the same rule of every test's
    app.
    """
    key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())))
    key += (append_unknown,)
    if key not in URL_BUILDERS:
        URL_BUILDERS[key] = _compile_url_builder(rule, append_unknown)
    return URL_BUILDERS[key]


def build_app(database, **config):
    """Create a test app on a SQLite file (a Path) or a database URL (a str)."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            # Most tests post forms directly; test_security checks CSRF with it switched on.
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
        }
        | config
    )
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


# Fixtures that start `diary serve`; a test that starts it some other way is marked by hand.
SERVING_FIXTURES = frozenset({"served", "household", "live_server"})


# The files whose tests take longest, longest first (about 10 to 60 s each on the 2-core
# machine). `make test` hands whole files to its two processes in the order collected
# (`--no-loadscope-reorder` in pyproject.toml: xdist would otherwise hand out the files with
# the most tests first, which left these few-test files to the end, one process working
# through them while the other had nothing left). Long files first, short ones last, the two
# processes end within seconds of each other.
SLOWEST_FILES = (
    "browser/test_accessibility.py",
    "test_write_phases.py",
    "test_import_scale.py",
    "browser/test_usability.py",
    "test_report_pdf.py",
    "browser/test_newcomer_layout.py",
    "test_hostile_files.py",
    "test_spreadsheets.py",
    "test_export_memory.py",
    "test_restore_live.py",
    "test_reverse_proxy.py",
    "browser/test_attacks.py",
    "test_heavy_work.py",
    "browser/test_charts.py",
    "browser/test_phone.py",
    "browser/test_check_in.py",
    "browser/test_newcomer.py",
    "test_shares.py",
    "test_extreme_dates.py",
    "test_spreadsheet_locales.py",
    "test_import_lock.py",
)
TESTS = Path(__file__).parent


def _slowness_rank(item) -> int:
    """Return where item's file stands among the slowest files; after them all if not one."""
    name = item.path.relative_to(TESTS).as_posix()
    return SLOWEST_FILES.index(name) if name in SLOWEST_FILES else len(SLOWEST_FILES)


def pytest_collection_modifyitems(items) -> None:
    """Mark the tests that use `diary serve` (on its own SQLite file, whatever the rerun says),
    and put the slowest files first, each file's tests in their order."""
    for item in items:
        if SERVING_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.diary_serve)
    items.sort(key=_slowness_rank)


@pytest.fixture(autouse=True, scope="session")
def url_builders_compiled_once():
    """Give each test's app the URL builders compiled for the first one (see above)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", _shared_url_builder)
        yield


@pytest.fixture(autouse=True, scope="session")
def fast_password_hash_for_served_diaries():
    """Make `diary serve` and create_app() without test settings hash the tests' way too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIARY_PASSWORD_HASH_METHOD", FAST_PASSWORD_HASH)
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Build an empty SQLite database with the real migrations once; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "diary.sqlite3"
    app = build_app(path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema():
    """Migrate the PostgreSQL test database from nothing, once per run."""
    app = build_app(POSTGRES_URL)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        check()  # no drift between the models and the migrations on PostgreSQL either
        db.engine.dispose()
    return POSTGRES_URL


class WriteOutsideService(AssertionError):
    """A request or a command changed a row without going through a service function."""


def _only_services_write(session, _context, _instances):
    """Fail a flush of changes made in a request or a command outside any service function.

    Services flush what they change before they return, so whatever a flush finds
    pending outside a service was written by a view, a command or an import itself.
    Test set-up code (no request, no command) may still write rows directly.
    """
    if not (session.new or session.dirty or session.deleted) or in_service.get():
        return
    if _in_request_or_command():
        changed = [*session.new, *session.dirty, *session.deleted]
        raise WriteOutsideService(f"written outside a service: {changed}")


def _only_services_run_dml(_connection, statement, *_args):
    """Fail an INSERT, UPDATE or DELETE statement run in a request or a command outside a service.

    Core statements (update(), delete(), a bulk insert) never flush, so the flush check
    above cannot see them; this sees every statement the engine runs, ORM ones included.
    """
    if isinstance(statement, UpdateBase) and not in_service.get() and _in_request_or_command():
        raise WriteOutsideService(f"run outside a service: {statement}")


def _in_request_or_command() -> bool:
    return has_request_context() or click.get_current_context(silent=True) is not None


@pytest.fixture(autouse=True, scope="session")
def writes_only_through_services():
    """Prove, in every test, that no model is written outside the services."""
    event.listen(Session, "before_flush", _only_services_write)
    event.listen(Engine, "before_execute", _only_services_run_dml)
    yield
    event.remove(Session, "before_flush", _only_services_write)
    event.remove(Engine, "before_execute", _only_services_run_dml)


@pytest.fixture
def app(request, tmp_path, monkeypatch, sqlite_template):
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(tmp_path / "instance"))
    if POSTGRES_URL:
        url = request.getfixturevalue("postgres_schema")
        app = build_app(url)
        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    else:
        database = tmp_path / "diary.sqlite3"
        shutil.copy(sqlite_template, database)
        app = build_app(database)
    yield app
    with app.app_context():
        db.engine.dispose()


def _serving(tmp_path, monkeypatch, names: tuple[str, ...]):
    """Yield `diary serve` on a new instance with these accounts (the first is the admin)."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    server = serve_household(instance, names, PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """`diary serve` on a new instance where alice (the admin) has an account."""
    yield from _serving(tmp_path, monkeypatch, ("alice",))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(app, name: str, **kwargs):
    """Create an account and return its id."""
    with app.app_context():
        user = create_user(name, PASSWORD, **kwargs)
        user.timezone = "Europe/London"
        db.session.commit()
        return user.id


def sign_in(client, name: str, password: str = PASSWORD, remember: bool = False):
    data = {"username": name, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


@pytest.fixture
def alice(app, client):
    """The household's first account (admin), signed in on `client`."""
    user_id = make_user(app, "alice")
    sign_in(client, "alice")
    return user_id


@pytest.fixture
def bob(app):
    """A second household member, not signed in anywhere."""
    return make_user(app, "bob")


@pytest.fixture
def household(tmp_path, monkeypatch):
    """`diary serve` on a fresh instance with alice (the admin) and bob."""
    yield from _serving(tmp_path, monkeypatch, ("alice", "bob"))


def instance_of_alice(instance: Path, database: Path, monkeypatch) -> None:
    """Make an instance whose database (a copy of the migrated one) has an account, alice.

    Made in this process, for tests that measure a `diary` command on it: starting a `diary
    user create` for it took about a CPU-second.
    """
    instance.mkdir()
    shutil.copy(database, instance / "diary.sqlite3")
    monkeypatch.setenv("DIARY_INSTANCE_PATH", str(instance))
    app = build_app(instance / "diary.sqlite3")
    make_user(app, "alice")
    with app.app_context():
        db.engine.dispose()


def visitor_signed_in(server: DiaryServer, name: str) -> Visitor:
    """Return a browser-like client of a served diary, signed in as name."""
    visitor = Visitor(server.url)
    status, _, _ = visitor.post_form("/login", {"username": name, "password": PASSWORD})
    assert status == 302
    return visitor


def export_text(user, name: str, span=None) -> str:
    """Return one exported file whole, as a download delivers it."""
    return "".join(export_chunks(user, name, span))


def quote_all(text: str) -> str:
    """Return CSV text with every cell in double quotes, as the diary writes its files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows(csv.reader(io.StringIO(text, newline="")))
    return out.getvalue()


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def user_row(user_id: int) -> User:
    """Return the User row (call inside an app context)."""
    return db.session.get(User, user_id)


sqlite_only = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="checks the SQLite file itself; PostgreSQL has pg_dump"
)
one_write_lock = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="SQLite's one write lock for the database; PostgreSQL locks rows"
)
