"""Imports from other headache diaries, from test files built after ../shared/formats/README.md."""

import codecs
import html
import io
import json
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from diary.extensions import db
from diary.imports import Unreadable, read_export
from diary.imports.plan import apply_rows, plan_import
from diary.imports.readers import Export
from diary.models import Attack, DayMark, MedicationDose, Reading
from diary.models.attack import YES_NO
from diary.services import days, medications, readings
from diary.services.attacks import add_attack
from diary.services.day_marks import mark_day
from diary.services.medications import overuse
from tests.conftest import build_app, sign_in, sqlite_only, user_row
from tests.test_cache import OUTCOME, at, cached_view, known, with_treatment

DATA = Path(__file__).parent / "data" / "imports"


def plan_of(app, user_id, path: Path, format_code="auto", unlisted="other"):
    """Return the preview plan of an export (nothing is written), medicines not in the
    diary's list taken as the kind unlisted."""
    with app.app_context():
        user = user_row(user_id)
        plan = plan_import(user, read_export(path, user.timezone, format_code), None, unlisted)
        db.session.rollback()
        return plan


def imported(app, user_id, path: Path):
    """Import an export; return its plan and the readings and doses now in the diary."""
    with app.app_context():
        user = user_row(user_id)
        with tempfile.TemporaryFile() as rows:
            plan = plan_import(user, read_export(path, user.timezone), rows, "other")
            assert plan.problems == []
            apply_rows(user, rows)
        db.session.commit()
        readings = db.session.execute(
            select(Reading.recorded_at, Reading.pain, Reading.note)
            .where(Reading.user_id == user_id)
            .order_by(Reading.recorded_at, Reading.id)
        ).all()
        doses = db.session.execute(
            select(
                MedicationDose.taken_at,
                MedicationDose.name,
                MedicationDose.dose,
                MedicationDose.med_class,
                MedicationDose.note,
            )
            .where(MedicationDose.user_id == user_id)
            .order_by(MedicationDose.taken_at, MedicationDose.id)
        ).all()
    return plan, [tuple(r) for r in readings], [tuple(d) for d in doses]


def attacks_in(app, user_id) -> list[tuple]:
    """Return the user's attacks: start, end, worst pain, side, the yes/no features answered,
    aura, triggers, location and note."""
    with app.app_context():
        found = db.session.scalars(
            select(Attack).where(Attack.user_id == user_id).order_by(Attack.started_at)
        )
        return [
            (
                a.started_at,
                a.ended_at,
                a.peak_pain,
                a.side,
                {n: getattr(a, n) for n in YES_NO if getattr(a, n) is not None},
                a.aura,
                [t.name for t in a.triggers],
                a.location,
                a.note,
            )
            for a in found
        ]


def reliefs(app) -> list[str | None]:
    """Return the effect at 2 hours of every dose in the diary, in the order taken."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(MedicationDose.relief_2h).order_by(
                    MedicationDose.taken_at, MedicationDose.id
                )
            )
        )


def previewed_first(plan, readings, doses, attacks=()) -> bool:
    """Tell whether the preview's first entries are the earliest entries the import added."""
    times = sorted([r[0] for r in readings] + [d[0] for d in doses] + [a[0] for a in attacks])
    added = plan.attacks + plan.readings + plan.doses
    return [e.at for e in plan.entries] == times[:10] and len(times) == added


def folds(app) -> list[bool]:
    with app.app_context():
        return list(db.session.scalars(select(Reading.fold).order_by(Reading.recorded_at)))


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_headi_csv_with_null_cells_quoted_newlines_and_a_repeated_hour(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "20241116_101500_headi_diary.csv")
    attacks = attacks_in(app, alice)
    assert previewed_first(plan, readings, doses, attacks)
    assert plan.format == "headi" and plan.problems == []
    # Each entry an attack with its end (its duration); the pain type stays in the note.
    assert attacks == [
        (
            datetime(2024, 3, 1, 8, 0),
            datetime(2024, 3, 1, 11, 20),
            7,
            None,
            {},
            "",
            [],
            "",
            'Pain type: Migräne. Woke with it, "bad"\nsecond line',
        ),
        (datetime(2024, 3, 2, 22, 30), datetime(2024, 3, 4, 1, 0), 6, None, {}, "", [], "", ""),
        (
            datetime(2024, 10, 27, 1, 30),
            datetime(2024, 10, 27, 1, 30),
            5,
            None,
            {},
            "",
            [],
            "",
            "Pain type: Spannung.",
        ),
    ]
    # Its intensity is a reading at its start; none is made up for the days it goes on.
    assert readings == [
        (datetime(2024, 3, 1, 8, 0), 7, ""),
        (datetime(2024, 3, 2, 22, 30), 6, ""),
        (datetime(2024, 10, 27, 1, 30), 5, ""),
    ]
    # Epoch times keep which 01:30 it was: the first, in summer time, ending in winter time.
    assert folds(app) == [False] * 3
    with app.app_context():
        last = db.session.scalar(select(Attack).order_by(Attack.started_at.desc()))
        assert (last.started_fold, last.ended_fold) == (False, True)
    assert doses == [
        (datetime(2024, 3, 1, 8, 0), "Sumatriptan", "1x", "triptan", ""),
        (datetime(2024, 10, 27, 1, 30), "Ibuprofen", "2x", "simple_analgesic", ""),
    ]


