"""Small bar charts drawn on the server as SVG (no script, no library in the page)."""

from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH, BAR_AREA, ROW = 560, 360, 34
LEFT = 60


def bars(
    title: str,
    rows: list[tuple[str, float | None]],
    *,
    unit: str,
    limit: float,
    mark: float | None = None,
    mark_label: str = "",
) -> str:
    """Horizontal bars, one per row, scaled to `limit`; an optional reference line at `mark`.
    Rows without a value say "no data"."""
    height = 40 + ROW * len(rows) + 20
    scale = BAR_AREA / limit if limit else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<text x="0" y="18" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = 34 + index * ROW
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{escape(label)}</text>')
        if value is None:
            parts.append(
                f'<text x="{LEFT}" y="{y + 17}" font-size="12" fill="#5b6475">no data</text>'
            )
            continue
        width = max(min(value, limit) * scale, 1)
        over = mark is not None and value > mark
        colour = "#b3261e" if over else "#1d5fbf"
        parts.append(
            f'<rect x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="{ROW - 12}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{LEFT + width + 6:.1f}" y="{y + 17}" font-size="12">'
            f"{escape(f'{value:g} {unit}')}</text>"
        )
    if mark is not None and limit:
        x = LEFT + min(mark, limit) * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="28" x2="{x:.1f}" y2="{height - 14}" stroke="#8a5300" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 2}" font-size="11" text-anchor="middle" '
            f'fill="#8a5300">{escape(mark_label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
