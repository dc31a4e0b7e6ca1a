"""SVG charts drawn on the server from a run's snapshot: no script, no inline style (the
Content-Security-Policy forbids both), colours from classes in static/css/reports.css.
Every label goes through ``format_html``, so nothing from the data is markup."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tickets.choices import Severity, TicketKind

WIDTH, HEIGHT, PAD = 640, 220, 30


def volume_chart(volume: list[dict[str, Any]]) -> SafeString:
    """Received (bars) and resolved (a line) per day or week."""
    if not volume:
        return format_html('<p class="muted">{}</p>', _("No tickets in this period."))
    top = max(max(v["received"], v["resolved"]) for v in volume) or 1
    step = (WIDTH - 2 * PAD) / len(volume)
    bar = max(step * 0.6, 1.0)

    def y(value: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    bars = format_html_join(
        "",
        '<rect class="bar-received" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}: {}</title></rect>",
        (
            (
                f"{PAD + i * step + (step - bar) / 2:.1f}",
                f"{y(v['received']):.1f}",
                f"{bar:.1f}",
                f"{HEIGHT - PAD - y(v['received']):.1f}",
                v["label"],
                v["received"],
            )
            for i, v in enumerate(volume)
        ),
    )
    points = " ".join(
        f"{PAD + i * step + step / 2:.1f},{y(v['resolved']):.1f}" for i, v in enumerate(volume)
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}">'
        '<line class="axis" x1="{p}" y1="{base}" x2="{right}" y2="{base}"/>'
        "{bars}"
        '<polyline class="line-resolved" points="{points}"/>'
        '<text class="tick" x="{p}" y="{top_y}">{top}</text>'
        '<text class="tick" x="{p}" y="{label_y}">{first}</text>'
        '<text class="tick end" x="{right}" y="{label_y}">{last}</text>'
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        title=_("Received and resolved"),
        p=PAD,
        base=HEIGHT - PAD,
        right=WIDTH - PAD,
        bars=bars,
        points=points,
        top_y=PAD - 8,
        top=top,
        label_y=HEIGHT - 10,
        first=volume[0]["label"],
        last=volume[-1]["label"],
    )


def bar_chart(counts: dict[str, int], labels: str = "severity") -> SafeString:
    """Horizontal bars, one per category, with its label and count."""
    if not counts or not any(counts.values()):
        return mark_safe("")  # noqa: S308  (a constant)
    choices: Any = TicketKind if labels == "kind" else Severity
    top = max(counts.values()) or 1
    row, left = 24, 190
    items = []
    for i, (key, n) in enumerate(counts.items()):
        try:
            name = str(choices(key).label)
        except ValueError:
            name = key
        width = (WIDTH - left - 60) * n / top
        text_x = f"{left + width + 6:.1f}"
        items.append((i * row + 16, name, left, i * row + 4, f"{width:.1f}", text_x, n))
    body = format_html_join(
        "",
        '<text class="tick" x="0" y="{}">{}</text>'
        '<rect class="bar-received" x="{}" y="{}" width="{}" height="16"/>'
        '<text class="tick" x="{}" y="{}">{}</text>',
        ((y, name, x, ry, w, tx, y, n) for y, name, x, ry, w, tx, n in items),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img">{}</svg>',
        WIDTH,
        len(items) * row + 8,
        body,
    )
