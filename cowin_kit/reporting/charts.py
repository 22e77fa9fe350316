"""Server-side SVG charts (bars, stacked bars, a daily line): no JavaScript, no CDN.

Each builder returns plain geometry for the ``reporting/_charts.html`` macros. Positions are
mirrored here for right-to-left languages (the SVG itself is drawn left-to-right so that
``text-anchor`` means the same thing in every language). A chart is one image (``role="img"``)
and holds no links (axe ``nested-interactive``): the table beside it carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 400
ROW = 34  # label line + bar
BAR = 14
PALETTE = ("#0b5cad", "#0a8754", "#c05b00", "#7b3fa0", "#b3261e", "#00707a", "#5b6570")


@dataclass
class Bar:
    label: str
    value: int
    text: str  # the value formatted for the locale
    x: float = 0
    width: float = 0
    y: float = 0
    label_x: float = 0
    value_x: float = 0
    anchor: str = "start"
    value_anchor: str = "start"
    color: str = PALETTE[0]


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    segments: list[list[Bar]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour)
    points: str = ""
    area: str = ""
    ticks: list[tuple[float, str, str]] = field(default_factory=list)  # (x, text, anchor)
    peak: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)  # (x, y, title)


def _mirror(x: float, width: float, rtl: bool) -> float:
    return WIDTH - x - width if rtl else x


def bar_chart(rows: list[tuple[str, int, str]], *, rtl: bool = False) -> Chart:
    """Horizontal bars, one per (label, value, formatted value)."""
    peak = max((value for _l, value, _t in rows), default=0) or 1
    usable = WIDTH * 0.78  # room for the value after the longest bar
    chart = Chart(WIDTH, ROW * len(rows) + 4)
    for i, (label, value, text) in enumerate(rows):
        width = usable * value / peak
        bar = Bar(label, value, text, y=i * ROW + 16, width=max(width, 1 if value else 0))
        bar.x = _mirror(0, bar.width, rtl)
        bar.label_x = WIDTH if rtl else 0
        bar.anchor = "end" if rtl else "start"
        bar.value_x = bar.x - 4 if rtl else bar.x + bar.width + 4
        bar.value_anchor = "end" if rtl else "start"
        chart.bars.append(bar)
    return chart


def stacked_chart(rows: list[tuple[str, list[tuple[int, str]]]], series: list[str], *,
                  rtl: bool = False) -> Chart:
    """Horizontal stacked bars: one row per label, one coloured segment per series."""
    peak = max((sum(v for v, _t in parts) for _l, parts in rows), default=0) or 1
    usable = WIDTH * 0.78
    chart = Chart(WIDTH, ROW * len(rows) + 4)
    chart.legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    for i, (label, parts) in enumerate(rows):
        offset, row = 0.0, []
        for j, (value, text) in enumerate(parts):
            width = usable * value / peak
            seg = Bar(f"{label} · {series[j]}", value, text, y=i * ROW + 16, width=width,
                      color=PALETTE[j % len(PALETTE)])
            seg.x = _mirror(offset, width, rtl)
            offset += width
            if value:
                row.append(seg)
        total = sum(v for v, _t in parts)
        head = Bar(label, total, "", y=i * ROW + 16, width=offset)
        head.label_x = WIDTH if rtl else 0
        head.anchor = "end" if rtl else "start"
        head.value_x = WIDTH - offset - 4 if rtl else offset + 4
        head.value_anchor = "end" if rtl else "start"
        chart.bars.append(head)
        chart.segments.append(row)
    return chart


def line_chart(series: list[tuple[str, int, str]], *, peak_text: str, rtl: bool = False,
               height: int = 150) -> Chart:
    """A daily line with a filled area: (date label, value, formatted value) oldest first."""
    chart = Chart(WIDTH, height + 22)
    chart.peak = peak_text
    if not series:
        return chart
    peak = max(v for _l, v, _t in series) or 1
    step = WIDTH / max(len(series) - 1, 1)
    coords = []
    for i, (label, value, text) in enumerate(series):
        x = i * step
        x = WIDTH - x if rtl else x
        y = 8 + (height - 8) * (1 - value / peak)
        coords.append((round(x, 1), round(y, 1)))
        chart.dots.append((round(x, 1), round(y, 1), f"{label}: {text}"))
    chart.points = " ".join(f"{x},{y}" for x, y in coords)
    chart.area = (f"{coords[0][0]},{height} " + chart.points + f" {coords[-1][0]},{height}")
    first, last = series[0][0], series[-1][0]
    chart.ticks = [(WIDTH if rtl else 0, first, "end" if rtl else "start"),
                   (0 if rtl else WIDTH, last, "start" if rtl else "end")]
    return chart
