"""Reading pages answer while another writer holds the database: a touch never fails a page.

A sign-in's "last seen" time, an API token's "last used" time and a shared link's view
count are written by reading pages. Another connection holding SQLite's write lock (an
import, a restore, a second server thread) must not turn those pages into errors.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select, update

from diary.clock import utcnow
from diary.extensions import db
from diary.models import ApiToken, LoginSession, ShareLink
from tests.conftest import one_write_lock
from tests.test_api import token_for
from tests.test_shares import FIRST, LAST, fill, make_link

pytestmark = one_write_lock


@contextmanager
def another_writer(app) -> Iterator[None]:
    """Hold the write lock from a second connection to the same file, as another writer does."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE user SET low_light = low_light")
        yield
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def seen_long_ago(app) -> None:
    """Make every sign-in's touch due, as after 10 minutes without a page."""
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()


def last_seen(app):
    with app.app_context():
        return db.session.scalar(select(LoginSession.last_seen_at))


def test_pages_answer_while_the_sign_in_touch_meets_a_busy_database(app, client, alice):
    seen_long_ago(app)
    before = last_seen(app)
    with another_writer(app):
        for path in ("/", "/readings", "/trends", "/", "/readings"):
            assert client.get(path).status_code == 200, path
    assert last_seen(app) == before  # the touch was left out, not the page
    assert client.get("/").status_code == 200
    assert last_seen(app) > before  # with the lock free, the next page records it


def test_shared_views_answer_while_the_count_meets_a_busy_database(app, client, alice, bob):
    ids = fill(app, alice, "alice's")
    _, path = make_link(client, [ids["chosen"]])
    visitor = app.test_client()
    with another_writer(app):
        for _ in range(20):
            assert visitor.get(path).status_code == 200
        pdf = visitor.get(path + "/report.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert visitor.get(path).status_code == 200
    with app.app_context():
        share = db.session.scalar(select(ShareLink))
        assert (share.first_day, share.last_day) == (FIRST, LAST)
        assert share.views == 1  # the views met by the busy database went uncounted


def test_api_reads_answer_while_the_token_touch_meets_a_busy_database(app, client, alice):
    auth = token_for(app, alice)
    with another_writer(app):
        response = client.get("/api/v1/readings", headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get("/api/v1/readings", headers=auth).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None
