"""Time the report PDF for 90 days with two treatments (make bench-pdf).

    python -m bench.report_pdf [--runs 5] [--json]

fills a fresh instance with 90 days of readings (3 a day), two treatments and a
medicine a week, then renders /report.pdf through the app the given number of
times and prints each time and the median, in wall-clock and in CPU seconds (which the
load of other processes on the machine does not inflate).
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta

PASSWORD = "benchmark password"


def fill(app) -> None:
    from diary.clock import local_today
    from diary.extensions import db
    from diary.services.accounts import create_user
    from diary.services.medications import add_dose
    from diary.services.readings import add_reading
    from diary.services.treatments import add_treatment

    with app.app_context():
        user = create_user("bench", PASSWORD)
        today = local_today(user.timezone)
        # The 90 days up to yesterday: a reading later today would be in the future.
        first = today - timedelta(days=90)
        for n in range(90):
            day = first + timedelta(days=n)
            for hour in (8, 14, 20):
                moment = datetime.combine(day, datetime.min.time()).replace(hour=hour)
                add_reading(user, recorded_at=moment, pain=7 - (n > 30) * 3 + hour % 3)
            if n % 7 == 0:
                add_dose(
                    user,
                    taken_at=datetime.combine(day, datetime.min.time()).replace(hour=9),
                    name="sumatriptan",
                    dose="50 mg",
                    med_class="triptan",
                )
        for offset, kind in ((30, "ketamine_iv_inpatient"), (60, "nerve_block")):
            add_treatment(
                user,
                kind=kind,
                started_on=first + timedelta(days=offset),
                ended_on=first + timedelta(days=offset + 4),
            )
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DIARY_INSTANCE_PATH"] = folder
        from diary import create_app
        from diary.migrating import migrate_database

        app = create_app()
        app.config["WTF_CSRF_ENABLED"] = False  # the bench signs in without a form page
        with app.app_context():
            migrate_database()
        fill(app)
        client = app.test_client()
        client.post("/login", data={"username": "bench", "password": PASSWORD})
        times, cpu_times = [], []
        for _ in range(options.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get("/report.pdf")
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            if response.mimetype != "application/pdf":
                raise SystemExit(f"no PDF: {response.status_code} {response.get_data()[:200]!r}")
        if options.json:
            figures = {"seconds": times, "cpu_seconds": cpu_times, "kb": len(response.data) // 1024}
            print(json.dumps(figures))
            return
        print("report.pdf, 90 days, two treatments: " + ", ".join(f"{t:.2f} s" for t in times))
        print(f"median {statistics.median(times):.2f} s ({len(response.data) // 1024} KB)")
        print("CPU: " + ", ".join(f"{t:.2f} s" for t in cpu_times))
        print(f"median CPU {statistics.median(cpu_times):.2f} s")


if __name__ == "__main__":
    main()
