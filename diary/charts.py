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

GAP = 8  # px between two labels in one lane
LABEL_MAX = 28  # characters; a longer treatment name is shortened (its full name is the title)
PAIN_MAX = 10


@dataclass(frozen=True)
class Size:
    """A chart's width in SVG user units and the size of its labels in the same units."""

    name: str
    width: float
    font: float

    def text_width(self, text: str) -> float:
        # Wider than DejaVu Sans's average advance (about 0.55 em), so lanes never touch.
        return len(text) * 0.62 * self.font

    @property
    def lane(self) -> float:
        return self.font + 5


# Each chart is drawn twice: for a page at least 601 px wide, and for a phone, where the
# narrow one fills about 356 CSS px, so that its 13-unit labels show at 12 px or more.
PAIN_SIZES = (Size("wide", 720, 11), Size("narrow", 340, 13))
BARS_SIZES = (Size("wide", 480, 11), Size("narrow", 340, 13))


def shortened(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    title: str  # the full text, shown as the label's tooltip


def in_lanes(
    wanted: list[tuple[float, str, str]], top: float, right_edge: float, size: Size
) -> list[Label]:
    """Place labels (x, text, title) left to right, each in the first lane where it fits.

    A label is moved left to end at the right edge rather than run off the chart.
    """
    ends: list[float] = []  # where each lane's last label ends
    placed = []
    for x, text, title in sorted(wanted, key=lambda w: w[0]):
        x = max(0.0, min(x, right_edge - size.text_width(text)))
        lane = next((n for n, end in enumerate(ends) if end + GAP <= x), len(ends))
        if lane == len(ends):
            ends.append(0.0)
        ends[lane] = x + size.text_width(text)
        placed.append(Label(round(x, 1), round(top + (lane + 1) * size.lane - 4, 1), text, title))
    return placed


@dataclass
class PainChart:
    """Everything the pain chart draws, in SVG user units (the viewBox is size.width wide)."""

    size: Size
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


def pain_charts(
    points: list[dict],
    treatments: list[dict],
    first: date,
    last: date,
    preventives: Sequence[dict] = (),
) -> list:
    """Lay out the pain chart in every size (PAIN_SIZES)."""
    return [pain_chart(points, treatments, first, last, size, preventives) for size in PAIN_SIZES]


def pain_chart(
    points: list[dict],
    treatments: list[dict],
    first: date,
    last: date,
    size: Size,
    preventives: Sequence[dict] = (),
) -> PainChart:
    """Lay out the pain chart for trends.pain_series points, chart_treatments bands and
    chart_preventives' thin bands."""
    days = (last - first).days + 1
    left, right = 2.8 * size.font + 4, size.width - 8.0
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
    labels = in_lanes(wanted, 0, right, size)
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
        size=size,
        height=bottom + size.font + 11 + under,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        y_ticks=[(y_of(v), v) for v in range(0, PAIN_MAX + 1, 2)],
        x_ticks=_date_ticks(first, last, x_of, size),
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


def _date_ticks(first: date, last: date, x_of, size: Size) -> list[tuple[float, str]]:
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
            half = size.text_width(text) / 2
            if x - half >= previous_end + GAP and x + half <= size.width:
                ticks.append((round(x, 1), text))
                previous_end = x + half
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
    size: Size
    height: float
    label_width: float
    bars: list[Bar]
    description: str


def outcome_charts(bars: list[dict]) -> list[BarChart]:
    """Lay out a treatment's before/after bars in every size (BARS_SIZES)."""
    return [outcome_chart(bars, size) for size in BARS_SIZES]


def outcome_chart(bars: list[dict], size: Size) -> BarChart:
    """Lay out a treatment's before/after bars (trends.outcome_bars) as horizontal bars.

    Labels sit on the left, one per row, so they cannot overlap at any width.
    """
    label_width = max((size.text_width(b["label"]) for b in bars), default=0) + 10
    room = size.width - label_width - 3.6 * size.font
    row = 2 * size.font + 2
    rows = [
        Bar(
            y=8 + n * row,
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
    return BarChart(size, 8 + len(rows) * row + 4, round(label_width, 1), rows, described)