@sqlite_only
def test_an_imported_time_is_stored_as_the_text_the_form_stores(app, alice, bob):
    # SQLite compares times as text: an imported reading sorts among and falls into the
    # days of readings saved through the form only when it is stored as the same text.
    imported(app, alice, DATA / "20241116_101500_headi_diary.csv")
    with app.app_context():
        for when in (datetime(2024, 3, 1, 8, 0), datetime(2024, 10, 27, 1, 30)):
            readings.add_reading(user_row(bob), recorded_at=when, pain=3)
        db.session.commit()
        stored = db.session.execute(text("SELECT user_id, recorded_at FROM reading")).all()
    from_form = {written for user_id, written in stored if user_id == bob}
    assert len(from_form) == 2
    assert from_form <= {written for user_id, written in stored if user_id == alice}


def test_cluster_headache_tracker_log_with_an_ongoing_attack_and_a_skipped_hour(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "headache_logs-2024-11-16.csv")
    attacks = attacks_in(app, alice)
    assert previewed_first(plan, readings, doses, attacks)
    assert plan.problems == []
    # Triggers are the attack's: a catalogue code where the name is the catalogue's.
    assert attacks == [
        (
            datetime(2024, 3, 9, 23, 40),
            datetime(2024, 3, 10, 0, 50),
            9,
            None,
            {},
            "",
            [],
            "",
            'quoted "note"\nover two lines',
        ),
        # 01:30 did not exist in London that night: read as zoneinfo's fold=0 reads it.
        (
            datetime(2024, 3, 31, 2, 30),
            datetime(2024, 3, 31, 3, 10),
            6,
            None,
            {},
            "",
            ["Lack of sleep", "stress"],
            "",
            "",
        ),
        (
            datetime(2024, 11, 10, 21, 15),
            None,
            8,
            None,
            {},
            "",
            ["alcohol"],
            "",
            "Still going, écrit en français",
        ),
    ]
    assert readings == [
        (datetime(2024, 3, 9, 23, 40), 9, ""),
        (datetime(2024, 3, 31, 2, 30), 6, ""),
        (datetime(2024, 11, 10, 21, 15), 8, ""),
    ]
    assert plan.clock_changes == [
        "2024-03-31 01:30 did not happen (the clocks went forward): read as 2024-03-31 02:30"
    ]
    assert doses == [
        (datetime(2024, 3, 31, 2, 30), "Sumatriptan", "", "triptan", ""),
        (datetime(2024, 3, 31, 2, 30), "Verapamil", "", "other", ""),
        (datetime(2024, 11, 10, 21, 15), "Oxygen 15 L/min 20 min", "", "other", ""),
        (datetime(2024, 11, 10, 21, 15), "Sumatriptan", "", "triptan", ""),
    ]
    assert dict(plan.unknown_medicines) == {"Verapamil": 1, "Oxygen 15 L/min 20 min": 1}


def json_passes(monkeypatch) -> list[str]:
    """Return the list of the prefixes JSON exports are parsed for from now on."""
    passes: list[str] = []
    json_items = Export.json_items
    monkeypatch.setattr(
        Export,
        "json_items",
        lambda self, prefix, **how: passes.append(prefix) or json_items(self, prefix, **how),
    )
    return passes


def test_migralog_with_one_reading_an_episode_is_read_without_a_pass_for_later_ones(
    app, alice, tmp_path, monkeypatch
):
    export = json.loads((DATA / "migralog_export_2024-05-04_090000.json").read_text())
    export["intensityReadings"] = export["intensityReadings"][:1]  # each episode's first
    path = written(tmp_path, "migralog.json", json.dumps(export).encode())
    passes = json_passes(monkeypatch)
    plan, readings, _ = imported(app, alice, path)
    assert plan.problems == []
    assert readings == [(datetime(2024, 5, 3, 7, 0), 7, "")]  # the episode's, at its start
    # The file is read for the first readings, the episodes, the medicines and the doses.
    assert passes.count("intensityReadings.item") == 1


def test_a_list_read_where_it_lies_gives_what_reading_the_whole_file_gives(tmp_path):
    # A BOM, a member given twice, an object's member named "item", lists in lists.
    data = b'{"m": {"item": 5, "x": [1]}, "e": [{"a": [1, {"b": 2}]}, 3], "s": "e", "e": [4]}'
    export = Export(written(tmp_path, "export.json", codecs.BOM_UTF8 + data))
    assert export.sections is not None
    for prefix in ("m.item", "m.x.item", "e.item", "e.item.a.item", "s.item", "absent.item"):
        assert list(export.json_items(prefix)) == list(export.json_items(prefix, whole_file=True))
    assert [item for _, item in export.json_items("e.item")] == [{"a": [1, {"b": 2}]}, 3, 4]


def test_migralog_json_readings_over_time_and_what_is_left_out(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "migralog_export_2024-05-04_090000.json")
    attacks = attacks_in(app, alice)
    assert previewed_first(plan, readings, doses, attacks)
    assert plan.format == "migralog" and plan.problems == []
    # An episode's symptoms, throbbing quality, side and triggers are the attack's; its
    # intensity readings stay readings (the first is not its worst, so no worst pain).
    assert attacks == [
        (datetime(2024, 4, 20, 18, 0), None, None, None, {}, "", [], "", ""),
        (
            datetime(2024, 5, 3, 7, 0),
            datetime(2024, 5, 3, 13, 45),
            None,
            "left",
            {"pulsating": True, "nausea": True, "light_sensitivity": True},
            "",
            ["weather"],
            "left temple",
            "Started after the train",
        ),
    ]
    assert readings == [
        (datetime(2024, 5, 3, 7, 0), 7, ""),  # 6.5 rounds half up
        (datetime(2024, 5, 3, 9, 30), 8, "Recorded during an episode."),
    ]
    # The effectiveness rating (7 of 10) is some effect: better, with the rating kept in words.
    assert doses == [
        (datetime(2024, 5, 3, 7, 20), "Sumatriptan", "1x 50 mg", "triptan", "Effectiveness 7/10.")
    ]
    assert reliefs(app) == ["better"]
    assert dict(plan.left_out) == {
        "location (GPS)": 1,
        "skipped doses": 1,
        "daily status (green, yellow, red days)": 1,
        "calendar overlays": 1,
    }


