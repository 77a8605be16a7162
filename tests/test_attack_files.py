"""attacks.csv and days.csv: exact round trips, all or nothing, formula-safe, in import order."""

import csv
import html
import io
import zipfile

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Attack, DayMark, Reading
from diary.services import accounts
from tests.conftest import make_user, quote_all, sign_in, user_row
from tests.spreadsheet import resave_all
from tests.test_csv_all import assert_round_trip, write

ATTACKS_HEADER = (
    "started_at,ended_at,peak_pain,side,pulsating,worse_with_activity,nausea,vomiting,"
    "light_sensitivity,sound_sensitivity,aura,aura_minutes,triggers,note"
)
FILES = {
    "attacks.csv": (
        f"{ATTACKS_HEADER}\r\n"
        "2024-03-01T08:00,2024-03-03T14:30,8,left,yes,no,yes,,yes,yes,visual;speech,25,"
        'stress;Red wine,"=after the party, ""bad"""\r\n'
        "2024-03-05T22:10,2024-03-06T01:00,,,,,,,,,,,,\r\n"
        "2024-03-09T07:00,,5,both,no,,,no,,,,,weather,\r\n"
    ),
    "days.csv": "day,headache_free,period\r\n2024-03-04,yes,\r\n2024-03-07,yes,yes\r\n",
}


def test_export_import_export_of_attacks_and_days_is_byte_identical(
    app, runner, tmp_path, alice, bob
):
    assert_round_trip(runner, tmp_path, FILES)
    # As written, every cell quoted; a note that a spreadsheet would run is kept inert.
    attacks = (tmp_path / "a" / "attacks.csv").read_bytes().decode()
    assert attacks == quote_all(
        FILES["attacks.csv"].replace('"=after the party', "\"'=after the party")
    )
    assert (tmp_path / "a" / "days.csv").read_bytes().decode() == quote_all(FILES["days.csv"])
    again = runner.invoke(args=["import", str(tmp_path / "a"), "--user", "alice"])
    assert "attacks.csv: 0 added, 3 already present" in again.output
    assert "days.csv: 0 added, 2 already present" in again.output


def test_the_attack_keeps_what_the_row_says_and_leaves_the_unanswered_unanswered(
    app, runner, tmp_path, alice
):
    write(tmp_path / "in", FILES)
    runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    with app.app_context():
        first, bare, running = db.session.scalars(select(Attack).order_by(Attack.started_at))
        assert (first.side, first.pulsating, first.worse_with_activity) == ("left", True, False)
        assert first.vomiting is None and first.nausea is True
        assert (first.aura, first.aura_minutes) == ("visual;speech", 25)
        assert [t.name for t in first.triggers] == ["stress", "Red wine"]
        assert [bare.peak_pain, bare.side, bare.nausea, bare.triggers] == [None, None, None, []]
        assert running.ended_at is None


def test_a_folder_imports_treatments_then_attacks_then_the_rest(app, runner, tmp_path, alice):
    files = FILES | {"readings.csv": "recorded_at,pain,note\r\n2024-03-01T09:00,6,\r\n"}
    files["treatments.csv"] = (
        "kind,started_on,ended_on,setting,notes\r\nketamine_nasal,2024-02-01,,,\r\n"
    )
    write(tmp_path / "in", files)
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    named = [line.split(":")[0] for line in result.output.splitlines()]
    assert named == ["treatments.csv", "attacks.csv", "readings.csv", "days.csv"]


def test_one_bad_attack_or_day_imports_nothing_and_says_where(app, runner, tmp_path, alice):
    files = dict(FILES)
    files["attacks.csv"] = (
        f"{ATTACKS_HEADER}\r\n"
        "2024-03-01T08:00,2024-03-01T09:00,,,maybe,,,,,,,,,\r\n"
        "2024-03-02T08:00,2024-03-02T07:00,,,,,,,,,,,,\r\n"
        "2024-03-03T08:00,2024-03-03T09:00,,,,,,,,,,20,,\r\n"
    )
    files["days.csv"] = "day,headache_free,period\r\n2024-03-04,,\r\n"
    files["readings.csv"] = "recorded_at,pain,note\r\n2024-03-01T09:00,6,\r\n"
    write(tmp_path / "in", files)
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert result.exit_code == 1
    assert (
        "attacks.csv, line 2: pulsating must be 'yes' or 'no', or empty; not 'maybe'."
        in result.output
    )
    assert "attacks.csv, line 3: The attack cannot stop before it started." in result.output
    assert "attacks.csv, line 4: Say which aura it was, or leave its minutes empty." in (
        result.output
    )
    assert "days.csv, line 2: Mark the day headache-free, a period day, or both" in result.output
    with app.app_context():
        for model in (Attack, DayMark, Reading):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_a_second_running_attack_in_a_file_imports_nothing(app, runner, tmp_path, alice):
    files = {
        "attacks.csv": f"{ATTACKS_HEADER}\r\n"
        "2024-03-01T08:00,,,,,,,,,,,,,\r\n2024-03-02T08:00,,,,,,,,,,,,,\r\n"
    }
    write(tmp_path / "in", files)
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert result.exit_code == 1
    assert "An attack is already running since 2024-03-01 08:00; stop it first." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attack)) == 0


