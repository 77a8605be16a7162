"""Share links: exactly the chosen range and treatments, for a limited time, for no one else."""

import html
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from diary.clock import utcnow
from diary.extensions import db
from diary.models import ShareLink
from diary.services import shares
from diary.services.medications import add_dose
from diary.services.readings import add_reading
from diary.services.side_effects import add_report
from diary.services.treatments import add_treatment
from diary.transfer.account_json import account_chunks, import_account
from tests.conftest import PASSWORD, make_user, sign_in, user_row

FIRST, LAST = date(2024, 3, 1), date(2024, 3, 31)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


def fill(app, user_id, note: str) -> dict[str, int]:
    """Give a user entries inside March 2024 and one day either side, and two treatments."""
    with app.app_context():
        user = user_row(user_id)
        chosen = add_treatment(
            user,
            kind="ketamine_iv_inpatient",
            started_on=date(2024, 3, 10),
            ended_on=date(2024, 3, 14),
        )
        other = add_treatment(
            user, kind="nerve_block", started_on=date(2024, 3, 20), ended_on=date(2024, 3, 20)
        )
        for day, label in (
            (FIRST - timedelta(days=1), "before"),
            (FIRST, "first"),
            (LAST, "last"),
            (LAST + timedelta(days=1), "after"),
        ):
            add_reading(user, recorded_at=at(day), pain=5, note=f"{note} {label}")
        add_report(user, recorded_at=at(date(2024, 3, 12), 20), effect="nausea", severity="mild")
        add_dose(
            user,
            taken_at=at(date(2024, 3, 15)),
            name="sumatriptan",
            dose="50 mg",
            med_class="triptan",
        )
        db.session.commit()
        return {"chosen": chosen.id, "other": other.id}


def make_link(client, ids, days="30", first=FIRST, last=LAST):
    page = client.post(
        "/shares",
        data={"from": first.isoformat(), "to": last.isoformat(), "treatment": ids, "days": days},
    )
    found = re.search(
        r'id="share-url" type="text" readonly value="([^"]+)"', page.get_data(as_text=True)
    )
    return page, (found.group(1).removeprefix("http://localhost") if found else None)


@pytest.fixture
def shared(app, client, alice, bob):
    """Alice shares March 2024 with one of her two treatments; Bob has entries too."""
    ids = fill(app, alice, "alice's")
    fill(app, bob, "bob's")
    page, path = make_link(client, [ids["chosen"]])
    assert page.status_code == 200 and path.startswith("/s/")
    return path


def test_the_link_is_shown_once_with_a_qr_code_and_listed(app, client, shared):
    listing = client.get("/shares").get_data(as_text=True)
    assert shared not in listing  # shown once, when made; only its hash is kept
    assert "01 Mar 2024 – 31 Mar 2024; 1 treatment" in listing and "0 times" in listing
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert link.token_hash == shares.digest(shared.removeprefix("/s/"))
        assert len(shared.removeprefix("/s/")) >= 43  # 32 random bytes, base64


def test_the_shared_page_shows_exactly_the_chosen_range_and_treatment(app, client, shared):
    visitor = app.test_client()
    page = visitor.get(shared)
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Shared by the patient, alice" in text and "01 Mar 2024 – 31 Mar 2024" in text
    assert "alice's first" in text and "alice's last" in text
    assert "alice's before" not in text and "alice's after" not in text
    assert "Side effect: Nausea, mild" in text and "sumatriptan 50 mg" in text
    assert "Ketamine IV infusion (inpatient admission)" in text
    assert "Nerve block" not in text and "2024-03-20" not in text
    assert "bob" not in text
    # Nothing leads into the diary, and there is nothing to submit.
    assert "<form" not in text and "<nav" not in text and "/login" not in text


def test_the_shared_page_is_private_uncached_and_sets_no_cookie(app, client, shared):
    for visitor in (app.test_client(), client):  # a stranger, and alice's own signed-in browser
        response = visitor.get(shared)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Robots-Tag"].startswith("noindex")
        assert "Set-Cookie" not in response.headers


