"""Attacks and day marks in the pages: one tap each from home, the details form, the list,
the offline queue's endpoints, Settings and the trends page."""

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from diary.clock import local_now, local_today, start_of
from diary.extensions import db
from diary.models import Attack, DayMark, MedicationDose, OwnTrigger
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from diary.services.medications import add_dose
from tests.conftest import user_row


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def home(client) -> str:
    return client.get("/").get_data(as_text=True)


def start_key(page: str) -> str:
    """Return the idempotency key of home's "Headache started" form."""
    form = page[page.index('action="/attacks/start"') :]
    return re.search(r'name="client_key"[^>]*value="([0-9a-f]+)"', form).group(1)


def shown_form(page: str, action: str) -> str:
    """Return the opening tag of home's form that posts to action."""
    return re.search(rf'<form method="post" action="{action}"[^>]*>', page).group(0)


def test_an_attack_starts_and_stops_with_one_tap_each_and_shows_while_it_runs(app, client, alice):
    page = home(client)
    assert "hidden" not in shown_form(page, "/attacks/start")
    assert "hidden" in shown_form(page, "/attacks/stop")
    assert client.post("/attacks/start", data={"client_key": start_key(page)}).status_code == 302
    running = home(client)
    assert re.search(r"Headache since [^<]+, 0 min so far\.", running)
    assert "hidden" in shown_form(running, "/attacks/start")
    assert "hidden" not in shown_form(running, "/attacks/stop")
    # Pain logged during the attack is still one tap.
    assert 'aria-label="Log pain 6, moderate, now"' in running
    stopped = client.post("/attacks/stop")
    page = client.get(stopped.location).get_data(as_text=True)
    assert "The headache stopped after 0 min." in page
    assert 'href="/attacks/1/edit">Add details</a>' in page
    with app.app_context():
        attack = db.session.scalar(select(Attack))
        assert attack.ended_at is not None and attack.ended_at >= attack.started_at


def test_a_resent_start_stores_one_attack(app, client, alice):
    form = {"client_key": start_key(home(client))}
    client.post("/attacks/start", data=form)
    client.post("/attacks/start", data=form)
    assert count(app, Attack) == 1


