"""readings.csv: export, import, formula neutralising and exact round trips."""

import io
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading, User
from diary.transfer import ImportRejected, import_files
from diary.transfer.cells import neutralise, restore
from tests.conftest import export_text, quote_all, sign_in

HEADER = "recorded_at,pain,note\r\n"
HOSTILE_NOTES = [
    '=HYPERLINK("http://evil","click")',
    "+1+1",
    "-2 after ibuprofen",
    "@SUM(A1:A2)",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "'quoted already",
    "'=already guarded",
    "''=",
    'comma, and "quotes"',
    "two\nlines\r\nand windows lines",
    "头痛 — мигрень — صداع 🤕",
    "",
    "'",
]


@pytest.mark.parametrize("cell", HOSTILE_NOTES)
def test_restore_undoes_neutralise(cell):
    assert restore(neutralise(cell)) == cell
    assert neutralise(cell)[:1] not in {"=", "+", "-", "@", "\t", "\r"}


def test_restore_leaves_a_foreign_apostrophe_alone():
    assert restore("'quoted") == "'quoted"


def user_in(app, name="alice"):
    return db.session.scalar(select(User).where(User.username == name))


def test_export_import_export_is_byte_identical_with_hostile_notes(app, alice, bob):
    with app.app_context():
        alice_user = user_in(app)
        for minute, note in enumerate(HOSTILE_NOTES):
            db.session.add(
                Reading(
                    user_id=alice,
                    recorded_at=datetime(2024, 2, 1, 9, minute),
                    pain=minute % 11,
                    note=note,
                )
            )
        db.session.add(
            Reading(
                user_id=alice, recorded_at=datetime(2024, 2, 1, 9, 0), pain=0, note=HOSTILE_NOTES[0]
            )
        )
        db.session.commit()
        exported = export_text(alice_user, "readings.csv")
        assert '"2024-02-01T09:01","1","\'+1+1"\r\n' in exported
        assert ',"\'=HYPERLINK(""http://evil""' in exported
        summary = import_files(user_in(app, "bob"), {"readings.csv": exported.encode()})
        db.session.commit()
        assert summary.added == {"readings.csv": len(HOSTILE_NOTES) + 1}
        assert export_text(user_in(app, "bob"), "readings.csv") == exported


def test_import_twice_adds_nothing_the_second_time(app, alice):
    text = (
        HEADER + "2024-01-01T08:00,5,\r\n2024-01-01T08:00,5,\r\n2024-01-02T09:30,3,ok\r\n"
    ).encode()
    with app.app_context():
        first = import_files(user_in(app), {"readings.csv": text})
        db.session.commit()
        second = import_files(user_in(app), {"readings.csv": text})
        db.session.commit()
        assert (first.added, second.added) == ({"readings.csv": 3}, {"readings.csv": 0})
        assert second.already_present == {"readings.csv": 3}
        assert db.session.scalar(select(func.count(Reading.id))) == 3


