"""A bounded load test: patients using `diary serve` processes on PostgreSQL behind Caddy.

    python -m bench.load [--patients 50] [--every 5] [--seconds 60] [--saturation 30]
                         [--processes 2] [--json]

Starts a private PostgreSQL server (scripts/postgres-server, which installs Debian's
package when missing), gives each patient a year of entries (bench/generate.py), starts
the `diary serve` processes on one instance folder behind Caddy as docs/clinic.md sets up
a clinic, and signs every patient in. Then each patient acts at random moments, on average
every `every` seconds (a Poisson process, so about patients / every actions a second):
opens home, taps a pain score on the home page it has open (its form, CSRF token and all,
then home again, where the answer sends it), or opens the report. Every request's time is
counted, from sending it to the last byte of its answer; an error is a refused or failed
request, or a reading not saved. Then the same patients act without pause for
`saturation` seconds: the throughput the processes reach (--seconds 0 times only that).
The client is one Python process on the same machine, with a kept-alive connection per
patient, as a browser keeps one.
"""

import argparse
import http.client
import json
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD  # noqa: E402
from tests.proxies import ReverseProxy  # noqa: E402
from tests.server import DiaryServer, free_port  # noqa: E402

POSTGRES = ROOT / "scripts" / "postgres-server"
# What a patient does when they act, and how often of every 20 times.
ACTIONS = {"home": 12, "log pain": 5, "report": 3}
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
QUICK_LOG = re.compile(r'<form method="post" action="(/readings/quick)"(.*?)</form>', re.S)


def _attribute(tag: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', tag)
    return found.group(1) if found else ""


@dataclass
class Timing:
    """One request: what it was, when it started (monotonic seconds), how long it took."""

    kind: str
    started: float
    ms: float
    ok: bool


@dataclass
class Patient:
    """One signed-in patient on a kept-alive connection to the proxy, as a browser keeps one."""

    base: str
    username: str
    timings: list[Timing]
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPSConnection | None = None
    # The fields of the quick log form on the home page last opened.
    form: dict[str, str] | None = None

    def request(
        self, kind: str, method: str, path: str, fields=None, page: str = "/"
    ) -> tuple[int, dict, str]:
        """Send one request and count its time; return its status, headers and text.

        A form's fields are sent from page, as a browser says (CSRF checks the Referer).
        """
        parts = urlsplit(self.base)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + page
        started = time.monotonic()
        try:
            if self.connection is None:
                context = ssl._create_unverified_context()  # noqa: S323 (the bench's own certificate)
                self.connection = http.client.HTTPSConnection(
                    parts.hostname, parts.port, context=context, timeout=60
                )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.timings.append(Timing(kind, started, (time.monotonic() - started) * 1000, False))
            self.connection = None
            return 0, {}, ""
        elapsed = (time.monotonic() - started) * 1000
        for line in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        self.timings.append(Timing(kind, started, elapsed, response.status < 400))
        return response.status, dict(response.headers), text

    def sign_in(self) -> None:
        """Sign in through the form, as the patient's browser does, and open home."""
        _, _, page = self.request("sign-in", "GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        fields = {"username": self.username, "password": PASSWORD, "csrf_token": token}
        status, _, _ = self.request("sign-in", "POST", "/login", fields, page="/login")
        if status != 302:
            raise RuntimeError(f"{self.username} could not sign in: {status}")
        self.home("/")

    def home(self, path: str) -> None:
        """Open home, keeping its quick log form's fields (its CSRF token among them)."""
        status, _, page = self.request("home", "GET", path)
        form = QUICK_LOG.search(page) if status == 200 else None
        self.form = (
            {_attribute(tag, "name"): _attribute(tag, "value") for tag in HIDDEN.findall(form[2])}
            if form
            else None
        )

    def act(self, action: str) -> None:
        """Do one thing a patient does: view home, tap a pain score on it, or view the report."""
        if action == "report":
            self.request("report", "GET", "/report")
        elif action == "home" or self.form is None:
            self.home("/")
        else:
            fields = {**self.form, "pain": str(random.randint(0, 10))}
            status, headers, _ = self.request("log pain", "POST", "/readings/quick", fields)
            location = headers.get("Location", "")
            if status == 302 and "saved=" not in location:
                # Sent back without saving (a refusal is flashed on the page): not what was asked.
                self.timings[-1].ok = False
            # The browser follows the answer to home, with the reading just saved.
            self.form = None
            if status == 302:
                self.home(urlsplit(location)._replace(scheme="", netloc="").geturl())


def _actions(rng: random.Random):
    names, weights = list(ACTIONS), list(ACTIONS.values())
    while True:
        yield rng.choices(names, weights)[0]


def paced(patient: Patient, every: float, until: float, seed: int) -> None:
    """Act at the moments of a Poisson process of rate 1/every until the monotonic time until."""
    rng = random.Random(seed)
    actions = _actions(rng)
    moment = time.monotonic() + rng.expovariate(1 / every)
    while moment < until:
        # Waiting for the next moment is the patient's pause, not a wait for the server.
        time.sleep(max(0.0, moment - time.monotonic()))
        patient.act(next(actions))
        moment += rng.expovariate(1 / every)


def unpaced(patient: Patient, until: float, seed: int) -> None:
    """Act again as soon as each action is done, until the monotonic time until."""
    actions = _actions(random.Random(seed))
    while time.monotonic() < until:
        patient.act(next(actions))


def percentile(values: list[float], share: float) -> float:
    """Return the value below which share of the values lie (nearest rank)."""
    ordered = sorted(values)
    return (
        ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))] if ordered else 0.0
    )


