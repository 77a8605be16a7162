"""An import keys its rows in the order of its entries' own keys, by their identity alone,
and still finds the rows earlier versions keyed by the hash alone: the same export imported
again adds nothing either way."""

import csv
import hashlib
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.imports import keys, plan
from diary.imports.source import Attack as Episode
from diary.models import Attack, MedicationDose, Reading, User
from tests.test_imports import DATA, ONE_EACH, attacks_in, imported, plan_of

TIMES = {
    Attack: Attack.started_at,
    Reading: Reading.recorded_at,
    MedicationDose: MedicationDose.taken_at,
}


def stored_keys(app, user_id: int) -> dict[str, list[str]]:
    """Return the keys of the user's attacks, readings and medicines, each table's in the
    order of its rows' times."""
    with app.app_context():
        return {
            model.__tablename__: list(
                db.session.scalars(
                    select(model.client_key)
                    .where(model.user_id == user_id)
                    .order_by(time, model.id)
                )
            )
            for model, time in TIMES.items()
        }


def test_a_plain_key_is_the_hash_versions_before_gave_a_row():
    episode = Episode("E-1 ", "episodes[0]", datetime(2024, 5, 3, 7, 20), None, 5)
    attack, reading = (
        hashlib.sha256(t).hexdigest() for t in (b"migralog\nE-1 \nattack", b"migralog\nE-1 ")
    )
    assert keys.entry_keys("migralog", episode, ordered=False) == (attack, reading)
    assert keys.entry_keys("migralog", episode) == ("E1_" + attack[:61], "E1_" + reading[:61])


@pytest.mark.parametrize("name", ONE_EACH)
def test_rows_an_earlier_version_keyed_by_the_hash_alone_are_found_again(
    app, alice, bob, name, monkeypatch
):
    with monkeypatch.context() as before:
        before.setattr(plan, "entry_keys", lambda fmt, entry: keys.entry_keys(fmt, entry, False))
        _, readings, doses = imported(app, alice, DATA / name)
    earlier = stored_keys(app, alice)
    attacks = attacks_in(app, alice)

    again = plan_of(app, alice, DATA / name)
    assert again.problems == []  # an attack still going is the one the diary holds
    assert (again.attacks, again.readings, again.doses) == (0, 0, 0)
    assert again.already_present == len(attacks) + len(readings) + len(doses) > 0
    _, readings_after, doses_after = imported(app, alice, DATA / name)
    assert (readings_after, doses_after, attacks_in(app, alice)) == (readings, doses, attacks)
    assert stored_keys(app, alice) == earlier
    # Imported now, its attacks and readings take other keys: those found were the plain ones.
    imported(app, bob, DATA / name)
    now = stored_keys(app, bob)
    assert set(now["attack"] + now["reading"]).isdisjoint(earlier["attack"] + earlier["reading"])


# Headache Companion's days are read in the patient's zone: in another, its file says
# another attack (one of its days that ran into the next is two).
@pytest.mark.parametrize("name", [name for name in ONE_EACH if not name.startswith("HC-")])
def test_the_same_export_adds_nothing_after_the_patient_moves_to_another_time_zone(
    app, alice, name
):
    imported(app, alice, DATA / name)
    with app.app_context():
        db.session.get(User, alice).timezone = "Asia/Tokyo"
        db.session.commit()
    again = plan_of(app, alice, DATA / name)
    assert again.problems == []  # the attack still going is the one the diary holds
    assert (again.attacks, again.readings, again.doses) == (0, 0, 0)
    assert again.already_present > 0


def test_rows_are_keyed_in_the_order_of_the_file_s_own_keys(app, alice):
    # Cluster Headache Tracker's log keys each attack by its start as the file writes it.
    path = DATA / "headache_logs-2024-11-16.csv"
    imported(app, alice, path)
    with path.open(newline="") as file:
        starts = [re.sub("[^0-9]", "", row["start_time"]) for row in csv.DictReader(file)]
    stored = stored_keys(app, alice)
    assert len(starts) > 1
    assert sorted(key.split("_")[0] for key in stored["attack"]) == sorted(starts)
    assert stored["attack"] == sorted(stored["attack"])
    assert stored["reading"] == sorted(stored["reading"])