def test_after_a_day_open_home_asks_whether_it_is_still_going(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        add_attack(user, started_at=local_now(user.timezone) - timedelta(hours=23))
        db.session.commit()
    assert "Is it still going?" not in home(client)
    with app.app_context():
        user = user_row(alice)
        db.session.scalar(select(Attack)).started_at -= timedelta(hours=2)
        db.session.commit()
    page = home(client)
    assert "It has been going for more than a day. Is it still going?" in page
    assert re.search(r"Headache since [^<]+, 1 d 1 h so far\.", page)


def test_no_headache_today_is_one_tap_and_a_second_tap_takes_it_back(app, client, alice):
    assert 'aria-pressed="false">No headache today' in home(client)
    client.post("/days/today", data={"mark": "headache_free", "value": "yes"})
    assert 'aria-pressed="true">No headache today' in home(client)
    with app.app_context():
        assert db.session.scalar(select(DayMark)).headache_free is True
    client.post("/days/today", data={"mark": "headache_free", "value": "no"})
    assert count(app, DayMark) == 0


def test_period_day_is_hidden_until_turned_on_in_settings(app, client, alice):
    assert "Period day" not in home(client)
    assert "Period" not in client.get("/").get_data(as_text=True)
    settings = {"timezone": "Europe/London", "day_rule": "leiden", "language": ""}
    client.post("/account", data=settings | {"period_tracking": "y"})
    assert 'aria-pressed="false">Period day' in home(client)
    client.post("/days/today", data={"mark": "period", "value": "yes"})
    assert 'aria-pressed="true">Period day' in home(client)
    client.post("/account", data=settings)
    assert "Period day" not in home(client)


def test_details_added_afterwards_keep_not_answered_apart_from_no(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        start = local_now(user.timezone) - timedelta(hours=3)
        attack = add_attack(user, started_at=start, ended_at=start + timedelta(hours=2))
        db.session.commit()
        version = attack.version
    form = client.get("/attacks/1/edit").get_data(as_text=True)
    assert re.search(r'name="nausea" value=""\s*checked', form)
    sent = {
        "start_day": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_day": (start + timedelta(hours=2)).date().isoformat(),
        "end_time": f"{start + timedelta(hours=2):%H:%M}",
        "version": version,
        "nausea": "yes",
        "light_sensitivity": "yes",
        "vomiting": "no",
        "pulsating": "",
        "peak_pain": "7",
        "side": "left",
        "aura": ["visual"],
        "aura_minutes": "20",
        "triggers": ["stress"],
        "new_trigger": "Red wine",
    }
    response = client.post("/attacks/1/edit", data=sent)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        attack = db.session.scalar(select(Attack))
        assert (attack.nausea, attack.light_sensitivity, attack.vomiting, attack.pulsating) == (
            True, True, False, None,
        )  # fmt: skip
        assert (attack.peak_pain, attack.side, attack.aura, attack.aura_minutes) == (
            7, "left", "visual", 20,
        )  # fmt: skip
        assert [t.name for t in attack.triggers] == ["stress", "Red wine"]
    listed = client.get("/attacks").get_data(as_text=True)
    assert (
        "left; Nausea; Vomiting: no; Sensitive to light; aura: visual, 20 min; Stress; Red wine"
        in listed
    )
    # The patient's own trigger is offered to tap next time, and never stored twice.
    form = client.get("/attacks/1/edit").get_data(as_text=True)
    assert re.search(r'name="triggers" value="Red wine"\s*checked> Red wine', form)
    client.post("/attacks/1/edit", data=sent | {"version": version + 1, "new_trigger": "red WINE"})
    assert count(app, OwnTrigger) == 1


def test_an_unusable_detail_is_refused_and_nothing_saved(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        # Yesterday at ten: five minutes before it is the same day at any time of day.
        start = start_of(local_today(user.timezone)) - timedelta(hours=14)
        add_attack(user, started_at=start, ended_at=start + timedelta(hours=1))
        db.session.commit()
    sent = {
        "start_day": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_day": start.date().isoformat(),
        "end_time": f"{start - timedelta(minutes=5):%H:%M}",
        "nausea": "yes",
    }
    response = client.post("/attacks/1/edit", data=sent)
    assert response.status_code == 422
    assert "The attack cannot stop before it started." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Attack)).nausea is None


def sent_as_shown(start: datetime, end: datetime | None, version: int, **fields) -> dict:
    """Return the details form as the page sends it with these times and fields."""
    return {
        "start_day": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_day": end.date().isoformat() if end else "",
        "end_time": f"{end:%H:%M}" if end else "",
        "version": version,
    } | fields


def reliefs(app) -> dict[str, str | None]:
    with app.app_context():
        return dict(db.session.execute(select(MedicationDose.name, MedicationDose.relief_2h)).all())


def test_the_attack_form_shows_and_saves_how_its_doses_worked_at_2_hours(app, client, alice, bob):
    with app.app_context():
        user = user_row(alice)
        start = local_now(user.timezone).replace(second=0, microsecond=0) - timedelta(hours=6)
        end = start + timedelta(hours=3)
        attack = add_attack(user, started_at=start, ended_at=end)
        triptan = add_dose(
            user,
            taken_at=start + timedelta(minutes=30),
            name="Sumatriptan",
            dose="50 mg",
            med_class="triptan",
        )
        # Taken as it stopped: still during it.
        ibuprofen = add_dose(
            user, taken_at=end, name="Ibuprofen", med_class="simple_analgesic", relief_2h="same"
        )
        add_dose(
            user,
            taken_at=start - timedelta(minutes=1),
            name="Paracetamol",
            med_class="simple_analgesic",
        )
        theirs = add_dose(
            user_row(bob),
            taken_at=start + timedelta(minutes=30),
            name="Naproxen",
            med_class="simple_analgesic",
        )
        db.session.commit()
        ids, version = (attack.id, triptan.id, ibuprofen.id, theirs.id), attack.version
    attack_id, triptan_id, ibuprofen_id, theirs_id = ids
    form = client.get(f"/attacks/{attack_id}/edit").get_data(as_text=True)
    assert "Medicines taken during this attack" in form
    assert "2 hours after Sumatriptan 50 mg (" in form
    assert re.search(rf'name="relief_2h-{triptan_id}" value=""\s*checked> Not answered', form)
    assert re.search(rf'name="relief_2h-{ibuprofen_id}" value="same"\s*checked> the same', form)
    # Taken a minute before it began: not a dose of this attack. Another user's: never shown.
    assert "Paracetamol" not in form and "Naproxen" not in form
    sent = sent_as_shown(start, end, version, nausea="yes")
    # An answer taken back is "not answered" again; another user's dose is not this page's.
    sent |= {f"relief_2h-{triptan_id}": "pain_free", f"relief_2h-{ibuprofen_id}": ""}
    sent[f"relief_2h-{theirs_id}"] = "better"
    response = client.post(f"/attacks/{attack_id}/edit", data=sent)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert reliefs(app) == {
        "Sumatriptan": "pain_free",
        "Ibuprofen": None,
        "Paracetamol": None,
        "Naproxen": None,
    }
    assert "2 h: pain-free" in client.get("/medications/").get_data(as_text=True)
    refused = client.post(
        f"/attacks/{attack_id}/edit",
        data=sent_as_shown(start, end, version + 1, nausea="no")
        | {f"relief_2h-{triptan_id}": "gone"},
    )
    assert refused.status_code == 422
    assert "use one of: pain_free, better, same, worse." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attack, attack_id).nausea is True
    assert reliefs(app)["Sumatriptan"] == "pain_free"