def test_headache_companion_day_pieces_of_one_attack_and_medicines_without_a_time(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "HC-DailyData-2024-06-03.json")
    attacks = attacks_in(app, alice)
    assert previewed_first(plan, readings, doses, attacks)
    assert plan.format == "headache_companion" and plan.problems == []
    # The two days' pieces are one attack again, at its worse pain; the second piece has no
    # stop time, so it is still going. Aura and symptoms are the attack's.
    assert attacks == [
        (
            datetime(2024, 6, 1, 21, 0),
            None,
            7,
            None,
            {"pulsating": True, "nausea": True},
            "visual",
            [],
            "",
            "Type: migraine.",
        )
    ]
    assert readings == [(datetime(2024, 6, 1, 21, 0), 7, "")]
    assert doses == [
        (datetime(2024, 6, 1, 21, 30), "Naproxen", "1x 550 mg", "simple_analgesic", ""),
        (
            datetime(2024, 6, 2, 0, 0),
            "Rimegepant",
            "2x",
            "gepant",
            "Time not recorded; the day is.",
        ),
    ]
    history = plan_of(app, alice, DATA / "HC-MedHistory-2024-06-03.json")
    assert (history.readings, history.doses) == (0, 0)
    assert dict(history.left_out) == {"preventive medication history": 1}


def test_migraine_buddy_csv_after_its_preamble_with_utc_offsets_and_helpfulness(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "migraine-buddy-export.csv")
    attacks = attacks_in(app, alice)
    assert previewed_first(plan, readings, doses, attacks)
    assert plan.format == "migraine_buddy" and plan.problems == []
    # "Lasted" gives the end; symptoms and triggers are the attack's, the type stays a note.
    assert attacks == [
        (
            datetime(2024, 11, 16, 12, 12),
            datetime(2024, 11, 17, 14, 27),
            6,
            None,
            {},
            "",
            [],
            "",
            "Type: Headache. Meeting, ran late\nsecond line",
        ),
        (
            datetime(2024, 11, 17, 2, 5),
            datetime(2024, 11, 17, 3, 5),
            8,
            None,
            {"nausea": True, "light_sensitivity": True},
            "",
            ["stress", "Lack of sleep"],
            "",
            "Type: Migraine. Woke up with it",
        ),
    ]
    assert readings == [
        (datetime(2024, 11, 16, 12, 12), 6, ""),
        (datetime(2024, 11, 17, 2, 5), 8, ""),
    ]
    assert doses == [
        (datetime(2024, 11, 16, 12, 12), "Paracetamol", "1x", "simple_analgesic", "Unhelpful."),
        (datetime(2024, 11, 17, 2, 5), "Sumatriptan", "1x", "triptan", "Helpful."),
        (
            datetime(2024, 11, 17, 2, 5),
            "Naproxen sodium 550mg Oral",
            "1x",
            "simple_analgesic",
            "Helpful.",
        ),
    ]
    assert plan.left_out["location (geohash)"] == 2


# An export of each format the diary reads (Cluster Headache Tracker's: its attack log).
ONE_EACH = [
    "20241116_101500_headi_diary.csv",
    "headache_logs-2024-11-16.csv",
    "migralog_export_2024-05-04_090000.json",
    "HC-DailyData-2024-06-03.json",
    "migraine-buddy-export.csv",
]


@pytest.mark.parametrize("name", ONE_EACH)
def test_importing_the_same_export_again_adds_nothing(app, alice, name):
    first, readings, doses = imported(app, alice, DATA / name)
    attacks = attacks_in(app, alice)
    assert (first.attacks, first.readings, first.doses) == (len(attacks), len(readings), len(doses))
    again = plan_of(app, alice, DATA / name)
    assert (again.attacks, again.readings, again.doses) == (0, 0, 0)
    assert again.already_present == len(attacks) + len(readings) + len(doses) > 0
    _, readings_after, doses_after = imported(app, alice, DATA / name)
    assert (readings_after, doses_after) == (readings, doses)
    assert attacks_in(app, alice) == attacks


def test_a_later_export_adds_only_the_new_entries(app, alice, tmp_path):
    name = "20241116_101500_headi_diary.csv"
    # The header and the first two entries (the first note runs over two lines).
    earlier = b"\n".join((DATA / name).read_bytes().split(b"\n")[:4]) + b"\n"
    _, readings, doses = imported(app, alice, written(tmp_path, name, earlier))
    later = plan_of(app, alice, DATA / name)
    assert (later.attacks, later.readings, later.doses) == (1, 1, 1)
    assert [e.at for e in later.entries] == [datetime(2024, 10, 27, 1, 30)] * 3
    assert later.already_present == len(attacks_in(app, alice)) + len(readings) + len(doses) == 5


def test_an_unknown_file_names_the_formats_the_diary_reads(app, alice, tmp_path):
    with pytest.raises(Unreadable) as refused:
        plan_of(app, alice, written(tmp_path, "x", b"date,headache\n2024-01-01,yes\n"))
    assert str(refused.value) == (
        "This file is not an export the diary knows. It reads Migraine Buddy CSV,"
        " Cluster Headache Tracker CSV, Headi CSV, MigraLog JSON, Headache Companion JSON,"
        " and its own CSV files."
    )


