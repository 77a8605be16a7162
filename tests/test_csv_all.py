"""All four diary CSV files: exact round trips, folder imports that are all or nothing."""

import io

from sqlalchemy import func, select

from diary.extensions import db
from diary.models import MedicationDose, Reading, SideEffectReport, Treatment
from tests.conftest import quote_all

FILES = {
    "treatments.csv": (
        "kind,started_on,ended_on,setting,notes,name\r\n"
        'ketamine_iv_inpatient,2024-03-04,2024-03-09,"Jefferson, Philadelphia","=five days",\r\n'
        "ketamine_nasal,2024-04-01,,,,\r\n"
        'other,2024-05-02,2024-05-02,,,"Botox, 155 units"\r\n'
    ),
    "readings.csv": 'recorded_at,pain,note\r\n2024-03-01T08:00,7,"before, ""bad"""\r\n',
    "side_effects.csv": (
        "recorded_at,effect,severity,note\r\n"
        "2024-03-05T20:00,dissociation,moderate,\r\n"
        "2024-03-06T09:00,other,mild,'+ringing ears\r\n"
    ),
    "medications.csv": (
        "taken_at,name,dose,class,note\r\n2024-03-02T07:30,sumatriptan,50 mg,triptan,'-@home\r\n"
    ),
}


def write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))


def assert_round_trip(runner, tmp_path, files: dict[str, str]) -> None:
    """Import files as alice, export them (to a/), import that as bob, export again (b/):
    both exports must be the same bytes."""
    write(tmp_path / "in", files)
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["export", "--user", "alice", "--out", str(tmp_path / "a")])
    runner.invoke(args=["import", str(tmp_path / "a"), "--user", "bob"])
    runner.invoke(args=["export", "--user", "bob", "--out", str(tmp_path / "b")])
    for name in files:
        exported = (tmp_path / "a" / name).read_bytes()
        assert exported == (tmp_path / "b" / name).read_bytes(), name


def test_export_import_export_of_every_file_is_byte_identical(app, runner, tmp_path, alice, bob):
    assert_round_trip(runner, tmp_path, FILES)
    assert (tmp_path / "a" / "treatments.csv").read_bytes().decode() == quote_all(
        FILES["treatments.csv"].replace('"=five days"', "'=five days")
    )
    again = runner.invoke(args=["import", str(tmp_path / "a"), "--user", "alice"])
    assert "side_effects.csv: 0 added, 2 already present" in again.output


def test_a_treatments_csv_from_before_the_name_column_still_imports(app, runner, tmp_path, alice):
    old = "kind,started_on,ended_on,setting,notes\r\nother,2024-05-02,2024-05-02,Clinic,\r\n"
    write(tmp_path / "in", {"treatments.csv": old})
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert "treatments.csv: 1 added" in result.output, result.output
    runner.invoke(args=["export", "--user", "alice", "--out", str(tmp_path / "a")])
    assert (tmp_path / "a" / "treatments.csv").read_bytes().decode() == quote_all(
        "kind,started_on,ended_on,setting,notes,name\r\nother,2024-05-02,2024-05-02,Clinic,,\r\n"
    )


def test_one_bad_file_in_a_folder_imports_nothing_at_all(app, runner, tmp_path, alice):
    files = dict(FILES)
    files["medications.csv"] = (
        "taken_at,name,dose,class,note\r\n2024-03-02T07:30,aspirin,,painkiller,\r\n"
    )
    files["side_effects.csv"] = (
        "recorded_at,effect,severity,note\r\n2024-03-05T20:00,headache,mild,\r\n"
    )
    write(tmp_path / "in", files)
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert result.exit_code == 1
    assert "medications.csv, line 2: 'painkiller' is not a medication class" in result.output
    assert "side_effects.csv, line 2: 'headache' is not a side-effect code" in result.output
    with app.app_context():
        for model in (Treatment, Reading, SideEffectReport, MedicationDose):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_a_medicine_row_not_in_the_list_without_a_class_is_refused_with_its_line(
    app, client, alice
):
    body = (
        "taken_at,name,dose,class,note\r\n"
        "2024-03-02T07:30,sumatriptan,50 mg,triptan,\r\n"
        "2024-03-02T09:00,herbal drops,10 drops,,\r\n"
    )
    data = {"files": (io.BytesIO(body.encode()), "medications.csv")}
    response = client.post("/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert (
        "medications.csv, line 3: This medicine is not in the diary&#39;s list: choose the kind"
        " of medicine." in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MedicationDose)) == 0


def test_treatment_rows_are_checked_for_dates_and_kind(app, runner, tmp_path, alice):
    write(
        tmp_path / "in",
        {
            "treatments.csv": "kind,started_on,ended_on,setting,notes\r\n"
            "ketamine_iv_inpatient,2024-03-09,2024-03-04,,\r\n"
            "acupuncture,2024-02-30,,,\r\n"
        },
    )
    result = runner.invoke(args=["import", str(tmp_path / "in"), "--user", "alice"])
    assert "treatments.csv, line 2: The end date is before the start date." in result.output
    assert (
        "treatments.csv, line 3: 'acupuncture' is not a treatment kind; use one of: "
        "ketamine_iv_inpatient" in result.output
    )
    assert "Start date '2024-02-30' is not a real date." in result.output


def test_web_export_page_offers_all_four_files(client, alice):
    page = client.get("/export").get_data(as_text=True)
    for name in FILES:
        assert f'href="/export/{name}"' in page
        assert client.get(f"/export/{name}").status_code == 200