def test_a_dose_under_2_hours_old_is_not_asked_about_yet(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        now = local_now(user.timezone).replace(second=0, microsecond=0)
        attack = add_attack(user, started_at=now - timedelta(hours=1))
        taken = now - timedelta(minutes=30)
        add_dose(user, taken_at=taken, name="Sumatriptan", med_class="triptan")
        db.session.commit()
        attack_id = attack.id
    form = client.get(f"/attacks/{attack_id}/edit").get_data(as_text=True)
    asked = f"{now + timedelta(minutes=90):%H:%M}"
    assert f"how it worked is asked from {asked}, 2 hours after." in form
    assert 'name="relief_2h-' not in form


def test_the_list_deletes_an_attack_and_another_users_attack_is_not_found(app, client, alice, bob):
    with app.app_context():
        mine = add_attack(user_row(alice), started_at=datetime(2026, 1, 5, 8))
        theirs = add_attack(user_row(bob), started_at=datetime(2026, 1, 5, 8))
        db.session.commit()
        mine_id, theirs_id = mine.id, theirs.id
    assert "still going" in client.get("/attacks").get_data(as_text=True)
    assert client.get(f"/attacks/{theirs_id}/edit").status_code == 404
    assert client.post(f"/attacks/{theirs_id}/delete").status_code == 404
    client.post(f"/attacks/{mine_id}/delete")
    assert count(app, Attack) == 1


def test_the_offline_queue_starts_stops_and_marks_once_at_the_times_tapped(app, client, alice):
    def send(path: str, key: str, at: str):
        body = {"client_key": key, "at": at, "user_id": alice}
        first, again = client.post(path, json=body), client.post(path, json=body)
        assert (first.status_code, again.status_code) == (201, 201), first.get_json()
        assert first.get_json() == again.get_json()
        return first.get_json()

    started = send("/sync/attacks/start", "start-1", "2026-01-05T07:30:00Z")
    assert started["started_at"] == "2026-01-05T07:30"  # Europe/London in winter
    assert send("/sync/attacks/stop", "stop-1", "2026-01-05T11:00:00Z")["ended_at"] == (
        "2026-01-05T11:00"
    )
    assert send("/sync/days/no-headache", "free-1", "2026-01-06T09:00:00Z") == {"day": "2026-01-06"}
    assert (count(app, Attack), count(app, DayMark)) == (1, 1)
    refused = client.post(
        "/sync/attacks/stop",
        json={"client_key": "stop-2", "at": "2026-01-06T11:00:00Z", "user_id": alice},
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == "No attack is running."


def test_trends_shows_migraine_days_per_month_and_each_days_status_with_sources(app, client, alice):
    with app.app_context():
        user = user_row(alice)
        today = local_now(user.timezone).date()
        start = datetime.combine(today - timedelta(days=2), datetime.min.time()).replace(hour=9)
        add_attack(
            user,
            started_at=start,
            ended_at=start + timedelta(hours=5),
            pulsating=True,
            worse_with_activity=True,
            nausea=True,
        )
        mark_day(user, today - timedelta(days=1), headache_free=True)
        db.session.commit()
    page = client.get("/trends").get_data(as_text=True)
    assert "Counted by the Leiden e-diary rule" in page
    row = re.search(rf'data-day="{start.date().isoformat()}">(.+?)</tr>', page).group(1)
    assert "Migraine (duration and features)</td>" in row
    free = re.search(rf'data-day="{today - timedelta(days=1)}">(.+?)</tr>', page).group(1)
    assert "No headache</td>" in free
    assert "Defining migraine days based on longitudinal E-diary data" in page
    assert "lasts at least 30 minutes" in page
    months = re.findall(
        r'<tr><th scope="row">[^<]+</th><td [^>]+>(\d+)</td><td [^>]+>(\d+)</td>', page
    )
    assert sum(int(m) for m, _ in months) == 1 and sum(int(h) for _, h in months) == 1
    client.post("/account", data={"timezone": "Europe/London", "day_rule": "ichd3", "language": ""})
    page = client.get("/trends").get_data(as_text=True)
    assert "Counted by the ICHD-3 rule" in page and "lasts at least 240 minutes" in page