def test_unknown_revoked_and_expired_links_answer_the_same_404(app, client, shared, monkeypatch):
    visitor = app.test_client()
    unknown = visitor.get("/s/" + "A" * 43)
    with app.app_context():
        other = db.session.scalar(select(ShareLink))
        other_id = other.id
    _, second = make_link(client, [])
    done = client.post(f"/shares/{other_id}/revoke", follow_redirects=True)
    assert "The link is revoked" in done.get_data(as_text=True)
    assert "revoked " in done.get_data(as_text=True)  # the list says since when
    revoked = visitor.get(shared)
    assert visitor.get(second).status_code == 200
    # Move the clock on 31 days: the 30-day link has expired.
    later = utcnow() + timedelta(days=31)
    monkeypatch.setattr(shares, "utcnow", lambda: later)
    expired = visitor.get(second)
    for answer in (unknown, revoked, expired):
        assert answer.status_code == 404
        assert answer.get_data() == unknown.get_data()
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in answer.headers


def test_views_are_counted_without_keeping_who_looked(app, client, shared):
    visitor = app.test_client()
    visitor.get(shared)
    visitor.get(shared + "/report.pdf")
    visitor.get("/s/" + "B" * 43)  # not a link: counts nothing
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert link.views == 2 and link.last_viewed_at is not None
    assert "2 times, last" in client.get("/shares").get_data(as_text=True)


def test_opening_shared_links_is_rate_limited_per_address(app, shared):
    visitor = app.test_client()
    answers = [visitor.get("/s/" + "C" * 43).status_code for _ in range(31)]
    assert answers[:30] == [404] * 30 and answers[30] == 429


def test_the_shared_pdf_shows_the_range_and_its_entries(app, shared):
    response = app.test_client().get(shared + "/report.pdf?paper=letter")
    assert response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "alice · headache diary report · 01 Mar 2024 – 31 Mar 2024" in text
    assert "alice's first" in text and "alice's after" not in text and "Nerve block" not in text


def test_another_users_link_never_shows_this_users_data(app, client, shared):
    other = app.test_client()
    sign_in(other, "bob")
    _, bobs = make_link(other, [])
    text = html.unescape(app.test_client().get(bobs).get_data(as_text=True))
    assert "bob's first" in text and "alice" not in text
    # Bob cannot revoke Alice's link.
    with app.app_context():
        alices = db.session.scalar(select(ShareLink).where(ShareLink.user_id == 1))
    assert other.post(f"/shares/{alices.id}/revoke").status_code == 404
    assert app.test_client().get(shared).status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": "0"}, "Days the link works must be from 1 to 90, not 0."),
        ({"days": "91"}, "Days the link works must be from 1 to 90, not 91."),
        ({"days": "a week"}, "Days the link works must be a whole number from 1 to 90"),
        ({"to": "2024-02-01"}, "The range ends before it starts."),
        ({"from": "2024-02-30"}, "From '2024-02-30' is not a real date."),
        ({"treatment": ["999"]}, "That treatment is not in your diary."),
    ],
)
def test_a_bad_link_request_says_why_and_makes_nothing(app, client, alice, fields, message):
    data = {"from": "2024-03-01", "to": "2024-03-31", "treatment": [], "days": "30"} | fields
    page = client.post("/shares", data=data)
    assert page.status_code == 422
    assert message in html.unescape(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareLink.id))) == 0