def summary(timings: list[Timing], seconds: float) -> dict:
    """Return the throughput, the latency percentiles and the errors of a phase."""
    times = [t.ms for t in timings]
    figures = {
        "requests": len(timings),
        "seconds": round(seconds, 1),
        "per_second": round(len(timings) / seconds, 1),
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "errors": sum(not t.ok for t in timings),
        "by_kind": {},
    }
    for kind in sorted({t.kind for t in timings}):
        of_kind = [t.ms for t in timings if t.kind == kind]
        figures["by_kind"][kind] = {
            "requests": len(of_kind),
            "p50_ms": round(percentile(of_kind, 0.50), 1),
            "p95_ms": round(percentile(of_kind, 0.95), 1),
        }
    return figures


def run_phase(patients: list[Patient], target, seconds: float, **kwargs) -> dict:
    """Run every patient in a thread of its own for seconds; return the phase's summary."""
    for patient in patients:
        patient.timings.clear()
    started, cpu = time.monotonic(), time.process_time()
    until = started + seconds
    threads = [
        threading.Thread(target=target, args=(p,), kwargs={"until": until, "seed": n, **kwargs})
        for n, p in enumerate(patients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings = [t for p in patients for t in p.timings]
    seconds = time.monotonic() - started
    # The client shares the machine's cores with the servers: how much of one it took.
    return summary(timings, seconds) | {
        "client_cores": round((time.process_time() - cpu) / seconds, 2)
    }


def postgres(folder: Path) -> tuple[str, Path]:
    """Start a private PostgreSQL server with an empty database; return its URL and data folder."""
    folder.chmod(0o755)  # the postgres user (when run as root) must reach its data folder
    data, port = folder / "postgres", free_port()
    subprocess.run([str(POSTGRES), "start", str(data), str(port)], check=True)
    import psycopg

    with psycopg.connect(f"postgresql://diary@127.0.0.1:{port}/postgres", autocommit=True) as db:
        db.execute("CREATE DATABASE diary_bench")
    return f"postgresql+psycopg://diary@127.0.0.1:{port}/diary_bench", data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument(
        "--every", type=float, default=5.0, help="seconds between actions, on average"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--saturation", type=float, default=30.0, help="seconds without pause")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="diary-load-"))
    url, data = postgres(folder)
    instance = folder / "instance"
    servers, proxy = [], None
    try:
        log = sys.stderr
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "generate.py"), str(instance)]
            + ["--users", str(options.patients), "--years", "1", "--database-url", url],
            check=True,
            stdout=log,
            stderr=subprocess.DEVNULL,
        )
        env = {
            "DIARY_DATABASE_URL": url,
            "DIARY_PROXY_COUNT": "1",
            "DIARY_SECURE_COOKIES": "true",
            "DIARY_BACKUP_KEEP": "0",
            # Every patient signs in from this one address.
            "DIARY_LOGIN_RATE_LIMIT": "1000 per minute",
        }
        servers = [DiaryServer(instance, **env).start() for _ in range(options.processes)]
        proxy = ReverseProxy("caddy", folder / "caddy", *(s.port for s in servers)).start()
        patients = [Patient(proxy.url, f"bench{n}", []) for n in range(options.patients)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(Patient.sign_in, patients))
        figures = {"patients": options.patients, "processes": options.processes}
        if options.seconds:
            figures["paced"] = run_phase(patients, paced, options.seconds, every=options.every)
        if options.saturation:
            figures["saturation"] = run_phase(patients, unpaced, options.saturation)
    finally:
        if proxy:
            proxy.stop()
        for server in servers:
            server.stop()
        subprocess.run([str(POSTGRES), "stop", str(data)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures) if options.json else report(figures))


def report(figures: dict) -> str:
    """Return the figures as lines to read."""
    lines = [
        f"{figures['patients']} patients, {figures['processes']} processes"
        " on PostgreSQL behind Caddy"
    ]
    for phase, name in (("paced", "acting at random"), ("saturation", "without pause")):
        if phase in figures:
            f = figures[phase]
            lines.append(
                f"{name}: {f['requests']} requests in {f['seconds']} s, {f['per_second']}/s,"
                f" p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms,"
                f" {f['errors']} errors; the client took {f['client_cores']} of a core"
            )
            for kind, k in f["by_kind"].items():
                lines.append(
                    f"  {kind}: {k['requests']}, p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