def test_any_bad_row_rejects_the_whole_file_with_line_numbers(app, alice):
    text = (
        HEADER
        + "2024-01-01T08:00,5,fine\r\n"
        + "2024-02-30T08:00,5,no such day\r\n"
        + "2024-01-02T08:00,11,too high\r\n"
        + '2024-01-03T08:00,4,"a note\r\nover two lines"\r\n'
        + "2024-01-04 08:00,4.5,bad time and score\r\n"
        + "2099-01-01T08:00,4,future\r\n"
        + "2024-01-05T08:00,4\r\n"
        + "2024-01-05T08:00,4,x,extra\r\n"
    ).encode()
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        import_files(user_in(app), {"readings.csv": text})
    reasons = [(p.line, p.reason) for p in caught.value.problems]
    assert reasons == [
        (3, "Time '2024-02-30T08:00' is not a real date and time."),
        (4, "Pain must be from 0 to 10, not 11."),
        # A space for the T is how a spreadsheet may save a time: read as written.
        (7, "Pain must be a whole number from 0 to 10, not '4.5'."),
        (8, "Time 2099-01-01 08:00 is in the future. Log what has already happened."),
        (9, "2 cells, but the header has 3."),
        (10, "4 cells, but the header has 3."),
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_a_missing_trailing_note_column_reads_as_empty(app, alice):
    with app.app_context():
        import_files(user_in(app), {"readings.csv": b"recorded_at,pain\n2024-01-01T08:00,5\n"})
        db.session.commit()
        assert db.session.scalar(select(Reading.note)) == ""


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("readings.csv", b"", "The file is empty."),
        ("upload.csv", b"date,score\n2024-01-01,5\n", "Not a diary CSV file"),
        ("readings.csv", b"recorded_at,pain,note,mood\n", "unknown: mood"),
        ("readings.csv", b"recorded_at,note\n", "missing: pain"),
        ("readings.csv", b"\xff\xfe\x00r\x00e", "not UTF-8 text"),
        (
            "readings.csv",
            b'recorded_at,pain,note\n2024-01-01T08:00,5,"unterminated\n',
            "Not valid CSV",
        ),
    ],
)
def test_unusable_files_are_explained(app, alice, name, data, reason):
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        import_files(user_in(app), {name: data})
    assert reason in str(caught.value.problems[0])


def test_a_bom_and_a_renamed_file_are_accepted(app, alice):
    with app.app_context():
        import_files(
            user_in(app),
            {"readings (1).csv": "\ufeff".encode() + HEADER.encode() + b"2024-01-01T08:00,5,\r\n"},
        )
        db.session.commit()
        assert db.session.scalar(select(func.count(Reading.id))) == 1


def test_web_download_is_a_csv_attachment_of_own_data_only(app, client, alice, bob):
    with app.app_context():
        db.session.add(
            Reading(user_id=alice, recorded_at=datetime(2024, 1, 1, 8), pain=5, note="mine")
        )
        db.session.add(
            Reading(user_id=bob, recorded_at=datetime(2024, 1, 1, 9), pain=9, note="bob's")
        )
        db.session.commit()
    response = client.get("/export/readings.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=readings.csv"
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True) == quote_all(HEADER + "2024-01-01T08:00,5,mine\r\n")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/export/diary.zip").data))
    assert archive.read("readings.csv").decode() == quote_all(
        HEADER + "2024-01-01T08:00,5,mine\r\n"
    )
    assert client.get("/export/passwords.csv").status_code == 404


def test_web_upload_imports_and_reports_duplicates(app, client, alice):
    data = {"files": (io.BytesIO((HEADER + "2024-01-01T08:00,5,x\r\n").encode()), "readings.csv")}
    response = client.post(
        "/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    assert "Imported 1 new entries." in response.get_data(as_text=True)
    data = {"files": (io.BytesIO((HEADER + "2024-01-01T08:00,5,x\r\n").encode()), "readings.csv")}
    response = client.post(
        "/import", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    assert "Imported 0 new entries; 1 were already in your diary." in response.get_data(
        as_text=True
    )


def test_web_upload_lists_every_bad_row_and_imports_nothing(app, client, alice):
    body = HEADER + "2024-01-01T08:00,5,\r\n2024-01-01T08:00,15,\r\nnot a date,5,\r\n"
    data = {"files": (io.BytesIO(body.encode()), "readings.csv")}
    response = client.post("/import", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in page
    assert "readings.csv, line 3: Pain must be from 0 to 10, not 15." in page
    assert (
        "readings.csv, line 4: Time must be a date and time in the form YYYY-MM-DDTHH:MM,"
        " not &#39;not a date&#39;." in page
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_web_upload_without_a_file_says_so(client, alice):
    response = client.post("/import", data={}, follow_redirects=True)
    assert "Choose a CSV file to import." in response.get_data(as_text=True)


def test_signed_out_visitors_cannot_export(app):
    from tests.conftest import make_user

    make_user(app, "alice")
    anonymous = app.test_client()
    assert anonymous.get("/export/readings.csv").location.startswith("/login")
    sign_in(anonymous, "alice")
    assert anonymous.get("/export/readings.csv").status_code == 200
