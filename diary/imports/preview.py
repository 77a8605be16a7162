"""The import preview as lines of text, for `diary import --dry-run` and the CLI's report."""

from diary import reference
from diary.clock import short_date, short_moment
from diary.imports import FORMATS
from diary.imports.plan import Plan


def preview_lines(plan: Plan) -> list[str]:
    """Return what an import would add, and what it leaves out, as the patient reads it."""
    classes = reference.medication_classes()
    span = (
        f"{short_date(plan.first_day)} to {short_date(plan.last_day)}"
        if plan.first_day and plan.last_day
        else "no dates"
    )
    lines = [
        f"Format: {FORMATS[plan.format].LABEL}",
        f"Dates: {span}",
        f"Attacks to add: {plan.attacks}",
        f"Readings to add: {plan.readings}",
        f"Medicines to add: {plan.doses}",
        f"Already in the diary (imported before): {plan.already_present}",
    ]
    if plan.repeated:
        lines.append(f"In the file twice (imported once): {plan.repeated}")
    if plan.replaced:
        lines.append(
            "Replaced (medicines imported before from the headache log, by this file's doses"
            f" of the same attacks): {plan.replaced}"
        )
    if plan.superseded:
        lines.append(
            "Not imported (medicines of attacks whose doses are in the diary from the"
            f" medication doses file): {plan.superseded}"
        )
    lines += [f"Note: {note}" for note in plan.notes]
    if plan.attack_span:
        first, last = (short_date(day) for day in plan.attack_span)
        lines.append(
            f"Days without an attack from {first} to {last}: marked headache-free unless"
            " --no-headache-free-days (an attack log records attacks only; a day with a pain"
            " reading of 1 or more, or marked already, is left as it is)"
        )
    if plan.classes:
        found = ", ".join(f"{classes[code].label} {n}" for code, n in sorted(plan.classes.items()))
        lines.append(f"Medication classes: {found}")
    if plan.unknown_medicines:
        names = ", ".join(f"{name} ({n})" for name, n in sorted(plan.unknown_medicines.items()))
        lines.append(f"Not in the medicine list, imported as the kind chosen: {names}")
    for what, n in sorted(plan.left_out.items()):
        lines.append(f"Left out: {what} ({n})")
    lines += [f"Clock change: {change}" for change in plan.clock_changes]
    if plan.clock_change_count > len(plan.clock_changes):
        lines.append(
            f"Clock change: … and {plan.clock_change_count - len(plan.clock_changes)} more"
        )
    if plan.entries:
        lines.append("First entries:")
        lines += [f"  {short_moment(e.at)}  {e.text}" for e in plan.entries]
    return lines
