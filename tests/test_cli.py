"""The diary command line: accounts, import, export, and serve."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from diary.extensions import db
from diary.models import Reading, User
from tests.conftest import PASSWORD, quote_all
from tests.server import DiaryServer

HEADER = "recorded_at,pain,note\r\n"


def test_user_create_from_stdin_and_list(app, runner):
    result = runner.invoke(
        args=["user", "create", "Alice", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created account 'alice' (admin)." in result.output
    runner.invoke(args=["user", "create", "bob", "--password-stdin"], input=PASSWORD + "\n")
    listing = runner.invoke(args=["user", "list"]).output.splitlines()
    assert [line.split("\t")[:2] for line in listing] == [["alice", "admin"], ["bob", "member"]]


def test_user_create_refuses_bad_input_with_a_reason(app, runner):
    result = runner.invoke(args=["user", "create", "alice", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "Passwords need at least 8 characters." in result.output
    result = runner.invoke(
        args=["user", "create", "no spaces", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_import_then_export_round_trip(app, runner, tmp_path, alice):
    source = tmp_path / "in" / "readings.csv"
    source.parent.mkdir()
    source.write_text(HEADER + '2024-01-01T08:00,5,"=1+2, really"\r\n', encoding="utf-8")
    result = runner.invoke(args=["import", str(source), "--user", "alice"])
    assert result.exit_code == 0, result.output
    assert "readings.csv: 1 added, 0 already present" in result.output
    again = runner.invoke(args=["import", str(source.parent), "--user", "alice"])
    assert "readings.csv: 0 added, 1 already present" in again.output
    out = tmp_path / "out"
    result = runner.invoke(args=["export", "--user", "alice", "--out", str(out)])
    assert result.exit_code == 0
    assert (out / "readings.csv").read_bytes().decode("utf-8") == quote_all(
        HEADER + '2024-01-01T08:00,5,"\'=1+2, really"\r\n'
    )


def test_import_of_a_bad_file_lists_rows_and_exits_non_zero(app, runner, tmp_path, alice):
    source = tmp_path / "readings.csv"
    source.write_text(HEADER + "2024-01-01T08:00,5,\r\n2024-01-01T08:00,99,\r\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(source), "--user", "alice"])
    assert result.exit_code == 1
    assert "readings.csv, line 3: Pain must be from 0 to 10, not 99." in result.output
    assert "Error: nothing imported: 1 problem(s), listed above" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Reading.id))) == 0


def test_commands_name_an_unknown_user(app, runner, tmp_path):
    result = runner.invoke(args=["export", "--user", "nobody", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "no account called 'nobody'" in result.output


def test_import_of_a_folder_without_diary_files_fails(app, runner, tmp_path, alice):
    (tmp_path / "notes.txt").write_text("hello")
    result = runner.invoke(args=["import", str(tmp_path), "--user", "alice"])
    assert result.exit_code == 1
    names = (
        "attacks.csv, days.csv, medications.csv, preventive_doses.csv, preventives.csv,"
        " questionnaires.csv, readings.csv, side_effects.csv, treatments.csv"
    )
    assert f"holds none of: {names}" in result.output


def diary_command(*args: str, instance: Path, **kwargs):
    env = {**os.environ, "DIARY_INSTANCE_PATH": str(instance)}
    env.pop("DIARY_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "diary", *args], env=env, **kwargs)


@pytest.mark.diary_serve
def test_console_script_serves_over_http_after_migrating(tmp_path):
    """`diary serve` creates the database from the migrations and answers real HTTP."""
    instance = tmp_path / "instance"
    server = DiaryServer(instance).start()
    try:
        with urllib.request.urlopen(server.url + "/setup", timeout=5) as response:
            body = response.read().decode()
        assert "Create the first account" in body
        assert (instance / "diary.sqlite3").exists()
        assert len((instance / "secret_key").read_text()) == 64
        assert oct((instance / "secret_key").stat().st_mode & 0o777) == "0o600"
        assert len(list((instance / "backups" / "daily").glob("diary-*.sqlite3"))) == 1
    finally:
        server.stop()


def test_console_script_exit_code_and_stderr(tmp_path):
    process = diary_command(
        "export",
        "--user",
        "ghost",
        "--out",
        str(tmp_path / "out"),
        instance=tmp_path / "instance",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stdout == ""
    assert (
        stderr.strip().splitlines()[-1] == "Error: no account called 'ghost' (see: diary user list)"
    )


@pytest.mark.diary_serve
def test_serve_on_a_busy_port_says_so_in_one_line_and_exits_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = diary_command(
            "serve",
            "--port",
            str(port),
            instance=tmp_path / "instance",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    # The migrations' log lines come first, then the one line; no traceback.
    assert err.endswith(
        f"\nError: port {port} is in use on 127.0.0.1: stop what uses it or choose another"
        " with --port\n"
    )
    assert "Traceback" not in err and "Serving" not in out


# What only a PDF, a push message, a calendar feed or a share's QR code needs: none of the
# commands below loads it, so each starts as fast as the app itself (issue 29).
NOT_AT_START = ("weasyprint", "pikepdf", "pywebpush", "aiohttp", "icalendar", "segno")
RUN_AND_LIST_MODULES = """
import sys
from diary.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
print("loaded:", *sorted(set(sys.argv[1].split(",")) & set(sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["export", "--user", "ghost", "--out", "out"]])
def test_commands_start_without_loading_what_only_pdfs_and_pushes_need(tmp_path, args):
    env = {**os.environ, "DIARY_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("DIARY_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, ",".join(NOT_AT_START), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.splitlines()[-1] == "loaded:", done.stdout + done.stderr
    # The command ran: the help lists the commands; the export names the unknown account.
    assert "reminders" in done.stdout or "no account called 'ghost'" in done.stderr
