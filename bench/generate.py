"""Fill a diary instance with years of realistic entries, for the benchmark.

    python bench/generate.py INSTANCE [--users 1] [--years 10] [--database-url URL]

Per user and year: 3 readings a day, about 25 side-effect reports, 150 medicine
doses, and one treatment (ten over ten years), with pain that drops after each.
"""

import argparse
import os
import random
import sys
from datetime import date, datetime, timedelta

PASSWORD = "benchmark password"


def generate(app, users: int, years: int, seed: int = 7) -> list[str]:
    from diary.extensions import db
    from diary.models import MedicationDose, Reading, SideEffectReport
    from diary.services.accounts import create_user
    from diary.services.treatments import add_treatment

    rng = random.Random(seed)
    effects = ["nausea", "dizziness", "drowsiness", "dissociation", "vivid_dreams"]
    medicines = [("sumatriptan", "50 mg", "triptan"), ("ibuprofen", "400 mg", "simple_analgesic")]
    last = date.today() - timedelta(days=1)
    first = last - timedelta(days=365 * years - 1)
    names = []
    with app.app_context():
        for n in range(users):
            user = create_user(f"bench{n}", PASSWORD)
            names.append(user.username)
            starts = [
                first + timedelta(days=int((k + 0.5) * 365 * years / max(1, years)))
                for k in range(years)
            ]
            for start in starts:
                add_treatment(
                    user,
                    kind="ketamine_iv_inpatient",
                    started_on=start,
                    ended_on=start + timedelta(days=4),
                    setting="Bench clinic",
                )
            rows = []
            for offset in range((last - first).days + 1):
                day = first + timedelta(days=offset)
                since = min(((day - s).days for s in starts if s <= day), default=999)
                base = 3 if 0 <= since < 60 else 6
                for hour in (8, 14, 20):
                    moment = datetime.combine(day, datetime.min.time()).replace(hour=hour)
                    pain = max(0, min(10, base + rng.randint(-2, 2)))
                    rows.append(
                        Reading(
                            user_id=user.id,
                            recorded_at=moment,
                            pain=pain,
                            note="" if rng.random() < 0.9 else "after lunch",
                        )
                    )
                noon = datetime.combine(day, datetime.min.time()).replace(hour=12)
                if rng.random() < 25 / 365:
                    rows.append(
                        SideEffectReport(
                            user_id=user.id,
                            recorded_at=noon,
                            effect=rng.choice(effects),
                            severity="mild",
                            note="",
                        )
                    )
                if rng.random() < 150 / 365:
                    name, dose, med_class = rng.choice(medicines)
                    rows.append(
                        MedicationDose(
                            user_id=user.id,
                            taken_at=noon,
                            name=name,
                            dose=dose,
                            med_class=med_class,
                            note="",
                        )
                    )
            db.session.add_all(rows)
            db.session.commit()
            print(f"{user.username}: {len(rows)} entries", file=sys.stderr)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    os.environ["DIARY_INSTANCE_PATH"] = args.instance
    if args.database_url:
        os.environ["DIARY_DATABASE_URL"] = args.database_url
    from flask_migrate import upgrade

    from diary import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    generate(app, args.users, args.years)


if __name__ == "__main__":
    main()