def test_attacks_and_days_saved_again_by_calc_import_back_losslessly(app, client, alice, tmp_path):
    for name, text in FILES.items():
        upload = {"files": (io.BytesIO(text.encode()), name)}
        response = client.post("/import", data=upload, content_type="multipart/form-data")
        assert response.status_code == 302
    originals = {}
    for name in FILES:
        originals[name] = client.get(f"/export/{name}").data
        (tmp_path / name).write_bytes(originals[name])
    paths = [tmp_path / name for name in FILES]
    resaved = resave_all(paths, "comma", tmp_path / "calc", detect_dates=True)
    assert "2024-03-01T08:00:00" in resaved["attacks.csv"]
    other = app.test_client()
    make_user(app, "carol")
    sign_in(other, "carol")
    for name in FILES:
        upload = {"files": (io.BytesIO(resaved[name].encode()), name)}
        response = other.post("/import", data=upload, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)
    for name in FILES:
        assert other.get(f"/export/{name}").data == originals[name], name


def test_the_archive_holds_attacks_and_days(client, alice):
    upload = {"files": (io.BytesIO(FILES["days.csv"].encode()), "days.csv")}
    client.post("/import", data=upload, content_type="multipart/form-data")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/export/diary.zip").data))
    assert archive.read("days.csv").decode() == quote_all(FILES["days.csv"])
    assert archive.read("attacks.csv").decode() == quote_all(ATTACKS_HEADER + "\r\n")


def test_daily_csv_ends_with_each_days_status_and_what_made_it_a_migraine_day(client, alice):
    for name, text in FILES.items():
        upload = {"files": (io.BytesIO(text.encode()), name)}
        client.post("/import", data=upload, content_type="multipart/form-data")
    text = client.get("/export/daily.csv?from=2024-03-01&to=2024-03-08").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][-2:] == ["status", "migraine"]
    assert [(row[0], *row[-2:]) for row in rows[1:]] == [
        ("2024-03-01", "migraine", "features;aura"),
        ("2024-03-02", "migraine", "features"),
        ("2024-03-03", "migraine", "features"),
        ("2024-03-04", "headache_free", ""),
        ("2024-03-05", "headache", ""),
        ("2024-03-06", "headache", ""),
        ("2024-03-07", "headache_free", ""),
        ("2024-03-08", "unknown", ""),
    ]
    # An attack diary alone makes the whole diary's daily.csv start at its first attack.
    whole = client.get("/export/daily.csv").get_data(as_text=True).splitlines()
    assert whole[1].startswith('"2024-03-01"')


def test_the_reports_appendix_lists_attacks_with_what_was_answered_and_the_day_marks(
    app, client, alice
):
    for name, text in FILES.items():
        upload = {"files": (io.BytesIO(text.encode()), name)}
        client.post("/import", data=upload, content_type="multipart/form-data")
    report = "/report?from=2024-03-01&to=2024-03-09&appendix=1"
    # The period is not named while the patient does not keep it.
    assert "Period day" not in client.get(report).get_data(as_text=True)
    with app.app_context():
        accounts.update_profile(user_row(alice), period_tracking=True)
        db.session.commit()
    page = html.unescape(client.get(report).get_data(as_text=True))
    # Vomiting was not answered: it is left out (between nausea and light), never shown as no.
    assert (
        "Attack until 03 Mar 2024, 14:30; Worst pain: 8; Side: left; Pulsating or throbbing: yes;"
        " Worse with routine activity, or activity avoided: no; Nausea: yes;"
        " Sensitive to light: yes; Sensitive to sound: yes; Aura: visual, speech (25 min);"
        " Triggers: Stress, Red wine: =after the party" in page
    )
    assert "Attack until 01:00" not in page and "Attack until 06 Mar 2024, 01:00</span>" in page
    assert (
        "Attack, still going; Worst pain: 5; Side: both sides; Pulsating or throbbing: no" in page
    )
    assert "No headache; Period day" in page
