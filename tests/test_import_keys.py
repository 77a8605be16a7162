"""An import keys its rows from their time, and still finds the rows earlier imports keyed
by the hash alone: the same export imported again adds nothing either way."""

import pytest
from sqlalchemy import select

from diary.extensions import db
from diary.imports import keys, plan
from diary.models import Attack, MedicationDose, Reading
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


@pytest.mark.parametrize("name", ONE_EACH)
def test_rows_an_earlier_import_keyed_by_the_hash_alone_are_found_again(
    app, alice, bob, name, monkeypatch
):
    # As the diary keyed imported rows before 2026-12-08.
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


def test_rows_are_keyed_in_the_order_of_their_time(app, alice):
    imported(app, alice, DATA / "migralog_export_2024-05-04_090000.json")
    stored = stored_keys(app, alice)
    assert len(stored["attack"]) > 1 and len(stored["reading"]) > 1 and stored["medication_dose"]
    for table, found in stored.items():
        # The key begins with the row's time to the minute; the hash follows.
        assert found == sorted(found), table
        assert all(len(key) == 64 and key.startswith("2024") for key in found), table