def test_the_command_line_makes_lists_and_revokes_links(app, runner, alice, monkeypatch):
    fill(app, alice, "alice's")
    app.config["BASE_URL"] = "https://diary.example.org/"
    made = runner.invoke(
        args=[
            "share",
            "create",
            "--user",
            "alice",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--days",
            "7",
        ]
    )
    assert made.exit_code == 0, made.output
    path, url = made.output.splitlines()
    assert path.startswith("/s/") and url == "https://diary.example.org" + path
    assert app.test_client().get(path).status_code == 200
    listed = json.loads(runner.invoke(args=["share", "list", "--user", "alice", "--json"]).output)
    assert list(listed[0]) == [
        "id",
        "created_at",
        "expires_on",
        "first_day",
        "last_day",
        "views",
        "last_viewed_at",
        "revoked",
    ]
    assert listed[0]["views"] == 1 and listed[0]["first_day"] == "2024-03-01"
    assert listed[0]["revoked"] is False
    revoked = runner.invoke(args=["share", "revoke", "--user", "alice", str(listed[0]["id"])])
    assert revoked.exit_code == 0
    assert app.test_client().get(path).status_code == 404
    bad = runner.invoke(args=["share", "create", "--user", "alice", "--days", "0"])
    assert bad.exit_code == 1 and "Days the link works must be from 1 to 90, not 0." in bad.output


def test_a_link_made_on_the_command_line_shows_a_treatment_still_running_or_acting(
    app, runner, alice
):
    with app.app_context():
        user = user_row(alice)
        running = add_treatment(user, kind="nerve_block", started_on=date(2024, 2, 1))
        acting = add_treatment(
            user, kind="other", started_on=date(2024, 1, 5), ended_on=date(2024, 1, 5)
        )
        long_over = add_treatment(
            user, kind="nerve_block", started_on=date(2023, 6, 1), ended_on=date(2023, 6, 1)
        )
        db.session.commit()
        ids = running.id, acting.id, long_over.id
    made = runner.invoke(
        args=["share", "create", "--user", "alice", "--from", "2024-03-01", "--to", "2024-03-31"]
    )
    assert made.exit_code == 0, made.output
    with app.app_context():
        link = db.session.scalars(select(ShareLink)).one()
        # Started before the range and not ended, or ended within 84 days of it: the report
        # page's own choice; one over long before is not.
        assert sorted(link.treatments) == sorted(ids[:2])


def test_a_restored_backup_keeps_links_only_as_revoked_records(app, client, shared):
    carol = make_user(app, "carol")
    with app.app_context():
        backup = json.loads("".join(account_chunks(user_row(1))))
        assert backup["shares"][0]["revoked"] is True and "token_hash" not in backup["shares"][0]
        fresh = user_row(carol)
        counts = import_account(fresh, backup)
        db.session.commit()
        assert counts["shared_links_kept_revoked"] == 1
        restored = db.session.scalar(select(ShareLink).where(ShareLink.user_id == fresh.id))
        assert restored.revoked_at is not None and not shares.is_live(restored)
    assert app.test_client().get(shared).status_code == 200  # the original is untouched


def ketamine_then_nerve_block(app, user_id) -> dict[str, int]:
    """An outpatient ketamine session, relief at 3 from 7, a nerve block 30 days later."""
    session_day = date(2024, 2, 1)
    with app.app_context():
        user = user_row(user_id)
        for n in range(1, 29):
            add_reading(user, recorded_at=at(session_day - timedelta(days=n)), pain=7)
        ketamine = add_treatment(
            user, kind="ketamine_iv_outpatient", started_on=session_day, ended_on=session_day
        )
        block = add_treatment(user, kind="nerve_block", started_on=session_day + timedelta(days=30))
        block.ended_on = block.started_on
        for n in range(1, 60):
            add_reading(user, recorded_at=at(session_day + timedelta(days=n)), pain=3)
        db.session.commit()
        return {"ketamine": ketamine.id, "block": block.id}


def figures_section(page: str, treatment_id: int) -> str:
    """Return the text of one treatment's section of a report page."""
    start = page.index(f'id="t{treatment_id}-heading"')
    return re.sub(r"<[^>]+>", " ", page[start : page.index("</section>", start)])


