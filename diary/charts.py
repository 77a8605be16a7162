"""The report's charts as SVG geometry, drawn on the server: no script, exact at any size.

The pain chart (daily mean and highest, the 7-day rolling mean, treatments shaded,
follow-ups marked) and each treatment's before/after bars. templates/charts/_svg.html
turns this geometry into markup; the report page, the shared page and the PDF use it.
Labels are placed in lanes so that none overlaps another.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext

from diary.i18n import day_month, decimal, month, month_year, short_date

WIDTH = 720
FONT = 11  # px, every label
# Wider than DejaVu Sans's average advance (about 0.55 em), so lanes never touch.
CHAR = 0.62 * FONT
LANE = FONT + 5
GAP = 8  # px between two labels in one lane
LABEL_MAX = 28  # characters; a longer treatment name is shortened (its full name is the title)
PAIN_MAX = 10
BARS_WIDTH = 480  # the before/after bars need less room than the pain chart


def text_width(text: str) -> float:
    return len(text) * CHAR


def shortened(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    title: str  # the full text, shown as the label's tooltip


def in_lanes(wanted: list[tuple[float, str, str]], top: float, right_edge: float) -> list[Label]:
    """Place labels (x, text, title) left to right, each in the first lane where it fits.

    A label is moved left to end at the right edge rather than run off the chart.
    """
    ends: list[float] = []  # where each lane's last label ends
    placed = []
    for x, text, title in sorted(wanted, key=lambda w: w[0]):
        x = max(0.0, min(x, right_edge - text_width(text)))
        lane = next((n for n, end in enumerate(ends) if end + GAP <= x), len(ends))
        if lane == len(ends):
            ends.append(0.0)
        ends[lane] = x + text_width(text)
        placed.append(Label(round(x, 1), round(top + (lane + 1) * LANE - 4, 1), text, title))
    return placed


@dataclass
class PainChart:
    """Everything the pain chart draws, in SVG user units (the viewBox is WIDTH wide)."""

    height: float
    left: float
    top: float
    right: float
    bottom: float
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    bands: list[tuple[float, float, str]] = field(default_factory=list)  # x, width, title
    # Preventive regimens: thin bands under the plot, one lane each (x, y, width, title).
    preventives: list[tuple[float, float, float, str]] = field(default_factory=list)
    follow_ups: list[tuple[float, str]] = field(default_factory=list)  # x, title
    labels: list[Label] = field(default_factory=list)
    means: list[tuple[float, float]] = field(default_factory=list)
    highs: list[tuple[float, float]] = field(default_factory=list)
    rolling: list[str] = field(
        default_factory=list
    )  # polyline points, one run per gap-free stretch
    description: str = ""


# A preventive's band under the plot: its height and the step from one lane to the next.
PREVENTIVE_BAND, PREVENTIVE_LANE = 4.0, 6.0


def pain_chart(
    points: list[dict],
    treatments: list[dict],
    first: date,
    last: date,
    preventives: Sequence[dict] = (),
) -> PainChart:
    """Lay out the pain chart for trends.pain_series points, chart_treatments bands and
    chart_preventives' thin bands."""
    days = (last - first).days + 1
    left, right = 34.0, WIDTH - 8.0
    step = (right - left) / days

    def x_of(day: date) -> float:
        return left + ((day - first).days + 0.5) * step

    wanted: list[tuple[float, str, str]] = []
    bands, follow_ups = [], []
    for t in treatments:
        start, end = date.fromisoformat(t["start"]), date.fromisoformat(t["end"])
        shown_start, shown_end = max(start, first), min(end, last)
        if shown_start <= shown_end:
            x = left + (shown_start - first).days * step
            title = f"{t['label']}, {short_date(start)}"
            if t["open"]:
                title = gettext("%(treatment)s (still running)", treatment=title)
            bands.append(
                (round(x, 1), round((shown_end - shown_start).days * step + step, 1), title)
            )
            wanted.append((x, shortened(t["label"]), title))
        if t["follow_up"] and first <= date.fromisoformat(t["follow_up"]) <= last:
            x = x_of(date.fromisoformat(t["follow_up"]))
            title = gettext(
                "Follow-up after %(treatment)s, %(day)s",
                treatment=t["label"],
                day=short_date(date.fromisoformat(t["follow_up"])),
            )
            follow_ups.append((round(x, 1), title))
            wanted.append((x + 2, gettext("Follow-up"), title))
    labels = in_lanes(wanted, 0, right)
    top = (max((label.y for label in labels), default=0) + 6) if labels else 8.0
    plot_height = 160.0
    bottom = top + plot_height

    def y_of(pain: float) -> float:
        return round(bottom - pain / PAIN_MAX * plot_height, 1)

    lanes = []
    for n, p in enumerate(preventives):
        start, end = (
            max(date.fromisoformat(p["start"]), first),
            min(date.fromisoformat(p["end"]), last),
        )
        if start <= end:
            x = left + (start - first).days * step
            width = (end - start).days * step + step
            y = bottom + 4 + n * PREVENTIVE_LANE
            lanes.append((round(x, 1), round(y, 1), round(width, 1), p["label"]))
    under = len(preventives) * PREVENTIVE_LANE

    chart = PainChart(
        height=bottom + 22 + under,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        y_ticks=[(y_of(v), v) for v in range(0, PAIN_MAX + 1, 2)],
        x_ticks=_date_ticks(first, last, x_of),
        bands=bands,
        preventives=lanes,
        follow_ups=follow_ups,
        labels=labels,
    )
    run: list[str] = []
    for n, point in enumerate(points):
        x = round(x_of(first + timedelta(days=n)), 1)
        if point["mean"] is not None:
            chart.means.append((x, y_of(point["mean"])))
            chart.highs.append((x, y_of(point["max"])))
        if point["rolling"] is None:
            if run:
                chart.rolling.append(" ".join(run))
            run = []
        else:
            run.append(f"{x},{y_of(point['rolling'])}")
    if run:
        chart.rolling.append(" ".join(run))
    logged = len(chart.means)
    chart.description = gettext(
        "Daily pain from %(first)s to %(last)s: %(logged)s of %(days)s days logged;"
        " treatments shaded: %(bands)s; follow-ups marked: %(follow_ups)s.",
        first=short_date(first),
        last=short_date(last),
        logged=logged,
        days=days,
        bands=len(bands),
        follow_ups=len(follow_ups),
    )
    return chart


