"""Server-side SVG charts: geometry computed here, drawn by templates
(``templates/reports/_bars.svg.html`` ...). No script, no inline style: colours come from
classes in ``static/css/reports.css`` (the Content-Security-Policy forbids inline style).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 600, 180
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 22, 10
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT = 140, 300, 22


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Any
    label: str
    css: str = ""
    url: str = ""


@dataclass
class Line:
    points: str
    css: str
    dots: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)  # y axis
    labels: list[dict[str, Any]] = field(default_factory=list)  # x axis
    target: dict[str, Any] | None = None  # a reference line
    plot_bottom: float = HEIGHT - PAD_BOTTOM
    plot_left: float = PAD_LEFT


def _scale(top: float) -> float:
    """A round upper bound for the y axis."""
    if top <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step * 4:
            return step * 4
    return top * 1.1


def _y(value: float, top: float) -> float:
    usable = HEIGHT - PAD_BOTTOM - PAD_TOP
    return HEIGHT - PAD_BOTTOM - usable * (value / top if top else 0)


def _x_labels(labels: list[str], step_width: float) -> list[dict[str, Any]]:
    every = max(1, round(len(labels) / 8))
    return [
        {"x": PAD_LEFT + step_width * (i + 0.5), "text": text}
        for i, text in enumerate(labels)
        if i % every == 0
    ]


def _ticks(top: float, percent: bool) -> list[dict[str, Any]]:
    return [
        {"y": _y(top * k / 4, top), "text": f"{top * k / 4:g}{'%' if percent else ''}"}
        for k in range(5)
    ]


def grouped_bars(
    labels: list[str], series: list[tuple[str, list[float | int], list[str]]]
) -> Chart:
    """Bars per label, one per series (css class, values, links)."""
    top = _scale(max([v or 0 for _c, values, _u in series for v in values] or [0]))
    step = (WIDTH - PAD_LEFT) / max(1, len(labels))
    width = step * 0.8 / max(1, len(series))
    chart = Chart(ticks=_ticks(top, False), labels=_x_labels(labels, step))
    for i, label in enumerate(labels):
        for k, (css, values, urls) in enumerate(series):
            value = values[i] or 0
            y = _y(value, top)
            chart.bars.append(
                Bar(
                    x=PAD_LEFT + step * i + step * 0.1 + width * k,
                    y=y,
                    width=max(width - 1, 1),
                    height=HEIGHT - PAD_BOTTOM - y,
                    value=value,
                    label=label,
                    css=css,
                    url=urls[i] if urls else "",
                )
            )
    return chart


def percent_lines(
    labels: list[str], series: list[tuple[str, list[float | None]]], target: float | None = None
) -> Chart:
    """Lines on a 0-100% axis (a gap where a value is missing), an optional target line."""
    return lines(labels, series, top=100, percent=True, target=target)


def lines(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    top: float | None = None,
    percent: bool = False,
    target: float | None = None,
) -> Chart:
    top = top or _scale(max([v or 0 for _c, values in series for v in values] or [0]))
    step = (WIDTH - PAD_LEFT) / max(1, len(labels))
    chart = Chart(ticks=_ticks(top, percent), labels=_x_labels(labels, step))
    for css, values in series:
        points = []
        dots = []
        for i, value in enumerate(values):
            if value is None:
                continue
            x, y = PAD_LEFT + step * (i + 0.5), _y(value, top)
            points.append(f"{x:.1f},{y:.1f}")
            dots.append({"x": round(x, 1), "y": round(y, 1), "value": value, "label": labels[i]})
        chart.lines.append(Line(points=" ".join(points), css=css, dots=dots))
    if target is not None:
        chart.target = {"y": _y(target, top), "text": f"{target:g}{'%' if percent else ''}"}
    return chart


def horizontal_bars(rows: list[tuple[str, float | int, str]], css: str = "bar-a") -> dict:
    """One SVG row per (label, value, link): bar widths in pixels of ``BAR_WIDTH``."""
    top = max([v for _l, v, _u in rows] or [0]) or 1
    return {
        "rows": [
            {
                "label": label,
                "value": value,
                "url": url,
                "width": max(1.0, round(BAR_WIDTH * value / top, 1)),
                "y": ROW_HEIGHT * i,
                "text_y": ROW_HEIGHT * i + ROW_HEIGHT * 0.7,
            }
            for i, (label, value, url) in enumerate(rows)
        ],
        "css": css,
        "height": max(ROW_HEIGHT, ROW_HEIGHT * len(rows)),
        "bar_x": LABEL_WIDTH,
        "value_x": LABEL_WIDTH + BAR_WIDTH + 6,
        "width": LABEL_WIDTH + BAR_WIDTH + 60,
    }
