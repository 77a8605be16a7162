"""Measure every performance target of the diary in one run (make bench, make bench-quick).

    python bench/run.py [--quick] [--years 10] [--requests 60] [--languages en,de,es,fr]
                        [--skip pdf,imports,load] [--database-url URL --users N]

Generates a fresh instance with ten years of one patient (see generate.py) and times:
- each page over real HTTP against `diary serve` (waitress, SQLite) on a free loopback
  port, beside a bare WSGI app served by waitress the same way (bench/bare.py, the
  stack's own floor), in each language asked, and the downloads daily.csv, the FHIR
  bundle and account.json;
- `diary export` (every file) against `diary --help`, the command's own start-up;
- the report PDF for 90 days (bench/report_pdf.py), imports of 200,000-entry exports of
  other diaries (bench/large_exports.py) and a bounded load test of two processes on
  PostgreSQL behind Caddy (bench/load.py);
then prints each target with the figure measured and whether it is met, and the tables
behind them. --quick (make bench-quick) runs each part smaller: a few minutes in all.
"""

import argparse
import http.cookiejar
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD  # noqa: E402
from bench.load import report as load_report  # noqa: E402
from tests.server import DiaryServer, free_port  # noqa: E402

FLOOR = "/healthz (floor)"
REPORT = "report page"
BEFORE_AFTER = "a treatment's before/after"
# Every page home links to: the navigation's places and home's own links, each within 3x.
LINKED_FROM_HOME = {
    "home page": "/",
    "pain log": "/readings",
    "log with a time or note": "/readings/new",
    "attacks": "/attacks",
    "treatments": "/treatments/",
    "side effects": "/side-effects/",
    "log side effects": "/side-effects/new",
    "medicines": "/medications/",
    "reminders": "/reminders",
    "shared reports": "/shares",
    "MIDAS": "/midas",
    "trends (90 days)": "/trends",
    "export page": "/export",
    "settings": "/account",
    "household": "/household/",
    "more": "/more",
}
PAGES = {
    FLOOR: "/healthz",
    **LINKED_FROM_HOME,
    REPORT: "/report",
    # Filled in with the newest treatment's id once signed in.
    BEFORE_AFTER: "/treatments/{treatment}/outcome",
    "chart data (trends, 365 days)": "/trends?range=365",
}
DOWNLOADS = {
    "readings.csv": "/export/readings.csv",
    "daily.csv": "/export/daily.csv",
    "FHIR bundle": "/export/pain-observations.fhir.json",
    "account.json": "/export/account.json",
}
# The targets: a page's median as a multiple of the floor's, a download's in ms.
PAGE_TIMES = 3
REPORT_TIMES = 15
FLOOR_TIMES_BARE = 2.5
DOWNLOAD_MS = {"daily.csv": 100, "FHIR bundle": 300, "account.json": 300}
EXPORT_ABOVE_START_MS = 300
PDF_SECONDS = 1.0
IMPORT_SECONDS = 10.0
LOAD_P95_MS = 100
# The parts run as modules of their own, by the name --skip takes.
PARTS = {
    "pdf": f"report PDF, 90 days ≤ {PDF_SECONDS:g} s",
    "imports": f"preview and import of a 200,000-entry export ≤ {IMPORT_SECONDS:g} s each",
    "load": f"load test on PostgreSQL: no errors, p95 < {LOAD_P95_MS} ms",
}