def test_a_bad_entry_is_listed_with_its_line_and_nothing_is_imported(app, alice, runner, tmp_path):
    text = (DATA / "20241116_101500_headi_diary.csv").read_text()
    bad = text.replace(",7,Sumatriptan", ",11,Sumatriptan")
    path = tmp_path / "headi.csv"
    path.write_text(bad)
    result = runner.invoke(args=["import", str(path), "--user", "alice"])
    assert result.exit_code == 1
    assert "headi.csv, line 2: Worst pain must be from 0 to 10, not 11." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_the_cli_previews_with_dry_run_then_imports(app, alice, runner):
    path = str(DATA / "migraine-buddy-export.csv")
    preview = runner.invoke(args=["import", path, "--user", "alice", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    lines = preview.output.splitlines()
    assert lines[:6] == [
        "Format: Migraine Buddy CSV",
        "Dates: 16 Nov 2024 to 17 Nov 2024",
        "Attacks to add: 2",
        "Readings to add: 2",
        "Medicines to add: 3",
        "Already in the diary (imported before): 0",
    ]
    assert "Left out: location (geohash) (2)" in lines
    assert "  16 Nov 2024, 12:12  Paracetamol 1x (simple analgesic (paracetamol, nsaid))" in lines
    assert lines[-1] == "Dry run: nothing was written."
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
    done = runner.invoke(args=["import", path, "--user", "alice", "--format", "migraine_buddy"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "Imported 2 attacks, 2 readings and 3 medicines."
    wrong = runner.invoke(args=["import", path, "--user", "alice", "--format", "headi"])
    assert wrong.exit_code == 1 and "This is not a Headi CSV file." in wrong.output


def upload(client, name, data=None, format_code="auto", unlisted="other"):
    body = data if data is not None else (DATA / name).read_bytes()
    return client.post(
        "/import/other/",
        data={"export": (io.BytesIO(body), name), "format": format_code, "unlisted": unlisted},
        content_type="multipart/form-data",
    )


def test_the_web_preview_writes_nothing_and_the_confirmation_imports_exactly_it(app, client, alice):
    assert "Import from another diary" in client.get("/export").get_data(as_text=True)
    page = upload(client, "migralog_export_2024-05-04_090000.json")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "MigraLog JSON" in text and "Left out" in text and "location (GPS): 1" in text
    assert "Import 2 attacks, 2 readings and 1 medicines" in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    done = client.post("/import/other/confirm", data={"token": token, "format": "auto"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 2
        assert db.session.scalar(select(func.count(MedicationDose.id))) == 1
    # The kept upload is gone: the same confirmation cannot import twice.
    again = client.post(
        "/import/other/confirm", data={"token": token, "format": "auto"}, follow_redirects=True
    )
    assert "That preview has expired or was imported already" in again.get_data(as_text=True)
    assert "There is nothing new to import." in upload(
        client, "migralog_export_2024-05-04_090000.json"
    ).get_data(as_text=True)


def test_another_members_preview_token_imports_nothing(app, client, alice, bob):
    page = upload(client, "migraine-buddy-export.csv").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    other = app.test_client()
    sign_in(other, "bob")
    response = other.post("/import/other/confirm", data={"token": token, "format": "auto"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


MIGRALOG_START = b'{"metadata": {"schemaVersion": 1}, "episodes": [], "intensityReadings": [], '


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"date,headache\n2024-01-01,yes\n", "This file is not an export the diary knows."),
        (b"\xff\xfe\x00bad", "The file is not UTF-8 text"),
        (b'{"episodes": [', "The file is not JSON"),
        # Recognising reads a list's first entry only; the rest is parsed before refusing.
        (b"[1, 2, ", "The file is not JSON"),
        # MigraLog's lists are read each where it lies, after one pass through the whole file.
        (
            MIGRALOG_START + b'"medicationDoses": [{"id": "D1"} {"id": "D2"}]}',
            "The file is not JSON",
        ),
        (MIGRALOG_START + b'"medicationDoses": [{"id": "D1"}, {"id": ', "The file is not JSON"),
        (b"PK\x03\x04" + b"\x00" * 40, "This is a compressed archive. Unpack it on your computer"),
    ],
)
def test_a_file_that_is_not_an_export_gets_a_clear_message(app, client, alice, body, message):
    response = upload(client, "upload.csv", data=body)
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))


def test_a_json_list_is_recognised_without_being_parsed_through_for_an_objects_member(
    tmp_path, monkeypatch
):
    # Headache Companion's export is a list: MigraLog's member (metadata) cannot be in it,
    # so recognising the file parses nothing past its first day (a 49 MB file took 0.6 s).
    days = [{"date": f"2024-01-{n:02d}", "attacks": []} for n in range(1, 29)]
    path = written(tmp_path, "hc.json", json.dumps(days).encode())
    parsed = json_passes(monkeypatch)
    source = read_export(path, "Europe/London")
    assert source.format == "headache_companion"
    assert parsed == ["item"]


def test_a_dry_run_of_the_diarys_own_folder_says_what_it_would_add(app, alice, runner, tmp_path):
    (tmp_path / "readings.csv").write_text(
        '"recorded_at","pain","note"\r\n"2024-03-01T08:30","5",""\r\n'
    )
    result = runner.invoke(args=["import", str(tmp_path), "--user", "alice", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["readings.csv: 1 to add, 0 already present"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_cluster_headache_tracker_doses_file(app, alice):
    plan, readings, doses = imported(app, alice, DATA / "medication_doses-2024-11-16.csv")
    assert previewed_first(plan, readings, doses)
    assert plan.format == "cluster_headache_tracker" and plan.problems == []
    assert readings == []
    assert doses == [
        (datetime(2024, 11, 10, 21, 20), "Oxygen", "15 L/min", "other", ""),
        (datetime(2024, 11, 10, 21, 40), "Sumatriptan", "6 mg", "triptan", ""),
    ]
    # The app's effectiveness, as the 2-hour answer: helped is better, no_effect the same.
    assert reliefs(app) == ["better", "same"]
    assert dict(plan.left_out) == {
        "minutes to relief": 1,
        "duration (oxygen)": 1,
    }


def migraine_buddy(*started: str) -> bytes:
    """Return a Migraine Buddy export with one attack (pain 5) per start time."""
    table = (DATA / "migraine-buddy-export.csv").read_text().split("\n\n", 1)[1]
    header = table.split("\n", 1)[0]
    empty = ',""' * 19
    rows = [f'"{n}","{s}","01h 00m","0","0","","","","5"{empty}' for n, s in enumerate(started)]
    return (
        "\n".join(['"No ongoing events recorded during this period."', "", header, *rows])
    ).encode()


def test_migraine_buddy_dates_are_read_day_first_when_a_day_above_12_comes_first(
    app, alice, tmp_path
):
    path = written(tmp_path, "mb.csv", migraine_buddy("17/11/24 9:00", "03/04/24 10:30"))
    plan = plan_of(app, alice, path)
    assert plan.problems == []
    assert plan.notes == ["Dates read day first (dd/MM/yy): a day above 12 comes first."]
    # 3 April, not 4 March; written at UTC+0, so 11:30 in London's summer time.
    assert sorted({e.at for e in plan.entries}) == [
        datetime(2024, 4, 3, 11, 30),
        datetime(2024, 11, 17, 9),
    ]


def test_migraine_buddy_dates_are_read_month_first_once_a_day_above_12_comes_second(
    app, alice, tmp_path
):
    # A day above 12 in second place tells, whatever the dates after it: one that cannot
    # be read month first is a problem of its line.
    export = migraine_buddy("03/04/24 10:30", "11/17/24 9:00", "17/11/24 9:00", "x")
    plan = plan_of(app, alice, written(tmp_path, "mb.csv", export))
    assert plan.notes == ["Dates read month first (MM/dd/yy): a day above 12 comes second."]
    assert sorted({e.at for e in plan.entries}) == [
        datetime(2024, 3, 4, 10, 30),
        datetime(2024, 11, 17, 9),
    ]
    assert [reason for _, reason in plan.problems] == [
        "'17/11/24 9:00' is not a start time as MM/dd/yy H:mm",
        "'x' is not a start time as MM/dd/yy H:mm",
    ]


def test_migraine_buddy_dates_that_could_be_either_are_read_month_first_and_said_so(
    app, alice, tmp_path, runner
):
    path = written(tmp_path, "mb.csv", migraine_buddy("03/04/24 10:30", "05/06/24 7:15"))
    result = runner.invoke(args=["import", str(path), "--user", "alice", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "Note: Dates read month first (MM/dd/yy), as Migraine Buddy writes them in English;"
        " no date in this file tells the order (no day above 12)." in result.output
    )
    assert "  04 Mar 2024, 10:30  Attack, lasted 1 h" in result.output


def test_an_entry_the_file_holds_twice_is_imported_once(app, alice, tmp_path):
    path = written(tmp_path, "mb.csv", migraine_buddy("11/17/24 9:00", "11/17/24 9:00"))
    plan, readings, _ = imported(app, alice, path)
    # The attack and the reading of its pain, each once.
    assert (plan.attacks, plan.readings, plan.repeated) == (1, 1, 2)
    assert readings == [(datetime(2024, 11, 17, 9), 5, "")]


def test_a_json_export_with_a_byte_order_mark_is_read(app, alice, tmp_path):
    data = b"\xef\xbb\xbf" + (DATA / "HC-DailyData-2024-06-03.json").read_bytes()
    plan, readings, doses = imported(app, alice, written(tmp_path, "hc.json", data))
    assert plan.format == "headache_companion" and (len(readings), len(doses)) == (1, 2)


def kept_files(app) -> list[str]:
    return sorted(p.name for p in (Path(app.instance_path) / "imports").iterdir())


def test_only_the_checked_rows_wait_for_the_confirmation_and_go_with_it(app, client, alice):
    page = html.unescape(upload(client, "migraine-buddy-export.csv").get_data(as_text=True))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    # The upload itself is gone once previewed; the previewed rows wait under the token.
    assert kept_files(app) == [f"{alice}-{token}"]
    client.post("/import/other/confirm", data={"token": token})
    assert kept_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 2


def test_a_time_zone_changed_after_the_preview_imports_nothing(app, client, alice):
    page = html.unescape(upload(client, "headache_logs-2024-11-16.csv").get_data(as_text=True))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    with app.app_context():
        user_row(alice).timezone = "America/New_York"
        db.session.commit()
    done = client.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    assert "Your time zone changed after the preview" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0
    assert kept_files(app) == []


def test_an_import_from_another_diary_shows_in_the_kept_figures_at_once(app, client, alice):
    baseline = with_treatment(app, alice)
    assert known(cached_view(app, client, OUTCOME)) == "10 of 28 days known"
    london = ZoneInfo("Europe/London")
    starts = [at(baseline + timedelta(days=n), 8).replace(tzinfo=london) for n in range(3)]
    moments = [int(start.timestamp()) * 1000 for start in starts]
    rows = "".join(
        f"{n},Migräne,{ms},{ms + 3_600_000},3600000,6,null,null,null\n"
        for n, ms in enumerate(moments)
    )
    header = "_id,pain,start_date,end_date,duration,strength,medication,medication_amount,"
    export = f"{header}description\n{rows}".encode()
    page = html.unescape(upload(client, "headi_diary.csv", export).get_data(as_text=True))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/import/other/confirm", data={"token": token}).status_code == 302
    # Each attack's pain is a reading on its day: the kept figures count three days more.
    assert known(cached_view(app, client, OUTCOME)) == "13 of 28 days known"


def previewed_token(client, name: str) -> str:
    """Upload an export for its preview; return the token its confirmation sends."""
    page = html.unescape(upload(client, name).get_data(as_text=True))
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def stored(user_id: int) -> list[tuple]:
    """Return a user's readings, medicines and attacks with every column the import wrote."""
    readings = select(
        Reading.recorded_at, Reading.fold, Reading.pain, Reading.note, Reading.client_key
    )
    doses = select(
        MedicationDose.taken_at,
        MedicationDose.fold,
        MedicationDose.name,
        MedicationDose.dose,
        MedicationDose.med_class,
        MedicationDose.note,
        MedicationDose.client_key,
    )
    attacks = db.session.scalars(
        select(Attack).where(Attack.user_id == user_id).order_by(Attack.id)
    )
    # Every column an import writes, and the triggers it adds after the attacks.
    written = [
        c.key for c in Attack.__table__.columns if c.key not in ("id", "user_id", "created_at")
    ]
    return [
        tuple(row)
        for query, model in ((readings, Reading), (doses, MedicationDose))
        for row in db.session.execute(query.where(model.user_id == user_id).order_by(model.id))
    ] + [(*(getattr(a, key) for key in written), [t.name for t in a.triggers]) for a in attacks]


def test_a_preview_confirmed_after_a_restart_inserts_exactly_what_was_previewed(
    app, client, alice, bob
):
    name = "migraine-buddy-export.csv"
    token = previewed_token(client, name)
    # The server restarts: a new app on the same instance and database.
    restarted = build_app(app.config["SQLALCHEMY_DATABASE_URI"])
    again = restarted.test_client()
    sign_in(again, "alice")
    done = again.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    assert (
        "Imported 2 attacks, 2 readings and 3 medicines from Migraine Buddy CSV."
        in done.get_data(as_text=True)
    )
    imported(app, bob, DATA / name)  # what checking the same file gives, straight away
    with restarted.app_context():
        assert stored(alice) == stored(bob)
        assert len(stored(alice)) == 7
        assert ["stress", "Lack of sleep"] in [row[-1] for row in stored(alice)]
        # Every connection of the restarted app back and closed (PostgreSQL warns of any left).
        db.session.remove()
        db.engine.dispose()


def test_a_preview_checked_under_another_schema_revision_imports_nothing(app, client, alice):
    token = previewed_token(client, "migraine-buddy-export.csv")
    with app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        # A migration ran after the preview (an upgrade of the diary).
        db.session.execute(text("UPDATE alembic_version SET version_num = 'f0f0f0f0f0f0'"))
        db.session.commit()
    try:
        done = client.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
            db.session.commit()
    assert (
        "The diary was updated since this preview; please preview the file again."
        in done.get_data(as_text=True)
    )
    with app.app_context():
        assert stored(alice) == []
    assert kept_files(app) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda rows: rows.replace(b"Paracetamol", b"Oxycodone"), id="changed"),
        pytest.param(lambda rows: rows[: len(rows) // 2], id="cut-short"),
        pytest.param(lambda rows: rows[:-80], id="seal-cut"),
        pytest.param(lambda rows: b"\x80\x04garbage" + rows, id="not-json"),
        pytest.param(lambda rows: b"", id="empty"),
    ],
)
def test_damaged_or_changed_preview_rows_are_refused_and_nothing_is_written(
    app, client, alice, damage
):
    token = previewed_token(client, "migraine-buddy-export.csv")
    kept = Path(app.instance_path) / "imports" / f"{alice}-{token}"
    kept.write_bytes(damage(kept.read_bytes()))
    done = client.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    assert done.status_code == 200
    assert (
        "The rows kept from this preview are damaged, so nothing was imported;"
        " please preview the file again." in done.get_data(as_text=True)
    )
    with app.app_context():
        assert stored(alice) == []


def test_entries_that_reached_the_diary_after_the_preview_stop_the_whole_import(
    app, client, alice, tmp_path
):
    name = "migraine-buddy-export.csv"
    page = html.unescape(upload(client, name).get_data(as_text=True))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    imported(app, alice, DATA / name)  # the same file, imported meanwhile (the command line)
    done = client.post("/import/other/confirm", data={"token": token}, follow_redirects=True)
    assert "reached your diary after the preview, so nothing was imported" in done.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 2


# One Cluster Headache Tracker export, both files: the log's medication column is written
# from the attacks' doses, which the doses file lists with their times (newest first).
CHT_LOG = (
    b"start_time,end_time,intensity,medication,triggers,notes\n"
    b'2024-11-14 20:00:00,2024-11-14 20:45:00,5,Ibuprofen,,""\n'
    b'2024-11-12 23:50:00,2024-11-13 00:40:00,8,sumatriptan 6 mg,,""\n'
    b'2024-11-10 21:15:00,2024-11-10 22:00:00,8,"oxygen 15 L/min 20 min, sumatriptan 6 mg",,""\n'
)
CHT_DOSES = (
    b"taken_at,medication,kind,amount,unit,duration_minutes,effectiveness,minutes_to_relief,"
    b"attack_start_time\n"
    b"2024-11-15 09:00:00,Ibuprofen,other,400,mg,,,,\n"
    b"2024-11-13 00:05:00,Sumatriptan,abortive,6,mg,,helped,10,2024-11-12 23:50:00\n"
    b"2024-11-10 21:40:00,Sumatriptan,abortive,6,mg,,no_effect,,2024-11-10 21:15:00\n"
    b"2024-11-10 21:20:00,Oxygen,oxygen,15,L/min,20,helped,8,2024-11-10 21:15:00\n"
)
# Each intake once: the doses file's, and the log's for the attack it has no doses of.
CHT_INTAKES = [
    (datetime(2024, 11, 10, 21, 20), "Oxygen", "15 L/min", "other", ""),
    (datetime(2024, 11, 10, 21, 40), "Sumatriptan", "6 mg", "triptan", ""),
    (datetime(2024, 11, 13, 0, 5), "Sumatriptan", "6 mg", "triptan", ""),
    (datetime(2024, 11, 14, 20, 0), "Ibuprofen", "", "simple_analgesic", ""),
    (datetime(2024, 11, 15, 9, 0), "Ibuprofen", "400 mg", "simple_analgesic", ""),
]


def cht_files(tmp_path: Path) -> dict[str, Path]:
    return {
        "log": written(tmp_path, "headache_logs-2024-11-16.csv", CHT_LOG),
        "doses": written(tmp_path, "medication_doses-2024-11-16.csv", CHT_DOSES),
    }


@pytest.mark.parametrize(
    ("first", "second", "preview"),
    [
        (
            "log",
            "doses",
            "Replaced (medicines imported before from the headache log, by this file's doses"
            " of the same attacks): 3",
        ),
        (
            "doses",
            "log",
            "Not imported (medicines of attacks whose doses are in the diary from the"
            " medication doses file): 3",
        ),
    ],
)
def test_both_cluster_headache_tracker_files_store_each_intake_once(
    app, alice, runner, tmp_path, first, second, preview
):
    files = cht_files(tmp_path)
    imported(app, alice, files[first])
    result = runner.invoke(
        args=["import", str(files[second]), "--user", "alice", "--unlisted-class", "other"]
    )
    assert result.exit_code == 0, result.output
    assert preview in result.output.splitlines()
    _, readings, doses = imported(app, alice, files[first])  # again: adds nothing
    assert doses == CHT_INTAKES
    # The attack over midnight: its sumatriptan counts on the day it was taken, not twice.
    with app.app_context():
        days = overuse(user_row(alice), date(2024, 11, 30)).days_by_class
    assert (days["triptan"], days["simple_analgesic"]) == (2, 2)
    for path in files.values():
        again = plan_of(app, alice, path)
        assert (again.readings, again.doses, again.replaced) == (0, 0, 0)
    assert imported(app, alice, files[second])[1:] == (readings, doses)


def test_the_web_preview_says_which_log_medicines_the_doses_file_replaces(
    app, client, alice, tmp_path
):
    imported(app, alice, cht_files(tmp_path)["log"])
    page = html.unescape(
        upload(client, "medication_doses-2024-11-16.csv", CHT_DOSES).get_data(as_text=True)
    )
    assert (
        "Replaced</dt><dd>3 medicines imported before from the headache log, by this file’s"
        " doses of the same attacks</dd>" in page
    )
    assert "Import 0 attacks, 0 readings and 4 medicines" in page
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/import/other/confirm", data={"token": token})
    with app.app_context():
        doses = db.session.execute(
            select(MedicationDose.taken_at, MedicationDose.name).order_by(MedicationDose.taken_at)
        ).all()
    assert [tuple(d) for d in doses] == [d[:2] for d in CHT_INTAKES]
    page = html.unescape(upload(client, "headache_logs-2024-11-16.csv", CHT_LOG).get_data(True))
    assert (
        "Not imported</dt><dd>3 medicines of attacks whose doses are in your diary from the"
        " medication doses file</dd>" in page
    )
    assert "There is nothing new to import." in page


def confirm_token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_preview_offers_to_mark_the_days_without_an_attack_headache_free(
    app, client, alice, tmp_path
):
    client.post("/readings/new", data={"day": "2024-11-12", "time": "08:00", "pain": "5"})
    with app.app_context():
        mark_day(user_row(alice), date(2024, 11, 13), period=True)
        db.session.commit()
    body = migraine_buddy("11/10/24 9:00", "11/14/24 9:00")
    page = html.unescape(upload(client, "mb.csv", body).get_data(as_text=True))
    # On by default, with the reason.
    assert re.search(r'<input [^>]*checked id="headache_free" name="headache_free"', page)
    assert (
        "Migraine Buddy CSV records attacks only, so a day from 10 Nov 2024 to 14 Nov 2024"
        " without an attack was a day without one." in page
    )
    fields = {"token": confirm_token(page), "headache_free": "y"}
    fields |= {"free_from": "2024-11-10", "free_to": "2024-11-14"}
    done = client.post("/import/other/confirm", data=fields, follow_redirects=True)
    assert "2 days without an attack were marked headache-free." in done.get_data(as_text=True)
    with app.app_context():
        marks = db.session.execute(
            select(DayMark.day, DayMark.headache_free, DayMark.period).order_by(DayMark.day)
        ).all()
    # The 12th has a pain reading of 5: it stays a headache day; the 13th keeps its period.
    assert [tuple(m) for m in marks] == [
        (date(2024, 11, 11), True, False),
        (date(2024, 11, 13), True, True),
    ]


def test_the_days_without_an_attack_stay_unmarked_when_the_patient_says_so(
    app, client, alice, runner, tmp_path
):
    page = html.unescape(
        upload(client, "mb.csv", migraine_buddy("11/10/24 9:00", "11/14/24 9:00")).get_data(
            as_text=True
        )
    )
    # The box left unticked: the form sends no headache_free.
    fields = {"token": confirm_token(page), "free_from": "2024-11-10", "free_to": "2024-11-14"}
    done = client.post("/import/other/confirm", data=fields, follow_redirects=True)
    assert "Imported 2 attacks, 2 readings and 0 medicines" in done.get_data(as_text=True)
    path = written(tmp_path, "mb.csv", migraine_buddy("11/20/24 9:00", "11/24/24 9:00"))
    result = runner.invoke(args=["import", str(path), "--user", "alice", "--no-headache-free-days"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(DayMark.id))) == 0
    # By default the command line marks them, as the preview does.
    path = written(tmp_path, "mb2.csv", migraine_buddy("12/01/24 9:00", "12/04/24 9:00"))
    result = runner.invoke(args=["import", str(path), "--user", "alice"])
    assert "Marked 2 days without an attack as headache-free." in result.output


def test_two_attacks_without_an_end_are_refused_and_nothing_is_imported(
    app, alice, runner, tmp_path
):
    log = (
        b"start_time,end_time,intensity,medication,triggers,notes\n"
        b'2024-11-14 20:00:00,,5,,"Stress",""\n'
        b'2024-11-12 23:50:00,,8,,,""\n'
    )
    path = written(tmp_path, "headache_logs-2024-11-16.csv", log)
    result = runner.invoke(args=["import", str(path), "--user", "alice"])
    assert result.exit_code == 1
    assert (
        "line 3: An attack is already running since 2024-11-14 20:00; stop it first."
        in result.output
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Attack.id))) == 0
    ended = log.replace(b"23:50:00,,", b"23:50:00,2024-11-13 01:00:00,")
    result = runner.invoke(
        args=["import", str(written(tmp_path, "log.csv", ended)), "--user", "alice"]
    )
    assert result.exit_code == 0, result.output
    assert [(a[1], a[6]) for a in attacks_in(app, alice)] == [
        (datetime(2024, 11, 13, 1, 0), []),
        (None, ["stress"]),
    ]


def test_a_trigger_name_that_cannot_be_a_trigger_stays_in_the_note(app, alice, tmp_path):
    head, row = migraine_buddy("11/17/24 9:00").decode().rsplit("\n", 1)
    cells = row.split(",")
    cells[10] = '"Stress, wine; cheese"'  # Potential Triggers
    path = written(tmp_path, "mb.csv", (head + "\n" + ",".join(cells)).encode())
    imported(app, alice, path)
    attack = attacks_in(app, alice)[0]
    assert (attack[6], attack[8]) == (["stress"], "Triggers: wine; cheese.")


def test_an_attack_started_since_the_preview_stops_an_import_with_a_running_one(app, client, alice):
    page = html.unescape(upload(client, "headache_logs-2024-11-16.csv").get_data(as_text=True))
    with app.app_context():
        add_attack(user_row(alice), started_at=datetime(2024, 11, 15, 8, 0))
        db.session.commit()
    done = client.post(
        "/import/other/confirm", data={"token": confirm_token(page)}, follow_redirects=True
    )
    # The file's attack without an end and the one started meanwhile: one runs at a time.
    assert "reached your diary after the preview, so nothing was imported" in (
        done.get_data(as_text=True)
    )
    again = html.unescape(upload(client, "headache_logs-2024-11-16.csv").get_data(as_text=True))
    assert "line 2: An attack is already running since 2024-11-15 08:00; stop it first." in again
    with app.app_context():
        assert db.session.scalar(select(func.count(Attack.id))) == 1
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_the_days_an_import_may_mark_are_those_the_day_rule_does_not_know(app, alice):
    with app.app_context():
        user = user_row(alice)
        add_attack(user, started_at=datetime(2024, 3, 1, 22), ended_at=datetime(2024, 3, 2, 3))
        # Shorter, on the same day; ended at midnight, so not on the next; still going; and
        # one that started before the days asked about.
        add_attack(user, started_at=datetime(2024, 3, 1, 8), ended_at=datetime(2024, 3, 1, 9))
        add_attack(user, started_at=datetime(2024, 2, 26, 20), ended_at=datetime(2024, 2, 29, 1))
        add_attack(user, started_at=datetime(2024, 3, 9, 22), ended_at=datetime(2024, 3, 10))
        add_attack(user, started_at=datetime(2024, 3, 11, 7))
        readings.add_reading(user, recorded_at=datetime(2024, 3, 4, 8), pain=0)
        readings.add_reading(user, recorded_at=datetime(2024, 3, 5, 8), pain=5)
        medications.add_dose(
            user, taken_at=datetime(2024, 3, 6, 8), name="sumatriptan", med_class="triptan"
        )
        mark_day(user, date(2024, 3, 7), period=True)
        mark_day(user, date(2024, 3, 8), headache_free=True)
        first, last = date(2024, 2, 28), date(2024, 3, 13)
        statuses = days.classify_days(user, first, last, days.rule_of(user))
        # A medicine alone, or a period day, says nothing about pain.
        assert (
            days.unknown_days(user, first, last)
            == [d.day for d in statuses if d.status == days.UNKNOWN]
            == [date(2024, 3, n) for n in (3, 6, 7, 10)]
        )