def test_a_shared_report_has_the_patient_s_own_figures_and_hides_only_the_name(app, client, alice):
    ids = ketamine_then_nerve_block(app, alice)
    span = {"from": "2024-01-01", "to": "2024-05-31"}
    own = html.unescape(
        client.get("/report", query_string=span | {"t": [ids["ketamine"], ids["block"]]}).text
    )
    _, path = make_link(client, [ids["ketamine"]], first=date(2024, 1, 1), last=date(2024, 5, 31))
    shared_page = html.unescape(app.test_client().get(path).text)
    mine = figures_section(own, ids["ketamine"])
    theirs = figures_section(shared_page, ids["ketamine"])
    # Relief stops the day before the nerve block, on both pages.
    # Weeks 1 to 4 end by day 29, the day before the block: all relieved (3 against 7).
    assert "4 weeks so far, still going when the next treatment started" in mine
    assert "relieved on 29 of 29 logged days" in mine
    assert "Nerve block from 02 Mar 2024" in mine
    assert "another treatment (not shared)" in theirs and "Nerve block" not in shared_page
    assert theirs == mine.replace("Nerve block from 02 Mar 2024", "another treatment (not shared)")


def test_the_share_form_says_which_dated_entries_a_treatment_brings_in(app, client, alice):
    ids = fill(app, alice, "alice's")
    page = html.unescape(
        client.get(f"/report?from=2024-03-01&to=2024-03-31&t={ids['chosen']}").text
    )
    form = page[
        page.index('id="share-heading"') : page.index("</form>", page.index('id="share-heading"'))
    ]
    for words in (
        "which can lie outside the range",
        # The baseline and, for a flare, the two 28-day periods before it.
        "the 84 days before it and the 84 days after it",
        "its admission and discharge pain readings, its PGIC answers",
        "MIDAS answers from 92 days before its start to 150 days after its end",
        "from its start to 14 days after its end",
    ):
        assert words in form


def signed_in_at(client, base_url: str) -> None:
    """Sign alice in on the address the browser uses (cookies belong to one host)."""
    data = {"username": "alice", "password": PASSWORD}
    assert client.post("/login", data=data, base_url=base_url).status_code == 302


def test_links_for_another_device_are_built_on_the_configured_public_address(app, client, alice):
    """The patient browses on 127.0.0.1; the link, its QR code and the calendar address do not."""
    app.config["BASE_URL"] = "https://diary.example.org/"
    on_this_computer = "http://127.0.0.1:5000"
    signed_in_at(client, on_this_computer)
    report = client.get("/report", base_url=on_this_computer).get_data(as_text=True)
    assert "data-only-nearby" not in report
    made = client.post(
        "/shares",
        data={"from": "2024-03-01", "to": "2024-03-31", "days": "7"},
        base_url=on_this_computer,
    ).get_data(as_text=True)
    link = re.search(r'id="share-url"[^>]*value="([^"]+)"', made).group(1)
    assert link.startswith("https://diary.example.org/s/")
    feed = client.post("/reminders/feed/new", base_url=on_this_computer).get_data(as_text=True)
    assert re.search(r'id="feed-url"[^>]*value="https://diary\.example\.org/calendar/', feed)
    # Behind the reverse proxy, on the public name, nothing needs saying either.
    del app.config["BASE_URL"]
    signed_in_at(client, "https://diary.example.org")
    public = client.get("/report", base_url="https://diary.example.org").get_data(as_text=True)
    assert "data-only-nearby" not in public


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:5000",
        "http://localhost:5000",
        "http://192.168.1.20:5000",
        "http://[fe80::1]:5000",
        "http://raspberrypi.local:5000",
    ],
)
def test_a_link_only_the_home_network_can_open_is_said_before_it_is_made(client, alice, base_url):
    signed_in_at(client, base_url)
    for page in ("/report", "/shares", "/reminders"):
        text = html.unescape(client.get(page, base_url=base_url).get_data(as_text=True))
        assert "This link will open only on your own network." in text, page
        assert "“Reachable from anywhere”" in text, page
    report = html.unescape(client.get("/report", base_url=base_url).get_data(as_text=True))
    assert "Give your specialist the PDF instead" in report