def session(base: str, username: str, language: str = "en") -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The account follows the browser's language: each session asks for one.
    opener.addheaders = [("Accept-Language", language)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(base + "/login", data=data).read()
    return opener


def request_ms(opener, url: str) -> float:
    """Return how long one request to url took, to the last byte of its answer, in ms."""
    start = time.perf_counter()
    with opener.open(url) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def time_page(opener, url: str, count: int) -> list[float]:
    opener.open(url).read()  # warm up
    return [request_ms(opener, url) for _ in range(count)]


def time_beside(floor: tuple, page: tuple, count: int) -> "Paired":
    """Time a page's floor, then the page, each an (opener, url): on a machine other work
    shares, the two a ratio divides are timed close together, under the same load.

    In blocks, not in turns: a page's work after its last byte (the collector, the
    session's end) would slow the floor's next request.
    """
    floors = time_page(*floor, count)
    return Paired(Timed.of(time_page(*page, count)), Timed.of(floors))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(frozen=True)
class Timed:
    """A page's or a download's median and 95th percentile, in ms."""

    median: float
    p95: float

    @classmethod
    def of(cls, times: list[float]) -> "Timed":
        return cls(statistics.median(times), statistics.quantiles(times, n=20)[18])


@dataclass(frozen=True)
class Paired:
    """A page's times and those of the floor timed in turn with it."""

    page: Timed
    floor: Timed

    @property
    def ratio(self) -> float:
        return self.page.median / self.floor.median


@dataclass(frozen=True)
class Row:
    """One target: what it asks, what was measured, and whether it is met (None: no target)."""

    target: str
    measured: str
    met: bool | None

    def markdown(self) -> str:
        verdict = {True: "met", False: "**not met**", None: "—"}[self.met]
        return markdown_row([self.target, self.measured, verdict])


def newest_treatment(opener, base: str) -> int:
    """Return the id of the newest of the signed-in patient's treatments."""
    page = opener.open(base + "/treatments/").read().decode()
    return max(int(n) for n in re.findall(r'href="/treatments/(\d+)"', page))


@contextmanager
def bare_app() -> Iterator[str]:
    """Serve a bare WSGI app with waitress (bench/bare.py) while the block runs; yield its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.bare", str(port)], cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_command(args: list[str], env: dict) -> tuple[float, float]:
    """Run a `diary` command; return its wall-clock and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "diary", *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


class PartFailed(Exception):
    """A part of the benchmark failed; the others still run."""


def bench_module(module: str, *args: str) -> str:
    """Run a bench module; return what it printed, or raise PartFailed saying why it failed."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise PartFailed(f"`python -m {module}` failed: {last[0][:200]}")
    return done.stdout


def imports(rows: int, formats: list[str] | None) -> dict[str, tuple[float, float]]:
    """Run bench/large_exports.py; return each format's preview and import seconds."""
    text = bench_module(
        "bench.large_exports", "--rows", str(rows), *(["--formats", *formats] if formats else [])
    )
    print(text, file=sys.stderr)
    header, *lines = text.strip().splitlines()
    # Its table: format, MB, then per phase the seconds, or the seconds, CPU seconds and
    # peak memory when the header names each phase ("preview:").
    per_phase = 3 if "preview:" in header else 1
    found = {}
    for line in lines:
        name, _, *figures = line.split()
        found[name] = (float(figures[0]), float(figures[per_phase]))
    return found


@dataclass(frozen=True)
class Commands:
    """`diary --help` and `diary export`, run in turns: medians of the seconds each took, and
    of what export took above help in each turn, wall-clock and CPU; then a CSV import."""

    start_up: float
    export: float
    above: float
    above_cpu: float
    csv_import: float


def time_commands(instance: Path, env: dict, runs: int) -> Commands:
    """Time `diary --help` and `diary export` in turns, then the import of the exported files."""
    export_dir = instance.parent / "export"
    run_env = {"DIARY_INSTANCE_PATH": str(instance), **env, "PATH": "/usr/bin:/bin"}
    turns = [
        (
            run_command(["--help"], run_env),
            run_command(["export", "--user", "bench0", "--out", str(export_dir)], run_env),
        )
        for _ in range(runs)
    ]
    diary = [sys.executable, "-m", "diary"]
    subprocess.run(
        diary + ["user", "create", "importer", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        env=run_env,
        capture_output=True,
    )
    started = time.perf_counter()
    subprocess.run(
        diary + ["import", str(export_dir), "--user", "importer"],
        check=True,
        env=run_env,
        capture_output=True,
    )
    return Commands(
        statistics.median(help_[0] for help_, _ in turns),
        statistics.median(export[0] for _, export in turns),
        statistics.median(export[0] - help_[0] for help_, export in turns),
        statistics.median(export[1] - help_[1] for help_, export in turns),
        time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Served:
    """What `diary serve` took: /healthz beside a bare app, each page beside /healthz in each
    language, each download, and the server's peak memory."""

    bare: Paired
    pages: dict[str, dict[str, Paired]]
    downloads: dict[str, Timed]
    peak_mb: float


def time_served(instance: Path, env: dict, languages: list[str], requests: int) -> Served:
    """Time each page in each language and each download through `diary serve`."""
    server = DiaryServer(instance, DIARY_LOGIN_RATE_LIMIT="1000 per minute", **env).start()
    try:
        floor = server.url + PAGES[FLOOR]
        with bare_app() as bare_url:
            opener = session(server.url, "bench0")
            bare = time_beside((urllib.request.build_opener(), bare_url), (opener, floor), requests)
        pages: dict[str, dict[str, Paired]] = {}
        for language in languages:
            opener = session(server.url, "bench0", language)
            treatment = newest_treatment(opener, server.url)
            pages[language] = {
                label: time_beside(
                    (opener, floor),
                    (opener, server.url + path.format(treatment=treatment)),
                    requests,
                )
                for label, path in PAGES.items()
            }
        opener = session(server.url, "bench0")
        downloads = {
            label: Timed.of(time_page(opener, server.url + path, requests))
            for label, path in DOWNLOADS.items()
        }
        # Load from 8 threads at once, then read the server's peak memory.
        threads = [
            threading.Thread(
                target=time_page, args=(session(server.url, "bench0"), server.url + "/", 20)
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return Served(bare, pages, downloads, peak_rss_mb(server.process.pid))
    finally:
        server.stop()


def other_parts(quick: bool, skip: set[str]) -> tuple[dict, dict[str, str]]:
    """Run the PDF, import and load benchmarks; return their figures by part, and why any
    that failed did."""
    runs = "3" if quick else "5"
    durations = ["--seconds", "20", "--saturation", "10"] if quick else []
    measures = {
        "pdf": lambda: json.loads(bench_module("bench.report_pdf", "--runs", runs, "--json")),
        "imports": lambda: imports(200_000, ["migraine_buddy"] if quick else None),
        "load": lambda: json.loads(bench_module("bench.load", *durations, "--json")),
    }
    figures, failed = {}, {}
    for part, measure in measures.items():
        if part in skip:
            continue
        try:
            figures[part] = measure()
        except PartFailed as exc:
            failed[part] = str(exc)
    return figures, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each part smaller: a few minutes")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--languages", help="comma-separated, e.g. en,de,es,fr: each page in each")
    parser.add_argument("--skip", default="", help="comma-separated: pdf, imports, load")
    args = parser.parse_args()
    # `python -m diary` and the bench modules are this checkout's, wherever the run starts.
    os.chdir(ROOT)
    requests = args.requests or (20 if args.quick else 60)
    languages = (args.languages or ("en" if args.quick else "en,de,es,fr")).split(",")
    folder = Path(tempfile.mkdtemp(prefix="diary-bench-"))
    instance = folder / "instance"
    env = {"DIARY_DATABASE_URL": args.database_url} if args.database_url else {}
    try:
        generate = [sys.executable, str(ROOT / "bench" / "generate.py"), str(instance)]
        generate += ["--users", str(args.users), "--years", str(args.years)]
        if args.database_url:
            generate += ["--database-url", args.database_url]
        subprocess.run(generate, check=True, capture_output=True)
        commands = time_commands(instance, env, 3 if args.quick else 5)
        served = time_served(instance, env, languages, requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures, failed = other_parts(args.quick, set(filter(None, args.skip.split(","))))
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"\n{args.users} user(s), {args.years} years each, {database}, {requests} requests a"
        f" page{' (quick)' if args.quick else ''}\n"
    )
    print("| target | measured | |")
    print("| --- | --- | --- |")
    for row in targets(served, commands, figures, failed):
        print(row.markdown())
    print_details(served, commands, figures)


def print_details(served: Served, commands: Commands, figures: dict) -> None:
    """Print the tables the targets are judged from."""
    languages = list(served.pages)
    first = languages[0]
    # The first language's median and p95, then each other language's median; each ÷ the
    # median of /healthz timed in turn with it.
    head = [f"{first} median (ms)", f"{first} p95 (ms)", *(f"{la} (ms)" for la in languages[1:])]
    print("\n" + markdown_row(["page", *head]))
    print(markdown_row(["---", *["---:"] * len(head)]))
    bare = served.bare.floor
    bare_cells = [f"{bare.median:.1f}", f"{bare.p95:.1f}", *[""] * (len(languages) - 1)]
    print(markdown_row(["bare WSGI app on waitress", *bare_cells]))
    for label in PAGES:
        paired = [served.pages[language][label] for language in languages]
        medians = [f"{p.page.median:.1f} ({p.ratio:.1f}×)" for p in paired]
        print(markdown_row([label, medians[0], f"{paired[0].page.p95:.1f}", *medians[1:]]))
    print("\n| download | median (ms) | p95 (ms) |")
    print("| --- | ---: | ---: |")
    for label, t in served.downloads.items():
        print(f"| {label} | {t.median:.1f} | {t.p95:.1f} |")
    print(
        f"\n`diary --help` {commands.start_up:.2f} s, `diary export` (every file)"
        f" {commands.export:.2f} s: {commands.above * 1000:.0f} ms more"
        f" ({commands.above_cpu * 1000:.0f} ms more CPU)"
    )
    print(
        f"Import of the four exported CSV files into an empty account: {commands.csv_import:.2f} s"
    )
    print(f"Server peak RSS after 8 concurrent clients: {served.peak_mb:.0f} MB")
    if "load" in figures:
        print("\nLoad test:\n" + load_report(figures["load"]))


def targets(served: Served, commands: Commands, figures: dict, failed: dict[str, str]) -> list[Row]:
    """Return each of the issue's targets with its figure and whether it is met."""
    rows = [*page_rows(served)]
    rows += part_rows("pdf", figures.get("pdf"), pdf_rows, failed)
    for label, limit in DOWNLOAD_MS.items():
        median = served.downloads[label].median
        rows.append(Row(f"{label} at ten years ≤ {limit} ms", f"{median:.0f} ms", median <= limit))
    above = commands.above * 1000
    rows.append(
        Row(
            f"`diary export` ≤ {EXPORT_ABOVE_START_MS} ms above `diary --help`",
            f"{above:.0f} ms ({commands.export:.2f} s against {commands.start_up:.2f} s;"
            f" CPU {commands.above_cpu * 1000:.0f} ms above)",
            above <= EXPORT_ABOVE_START_MS,
        )
    )
    rows += part_rows("imports", figures.get("imports"), import_rows, failed)
    rows += part_rows("load", figures.get("load"), load_rows, failed)
    return rows


def part_rows(part: str, figures, rows_of, failed: dict[str, str]) -> list[Row]:
    """Return a part's rows, or one that says why it was not measured."""
    if figures:
        return rows_of(figures)
    return [Row(PARTS[part], f"not measured: {failed.get(part, 'skipped')}", None)]


def page_rows(served: Served) -> list[Row]:
    """Return the floor's and the pages' targets, each page judged in its worst language."""

    def worst(label: str) -> tuple[float, str]:
        return max((pages[label].ratio, lang) for lang, pages in served.pages.items())

    bare = served.bare
    rows = [
        Row(
            f"`/healthz` ≤ {FLOOR_TIMES_BARE}× a bare WSGI app on waitress",
            f"{bare.page.median:.1f} ms, {bare.ratio:.1f}× ({bare.floor.median:.1f} ms)",
            bare.ratio <= FLOOR_TIMES_BARE,
        )
    ]
    over = sorted(((*worst(label), label) for label in LINKED_FROM_HOME), reverse=True)
    late = [f"{label} {ratio:.1f}× ({lang})" for ratio, lang, label in over if ratio > PAGE_TIMES]
    rows.append(
        Row(
            f"each of the {len(LINKED_FROM_HOME)} pages linked from home"
            f" ≤ {PAGE_TIMES}× `/healthz`",
            f"worst {over[0][2]} {over[0][0]:.1f}×"
            + (f"; over: {', '.join(late)}" if late else ""),
            not late,
        )
    )
    for label, times in ((REPORT, REPORT_TIMES), (BEFORE_AFTER, PAGE_TIMES)):
        ratio, lang = worst(label)
        measured = f"{served.pages[lang][label].page.median:.1f} ms, {ratio:.1f}× ({lang})"
        rows.append(Row(f"{label} ≤ {times}× `/healthz`", measured, ratio <= times))
    return rows


def pdf_rows(pdf: dict) -> list[Row]:
    median = statistics.median(pdf["seconds"])
    measured = f"{median:.2f} s (CPU {statistics.median(pdf['cpu_seconds']):.2f} s)"
    return [Row(f"report PDF, 90 days ≤ {PDF_SECONDS:g} s", measured, median <= PDF_SECONDS)]


def import_rows(imported: dict[str, tuple[float, float]]) -> list[Row]:
    rows = []
    for n, phase in enumerate(("preview", "import")):
        seconds, name = max((times[n], name) for name, times in imported.items())
        rows.append(
            Row(
                f"{phase} of a 200,000-entry export of another diary ≤ {IMPORT_SECONDS:g} s",
                f"slowest of {len(imported)} format(s): {name} {seconds:.1f} s",
                seconds <= IMPORT_SECONDS,
            )
        )
    return rows


def load_rows(load: dict) -> list[Row]:
    paced, full = load["paced"], load["saturation"]
    return [
        Row(
            f"{load['patients']} patients acting every 5 s on average, {load['processes']}"
            f" processes on PostgreSQL: no errors, p95 < {LOAD_P95_MS} ms",
            f"{paced['per_second']}/s, p50 {paced['p50_ms']} ms, p95 {paced['p95_ms']} ms,"
            f" p99 {paced['p99_ms']} ms, {paced['errors']} errors",
            paced["errors"] == 0 and paced["p95_ms"] < LOAD_P95_MS,
        ),
        Row(
            "saturation: the same patients without pause"
            " (before: 39/s with one process, 63 with four)",
            f"{full['per_second']}/s, p95 {full['p95_ms']} ms, {full['errors']} errors",
            None,
        ),
    ]


if __name__ == "__main__":
    main()
