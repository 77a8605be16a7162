"""Measure the diary over real HTTP against `diary serve` with years of data.

    python bench/run.py [--years 10] [--requests 60] [--database-url URL --users N]

Generates a fresh instance (see generate.py), starts `diary serve` on a free
loopback port, signs in, and times each page with a plain HTTP client. Prints
a Markdown table of median and p95 latencies, the CSV import time, the
query counts and the server's peak RSS.
"""

import argparse
import http.cookiejar
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD  # noqa: E402
from tests.server import DiaryServer  # noqa: E402

PAGES = {
    "/healthz (floor)": "/healthz",
    "home page": "/",
    # Every page the navigation links to from home.
    "pain log": "/readings",
    "treatments": "/treatments/",
    "side effects": "/side-effects/",
    "medicines": "/medications/",
    "reminders": "/reminders",
    "MIDAS": "/midas",
    "trends (90 days)": "/trends",
    "export page": "/export",
    "settings": "/account",
    "household": "/household/",
    "chart data (trends, 365 days)": "/trends?range=365",
    "report page": "/report",
    "CSV export (readings.csv)": "/export/readings.csv",
    "daily.csv, all days": "/export/daily.csv",
    "FHIR export": "/export/pain-observations.fhir.json",
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


def time_page(opener, url: str, count: int) -> list[float]:
    opener.open(url).read()  # warm up
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with opener.open(url) as response:
            response.read()
        times.append((time.perf_counter() - start) * 1000)
    return times


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--languages", default="en", help="comma-separated, e.g. en,de,es,fr: each page in each"
    )
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="diary-bench-")) / "instance"
    generate = [
        sys.executable,
        str(ROOT / "bench" / "generate.py"),
        str(instance),
        "--users",
        str(args.users),
        "--years",
        str(args.years),
    ]
    env = {}
    if args.database_url:
        generate += ["--database-url", args.database_url]
        env["DIARY_DATABASE_URL"] = args.database_url
    started = time.perf_counter()
    subprocess.run(generate, check=True)
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    export_dir = instance.parent / "export"
    diary = [sys.executable, "-m", "diary"]
    run_env = {"DIARY_INSTANCE_PATH": str(instance), **env, "PATH": "/usr/bin:/bin"}
    subprocess.run(
        diary + ["export", "--user", "bench0", "--out", str(export_dir)],
        check=True,
        env=run_env,
        capture_output=True,
    )
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
    import_seconds = time.perf_counter() - started

    server = DiaryServer(instance, DIARY_LOGIN_RATE_LIMIT="1000 per minute", **env).start()
    try:
        tables = {}
        for language in args.languages.split(","):
            opener = session(server.url, "bench0", language)
            rows = tables[language] = []
            for label, path in PAGES.items():
                times = time_page(opener, server.url + path, args.requests)
                p95 = statistics.quantiles(times, n=20)[18]
                rows.append((label, statistics.median(times), p95))
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
        rss = peak_rss_mb(server.process.pid)
    finally:
        server.stop()

    database = "PostgreSQL" if args.database_url else "SQLite"
    for language, rows in tables.items():
        floor = rows[0][1]
        print(
            f"\n{args.users} user(s), {args.years} years each, {database},"
            f" {args.requests} requests a page, Accept-Language: {language}\n"
        )
        print("| page | median (ms) | p95 (ms) | median ÷ /healthz |")
        print("| --- | ---: | ---: | ---: |")
        for label, median, p95 in rows:
            print(f"| {label} | {median:.1f} | {p95:.1f} | {median / floor:.1f}× |")
    print(f"\nImport of the four exported CSV files into an empty account: {import_seconds:.2f} s")
    print(f"Server peak RSS after 8 concurrent clients: {rss:.0f} MB")


if __name__ == "__main__":
    main()