def _date_ticks(first: date, last: date, x_of) -> list[tuple[float, str]]:
    """Return x-axis ticks: the first of each month (or each Monday for short ranges).

    A tick whose label would touch the one before it is left out.
    """
    days = (last - first).days + 1
    ticks, previous_end = [], float("-inf")
    day = first
    while day <= last:
        if days > 62:
            tick = day.day == 1
            text = month_year(day) if day.month == 1 or not ticks else month(day)
        else:
            tick = day.weekday() == 0
            text = day_month(day)
        if tick:
            x = x_of(day)
            start = x - text_width(text) / 2
            if start >= previous_end + GAP and x + text_width(text) / 2 <= WIDTH:
                ticks.append((round(x, 1), text))
                previous_end = x + text_width(text) / 2
        day += timedelta(days=1)
    return ticks


@dataclass(frozen=True)
class Bar:
    y: float
    label: str
    value: float | int | None
    width: float
    kind: str  # before, day or after


@dataclass
class BarChart:
    height: float
    label_width: float
    bars: list[Bar]
    description: str


def outcome_chart(bars: list[dict]) -> BarChart:
    """Lay out a treatment's before/after bars (trends.outcome_bars) as horizontal bars.

    Labels sit on the left, one per row, so they cannot overlap at any width.
    """
    label_width = max((text_width(b["label"]) for b in bars), default=0) + 10
    room = BARS_WIDTH - label_width - 40
    rows = [
        Bar(
            y=8 + n * 24,
            label=b["label"],
            value=b["value"],
            width=0 if b["value"] is None else round(b["value"] / PAIN_MAX * room, 1),
            kind=b["kind"],
        )
        for n, b in enumerate(bars)
    ]
    described = "; ".join(
        f"{b.label} {gettext('no readings') if b.value is None else decimal(b.value)}" for b in rows
    )
    return BarChart(8 + len(rows) * 24 + 4, round(label_width, 1), rows, described)
