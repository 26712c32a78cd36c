"""Charts for the HTML report, drawn as inline SVG: no script, no file or font to fetch.

Each chart is an image to assistive technology (`role="img"`, with a title and a description that
says what it shows); the report's tables beside it hold the exact figures. Sizes are in the
viewBox, so a chart scales with its column, and is laid out to stay legible at phone width:
labels above bars rather than beside them.
"""

from __future__ import annotations

from html import escape

# About a phone's column in CSS pixels, so text drawn at 14 units reads at 14 px there.
WIDTH = 360


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def bars(chart_id: str, title: str, description: str, rows: list[tuple[str, float | None, str]]) -> str:
    """Horizontal bars, one per row: (label, share from 0 to 1, what to write at the bar's end)."""
    row_height = 38
    height = row_height * len(rows) + 4
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for i, (label, value, note) in enumerate(rows):
        y = i * row_height
        width = round((value or 0) * WIDTH, 1)
        parts.append(f'<text class="label" x="0" y="{y + 14}">{escape(label)}</text>'
                     f'<text class="value" x="{WIDTH}" y="{y + 14}" text-anchor="end">{escape(note)}</text>'
                     f'<rect class="track" x="0" y="{y + 20}" width="{WIDTH}" height="12" rx="2"/>'
                     f'<rect class="bar" x="0" y="{y + 20}" width="{width}" height="12" rx="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def columns(chart_id: str, title: str, description: str, points: list[tuple[str, float | None]]) -> str:
    """Columns over time: (period, share from 0 to 1); gridlines at 0, 50 and 100%. Periods are
    labelled below, every one while they fit and every few when there are many."""
    top, left, bottom, height = 12, 40, 34, 180
    plot = height - top - bottom
    count = max(len(points), 1)
    step = (WIDTH - left) / count
    every = max(1, round(count / 8))
    parts = [f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for share in (0, 0.5, 1):
        y = top + plot * (1 - share)
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH}" y1="{y}" y2="{y}"/>'
                     f'<text class="axis" x="{left - 4}" y="{y + 4}" text-anchor="end">{_percent(share)}</text>')
    for i, (period, value) in enumerate(points):
        x = left + i * step
        bar = plot * (value or 0)
        parts.append(f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{top + plot - bar:.1f}" '
                     f'width="{step * 0.7:.1f}" height="{bar:.1f}"/>')
        if i % every == 0:
            parts.append(f'<text class="axis" x="{x + step / 2:.1f}" y="{height - bottom + 16}" '
                         f'text-anchor="middle">{escape(period)}</text>')
    parts.append("</svg>")
    return "".join(parts)
