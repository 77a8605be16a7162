"""A large export is read in a second process while the diary checks what it read (the
second process checks chunks too when the diary is behind): the preview, the problems
(each naming its row, in the same order, in the patient's language), the message of a
file that cannot be read and the rows kept for the confirmation are those of reading it
in one process."""

import fcntl
import gc
import io
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale

from diary.collector import collector_paused
from diary.extensions import db
from diary.imports import Unreadable, aside, read_export
from diary.imports import plan as plan_module
from diary.imports.plan import Plan, plan_import
from diary.imports.source import Source
from tests.conftest import user_row
from tests.test_imports import DATA, written

HEADI = (DATA / "20241116_101500_headi_diary.csv").read_text()


def previewed(
    app,
    user_id: int,
    path: Path,
    read_aside: bool,
    behind: int = aside.BEHIND,
    language: str = "en",
) -> tuple[Plan, bytes]:
    """Return an export's preview and the rows it keeps, read in a second process or here;
    the second process checks a chunk itself when the diary has behind of them to take."""
    limit = 0 if read_aside else float("inf")
    with app.app_context(), force_locale(language), pytest.MonkeyPatch.context() as patch:
        patch.setattr(aside, "ASIDE_BYTES", limit)
        patch.setattr(aside, "BEHIND", behind)
        user = user_row(user_id)
        with tempfile.TemporaryFile() as rows:
            plan = plan_import(user, read_export(path, user.timezone), rows, "other")
            rows.seek(0)
            kept = rows.read()
        db.session.rollback()
    return plan, kept


# The second process checks no chunk itself (the diary keeps up), or every one.
CHECKED_ASIDE = pytest.mark.parametrize("behind", [1_000_000, 0], ids=["read", "checked"])


def checks_here(monkeypatch) -> list[str]:
    """Return the list of the service checks this process makes from now on, by name."""
    made: list[str] = []
    for name in ("_attack_row", "_intensity_row", "_dose_row"):
        check = getattr(plan_module, name)
        monkeypatch.setattr(
            plan_module,
            name,
            lambda *args, check=check, name=name: made.append(name) or check(*args),
        )
    return made


@CHECKED_ASIDE
@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
def test_an_export_read_in_a_second_process_previews_as_one_read_here(
    app, alice, name, behind, monkeypatch
):
    made = checks_here(monkeypatch)
    plan, kept = previewed(app, alice, DATA / name, read_aside=True, behind=behind)
    if behind == 0 and not plan.problem_count:
        assert made == []  # the second process checked every entry, and none was refused
    assert (plan, kept) == previewed(app, alice, DATA / name, read_aside=False)


@CHECKED_ASIDE
def test_problems_read_in_a_second_process_name_their_rows_in_order(app, alice, tmp_path, behind):
    # Line 2's pain is checked here (or refused there and checked again here), line 5's
    # time was refused by the reader in the child.
    bad = HEADI.replace(",7,Sumatriptan", ",11,Sumatriptan").replace("1729989000000", "soon")
    path = written(tmp_path, "headi.csv", bad.encode())
    plan, kept = previewed(app, alice, path, read_aside=True, behind=behind)
    assert plan.problems == [
        ("line 5", "'soon' is not a time in milliseconds since 1970"),
        ("line 2", "Worst pain must be from 0 to 10, not 11."),
    ]
    assert plan.problem_count == 2
    assert (plan, kept) == previewed(app, alice, path, read_aside=False)


@pytest.mark.parametrize(("behind", "checked_here"), [(1_000_000, 5), (0, 0)])
def test_the_second_process_checks_the_entries_when_the_diary_is_behind(
    app, alice, tmp_path, monkeypatch, behind, checked_here
):
    made = checks_here(monkeypatch)
    path = written(tmp_path, "headi.csv", HEADI.encode())
    plan, _ = previewed(app, alice, path, read_aside=True, behind=behind)
    assert (plan.attacks, plan.doses) == (3, 2)
    assert len(made) == checked_here


def test_a_problem_the_second_process_found_is_worded_in_the_patients_language(
    app, alice, tmp_path
):
    bad = HEADI.replace(",7,Sumatriptan", ",11,Sumatriptan")
    path = written(tmp_path, "headi.csv", bad.encode())
    plan, kept = previewed(app, alice, path, read_aside=True, behind=0, language="de")
    assert (plan, kept) == previewed(app, alice, path, read_aside=False, language="de")
    assert plan.problems == [
        ("line 2", "„Stärkster Schmerz“ muss zwischen 0 und 10 liegen, nicht 11.")
    ]


