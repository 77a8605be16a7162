"""Write large exports of the five other diaries, and time importing them (make bench-import).

    python -m bench.large_exports --rows 200000

writes one export per format with that many attacks (each with a medicine, one of
them not in the diary's list), then runs `diary import --dry-run` and `diary import` on
each in a fresh instance and prints the seconds each took, the CPU seconds it used
(which other work on the machine changes less) and the command's peak resident memory.
The command checks the file and inserts its rows as they are checked (a part at a time,
all taken back on a problem); "confirm" is the insert alone, as the web page's
confirmation of a preview does it (timed inside a process that previewed the file
first). `--formats headi migralog` times only those.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2000, 1, 1, 8, 0)
STEP = timedelta(minutes=61)  # 200,000 attacks fit in 23 years, at every minute of the day
LASTED = timedelta(hours=3, minutes=20)
MEDICINES = ("Sumatriptan", "Ibuprofen", "Rizatriptan", "Paracetamol", "Herbal tea")


def _starts(rows: int) -> Iterator[tuple[int, datetime]]:
    for n in range(rows):
        yield n, START + n * STEP


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def _ms(moment: datetime) -> int:
    return int(_epoch(moment) * 1000)


def cluster_headache_tracker(rows: int) -> Iterator[str]:
    yield "start_time,end_time,intensity,medication,triggers,notes\r\n"
    for n, start in _starts(rows):
        yield (
            f"{start:%Y-%m-%d %H:%M:%S},{start + LASTED:%Y-%m-%d %H:%M:%S},{n % 11},"
            f'{MEDICINES[n % 5]},Stress,"note {n}, ok"\r\n'
        )


def headi(rows: int) -> Iterator[str]:
    yield "_id,pain,start_date,end_date,duration,strength,medication,medication_amount,"
    yield "description\n"
    for n, start in _starts(rows):
        first = int(_epoch(start) * 1000)
        yield f"{n},Migräne,{first},{first + 12_000_000},12000000,{n % 11},"
        yield f"{MEDICINES[n % 5]},1,null\n"


def migraine_buddy(rows: int) -> Iterator[str]:
    yield '"No ongoing events recorded during this period."\n\n'
    yield (
        '"#","Started","Lasted","Start UTC Offset (min)","End UTC Offset (min)","Geohash",'
        '"Attack Types","Attack Location","Pain Level","Affected Activities","Potential Triggers",'
        '"Symptoms","Most Bothersome Symptom","Premonitory Symptoms","Pain Positions",'
        '"Helpful Medication","Somewhat Helpful Medication","Unhelpful Medication",'
        '"Unsure Medication","Helpful Non Drug Relief Methods",'
        '"Somewhat Helpful Non Drug Relief Methods","Unhelpful Non Drug Relief Methods",'
        '"Unsure Non Drug Relief Methods","Notes"\n'
    )
    for n, start in _starts(rows):
        started = f"{start:%m/%d/%y} {start.hour}:{start:%M}"
        yield (
            f'"{rows - n}","{started}","03h 20m","0","0","","Migraine","","{n % 11}","","",'
            f'"Nausea","","","","1x {MEDICINES[n % 5]}","","","","","","","",""\n'
        )


def _json_items(items: Iterator[dict]) -> Iterator[str]:
    for n, item in enumerate(items):
        yield ("" if n == 0 else ",") + json.dumps(item)


def migralog(rows: int) -> Iterator[str]:
    yield '{"metadata":{"schemaVersion":1},"medications":['
    yield ",".join(json.dumps({"id": f"M{m}", "name": name}) for m, name in enumerate(MEDICINES))
    yield '],"episodes":['
    yield from _json_items(
        {
            "id": f"E{n}",
            "startTime": _ms(start),
            "endTime": _ms(start + LASTED),
            "triggers": ["stress"],
        }
        for n, start in _starts(rows)
    )
    yield '],"intensityReadings":['
    yield from _json_items(
        {
            "id": f"R{n}",
            "episodeId": f"E{n}",
            "intensity": n % 11,
            "timestamp": _epoch(start) * 1000,
        }
        for n, start in _starts(rows)
    )
    yield '],"medicationDoses":['
    yield from _json_items(
        {
            "id": f"D{n}",
            "medicationId": f"M{n % 5}",
            "timestamp": _epoch(start) * 1000,
            "quantity": 1,
        }
        for n, start in _starts(rows)
    )
    yield "]}"


def headache_companion(rows: int) -> Iterator[str]:
    yield "["
    yield from _json_items(
        {
            "date": f"{start:%Y-%m-%d}",
            "attacks": [
                {
                    "id": f"A{n}",
                    "headacheType": "migraine",
                    "painLevel": float(n % 11),
                    "startTime": _epoch(start),
                    "stopTime": _epoch(start + LASTED),
                }
            ],
            "medications": [
                {"id": f"M{n}", "amount": 1, "name": MEDICINES[n % 5], "time": _epoch(start)}
            ],
        }
        for n, start in _starts(rows)
    )
    yield "]"


WRITERS = {
    "migraine_buddy": (migraine_buddy, "migraine-buddy.csv"),
    "cluster_headache_tracker": (cluster_headache_tracker, "headache_logs-2026-01-01.csv"),
    "migralog": (migralog, "migralog_export.json"),
    "headi": (headi, "headi_diary.csv"),
    "headache_companion": (headache_companion, "HC-DailyData-2026-01-01.json"),
}


def write_export(folder: Path, format_code: str, rows: int) -> Path:
    """Write one format's export with `rows` attacks into folder; return its path."""
    writer, name = WRITERS[format_code]
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as file:
        file.writelines(writer(rows))
    return path


