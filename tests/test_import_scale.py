"""A large export imports in bounded memory and in time that grows with the file alone: the
file is read and checked a chunk at a time, with a few statements per chunk and no
translation per entry."""

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask_babel import Domain
from sqlalchemy import event

from bench.large_exports import WRITERS, run_diary, write_export
from diary.extensions import db
from diary.imports import read_export
from diary.imports.plan import apply_rows, plan_import
from diary.sqlite import read_phase
from diary.unit import unit_of_work
from tests.conftest import instance_of_alice, make_user, user_row

ROWS = 40_000
# Before streaming, 200,000 rows took 480 MB more than a small file (about 2.4 KB a row);
# a chunk at a time, the command needs a few MB more whatever the size.
GROWTH_LIMIT_MB = 40


@pytest.mark.parametrize("format_code", ["headi", "headache_companion"])
def test_a_large_export_needs_no_more_memory_than_a_small_one(
    tmp_path, monkeypatch, sqlite_template, format_code
):
    peaks, outputs = {}, {}
    for rows in (200, ROWS):
        instance, folder = tmp_path / f"instance-{rows}", tmp_path / f"export-{rows}"
        folder.mkdir()
        path = write_export(folder, format_code, rows)
        instance_of_alice(instance, sqlite_template, monkeypatch)
        _, peaks[rows], outputs[rows] = run_diary(
            instance, "import", str(path), "--user", "alice", "--unlisted-class", "other"
        )
    # Every attack has its medicine (and is an attack with a reading of its pain).
    assert f"Medicines to add: {ROWS}" in outputs[ROWS]
    assert f"and {ROWS} medicines." in outputs[ROWS]
    growth = peaks[ROWS] - peaks[200]
    assert growth < GROWTH_LIMIT_MB, f"{growth:.0f} MB more for {ROWS} rows than for 200"


# Two exports, the second with ten times the attacks (each with its reading and medicine).
FEW, MANY = 100, 1_000


def statements_run(work: Callable[[], object]) -> int:
    """Return how many SQL statements work ran."""
    ran = []

    def count(*_) -> None:
        ran.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(ran)


def previewed_and_imported(app, user_id: int, path: Path) -> tuple[int, int]:
    """Preview an export, then import what it previewed as the upload and its confirmation
    do (days without an attack left unmarked); return the statements each ran."""
    with app.app_context(), tempfile.TemporaryFile() as rows:
        user = user_row(user_id)

        def preview() -> None:
            with read_phase(db.session):
                plan = plan_import(user, read_export(path, user.timezone), rows, "other")
            assert plan.problems == [] and plan.attacks > 0

        def confirm() -> None:
            with unit_of_work(writes=True):
                apply_rows(user, rows)

        return statements_run(preview), statements_run(confirm)


def export_of(tmp_path: Path, format_code: str, attacks: int) -> Path:
    folder = tmp_path / f"{format_code}-{attacks}"
    folder.mkdir()
    return write_export(folder, format_code, attacks)


@pytest.mark.parametrize("format_code", list(WRITERS))
def test_ten_times_the_attacks_take_hardly_more_statements(app, tmp_path, format_code):
    few = previewed_and_imported(app, make_user(app, "few"), export_of(tmp_path, format_code, FEW))
    many = previewed_and_imported(
        app, make_user(app, "many"), export_of(tmp_path, format_code, MANY)
    )
    # Keys are looked up and rows inserted a chunk at a time: a statement for each entry
    # (an N+1) would add 900 or more.
    for phase, before, after in zip(("preview", "import"), few, many, strict=True):
        assert after - before < (MANY - FEW) / 20, f"{phase}: {before} statements, then {after}"


def test_checking_ten_times_the_attacks_looks_the_language_up_no_more_often(
    app, tmp_path, monkeypatch
):
    looked_up = []
    catalogue = Domain.get_translations

    def counted(domain: Domain):
        looked_up.append(1)
        return catalogue(domain)

    monkeypatch.setattr(Domain, "get_translations", counted)
    lookups = []
    for attacks in (FEW, MANY):
        path = export_of(tmp_path, "migraine_buddy", attacks)
        looked_up.clear()
        with app.app_context():
            user = user_row(make_user(app, f"p{attacks}"))
            with read_phase(db.session):
                plan_import(user, read_export(path, user.timezone), None, "other")
        lookups.append(len(looked_up))
    # A field's name is put in the patient's language only when a refusal shows it: a
    # lookup for each value checked took 30% of a large import's time.
    assert lookups[1] == lookups[0]