def test_a_file_the_second_process_cannot_read_is_refused_with_the_same_message(
    app, alice, tmp_path
):
    path = written(tmp_path, "headi.csv", (HEADI + '7,x,1,2,1,5,,0,"never closed\n').encode())
    with pytest.raises(Unreadable) as aside_refused:
        previewed(app, alice, path, read_aside=True)
    with pytest.raises(Unreadable) as refused:
        previewed(app, alice, path, read_aside=False)
    assert str(aside_refused.value) == str(refused.value)
    assert str(refused.value).startswith("Not valid CSV at line 6")


@pytest.mark.parametrize(
    "sent",
    [
        pickle.dumps(("chunk", os.getcwd, {})),  # a function: nothing the reader sends
        pickle.dumps(("chunk", (), {}))[:-3],  # the reader killed half-way through a chunk
    ],
)
def test_the_diary_takes_only_whole_answers_of_the_reading_process(sent):
    with pytest.raises(RuntimeError, match="The process reading the export stopped"):
        list(aside._received(Source("headi", "UTC"), io.BytesIO(sent)))


def test_the_reading_process_reads_on_while_the_pipe_to_the_diary_is_full():
    # The diary is busy (a part's insert and commit): the pipe is full, and the reader
    # keeps OUTBOX_MESSAGES chunks ready meanwhile instead of waiting, and no more.
    reading, writing = os.pipe()
    full = fcntl.fcntl(writing, fcntl.F_GETPIPE_SZ)
    messages = [("chunk", "x" * 2 * full, {})] + [
        ("chunk", n, {}) for n in range(aside.OUTBOX_MESSAGES)
    ]
    with open(writing, "wb") as pipe, open(reading, "rb") as diary:
        outbox = aside._Outbox(pipe)
        all_sent = threading.Event()
        threading.Thread(target=lambda: [*map(outbox.send, messages), all_sent.set()]).start()
        assert all_sent.wait(timeout=30)
        assert outbox.waiting.full()
        assert [aside._Answers(diary).load() for _ in messages] == messages
        outbox.close()


def test_the_reading_process_stops_sending_once_the_diary_is_gone():
    reading, writing = os.pipe()
    os.close(reading)
    refused: list[BaseException] = []

    def send_until_refused() -> None:
        outbox = aside._Outbox(pipe)
        try:
            for n in range(10_000):  # refused after a few: what waits is still taken off
                outbox.send(("chunk", n, {}))
        except BrokenPipeError as exc:
            refused.append(exc)
        outbox.close()

    with open(writing, "wb", buffering=0) as pipe:
        sending = threading.Thread(target=send_until_refused, daemon=True)
        sending.start()
        sending.join(timeout=30)  # a reader waiting on a full queue would never end
        assert not sending.is_alive()
    assert len(refused) == 1


@pytest.mark.parametrize("collecting", [True, False])
def test_a_preview_leaves_the_garbage_collector_as_it_found_it(app, alice, tmp_path, collecting):
    # The collector is paused while the entries are checked (they make no cycles).
    path = written(tmp_path, "headi.csv", (HEADI + '7,x,1,2,1,5,,0,"never closed\n').encode())
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        with pytest.raises(Unreadable):
            previewed(app, alice, path, read_aside=False)
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_overlapping_pauses_keep_the_collector_paused_until_the_last_ends():
    # A preview and a confirmation of two patients in one `diary serve`.
    was = gc.isenabled()
    gc.enable()
    preview, confirmation = collector_paused(), collector_paused()
    try:
        preview.__enter__()
        confirmation.__enter__()
        preview.__exit__(None, None, None)
        assert not gc.isenabled()
        confirmation.__exit__(None, None, None)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


# What the web app loads that reading an export needs not.
HEAVY = {"diary.factory", "diary.extensions", "diary.models", "sqlalchemy", "flask_migrate"}


def test_the_reading_process_starts_without_the_web_apps_database_and_migrations():
    # Its start is on the path of every large preview: the readers alone take a fifth of
    # a second to import, the app with SQLAlchemy and Alembic another half.
    loaded = subprocess.run(
        [
            sys.executable,
            "-P",
            "-c",
            f"import sys, diary.imports.aside; print(*{HEAVY} & {{*sys.modules}})",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert loaded.stdout.split() == []