@dataclass(frozen=True)
class Run:
    """One diary command run in a child process: how it ended, took, and what it said."""

    code: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    output: str
    errors: str


# Linux keeps a process's peak memory across exec, so a command started straight from a
# large process (pytest) would report that process's peak as its own. A small Python in
# between forks the command, waits for it and writes its exit status and peak to a pipe.
MEASURED = """
import os, sys
pipe, command = int(sys.argv[1]), sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
os.write(pipe, b"%d %d %f" % (status, usage.ru_maxrss, cpu))
"""


def diary_run(instance: Path, *args: str, given: str = "") -> Run:
    """Run one diary command in a child process; return its exit code, time, peak memory, output."""
    environment = {**os.environ, "DIARY_INSTANCE_PATH": str(instance)}
    started = time.perf_counter()
    read, write = os.pipe()
    with tempfile.TemporaryFile("w+") as output, tempfile.TemporaryFile("w+") as errors:
        command = [sys.executable, "-c", MEASURED, str(write), sys.executable, "-m", "diary"]
        child = subprocess.Popen(
            [*command, *args],
            env=environment,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=errors,
            text=True,
            pass_fds=(write,),
        )
        os.close(write)
        child.stdin.write(given)
        child.stdin.close()
        child.wait()
        with os.fdopen(read, "rb") as pipe:
            status, peak_kb, cpu = pipe.read().split()
        seconds = time.perf_counter() - started
        output.seek(0)
        errors.seek(0)
        return Run(
            os.waitstatus_to_exitcode(int(status)),
            seconds,
            float(cpu),
            int(peak_kb) / 1024,
            output.read(),
            errors.read(),
        )


def succeeded(instance: Path, *args: str, given: str = "") -> Run:
    """Run one diary command that must succeed; return how it ran."""
    run = diary_run(instance, *args, given=given)
    if run.code != 0:
        raise RuntimeError(f"diary {' '.join(args)} failed:\n{run.errors[:2000]}")
    return run


# The web page's confirmation of a preview, in a process that previewed the export as the
# upload does: prints the seconds and CPU seconds of inserting the previewed rows.
CONFIRMED = """
import resource, sys, time
from pathlib import Path
from sqlalchemy import select
from diary import create_app
from diary.extensions import db
from diary.imports import pending, read_export
from diary.imports.plan import apply_rows, plan_import
from diary.models import User
from diary.sqlite import read_phase
from diary.unit import unit_of_work

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

path, username, unlisted = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
with create_app().app_context():
    user = db.session.scalar(select(User).where(User.username == username))
    with pending.new_rows(user.id) as (_, rows):
        with read_phase(db.session):
            plan = plan_import(user, read_export(path, user.timezone), rows, unlisted)
        started, used = time.perf_counter(), cpu()
        with unit_of_work(writes=True):
            apply_rows(user, rows, plan.attack_span)
        print(time.perf_counter() - started, cpu() - used)
"""


def confirmed(instance: Path, path: Path) -> tuple[float, float]:
    """Preview an export in a new account of instance, then time confirming it: the
    seconds and the CPU seconds of the insert."""
    succeeded(instance, "user", "create", "confirm", "--password-stdin", given="bench imports\n")
    done = subprocess.run(
        [sys.executable, "-c", CONFIRMED, str(path), "confirm", "other"],
        env={**os.environ, "DIARY_INSTANCE_PATH": str(instance)},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, cpu = done.stdout.split()
    return float(seconds), float(cpu)


def run_diary(instance: Path, *args: str, given: str = "") -> tuple[float, float, str]:
    """Run one diary command that must succeed; return seconds, its peak memory in MB, output."""
    run = succeeded(instance, *args, given=given)
    return run.seconds, run.peak_mb, run.output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--formats", nargs="*", default=list(WRITERS))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'format':26} {'MB':>5}  preview: {'s':>5} {'CPU s':>5} {'MB':>4}", end="")
        print(f"  import: {'s':>5} {'CPU s':>5} {'MB':>4}  confirm: {'s':>5} {'CPU s':>5}")
        for format_code in options.formats:
            instance = Path(folder) / format_code
            path = write_export(Path(folder), format_code, options.rows)
            succeeded(
                instance, "user", "create", "bench", "--password-stdin", given="bench imports\n"
            )
            command = ("import", str(path), "--user", "bench", "--unlisted-class", "other")
            preview = succeeded(instance, *command, "--dry-run")
            imported = succeeded(instance, *command)
            size = path.stat().st_size / 1e6
            print(f"{format_code:26} {size:5.1f}", end="")
            for run in (preview, imported):
                print(
                    f"          {run.seconds:5.1f} {run.cpu_seconds:5.1f} {run.peak_mb:4.0f}",
                    end="",
                )
            seconds, cpu = confirmed(Path(folder) / f"{format_code}-confirm", path)
            print(f"           {seconds:5.1f} {cpu:5.1f}")


if __name__ == "__main__":
    main()
