"""Server-side SVG charts for the pages: presentation, so they live in the app, and
audit_tools hands over only the numbers. Each chart sits next to a table of the same figures,
which is the accessible alternative; the SVG says so in its label. Only presentation attributes
are used (no style attributes), so the pages' Content-Security-Policy needs no 'unsafe-inline'."""
from html import escape

from markupsafe import Markup

# GOV.UK palette colours with enough contrast against white.
SERIES_COLOURS = ("#1d70b8", "#f47738", "#505a5f", "#00703c")


def bar_chart(label: str, categories: list[str], series: list[tuple[str, list]],
              unit: str = "", width: int = 640, height: int = 300) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series. None draws no bar.
    Every name and label is escaped here, so the SVG goes into a page as it is."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = max(values) if values else 1
    top = top * 1.15 or 1
    left, right, bottom, top_margin = 56, 16, 56, 28
    plot_w, plot_h = width - left - right, height - bottom - top_margin
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="app-chart" font-family="arial, sans-serif" role="img" aria-label="{escape(label)}. The same figures are in the table.">']
    for step in range(5):
        value = top * step / 4
        y = top_margin + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="#0b0c0c">{value:,.0f}{escape(unit)}</text>')
    for c_index, category in enumerate(categories):
        group_x = left + group_w * c_index + group_w * 0.1
        for s_index, (name, vs) in enumerate(series):
            value = vs[c_index]
            if value is None:
                continue
            bar_h = plot_h * value / top
            x = group_x + bar_w * s_index
            y = top_margin + plot_h - bar_h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{bar_h:.1f}" '
                         f'fill="{SERIES_COLOURS[s_index % len(SERIES_COLOURS)]}"><title>{escape(name)}, '
                         f'{escape(category)}: {value:,}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{left + group_w * (c_index + 0.5):.1f}" y="{height - bottom + 18}" '
                     f'text-anchor="middle" font-size="12" fill="#0b0c0c">{escape(category)}</text>')
    for s_index, (name, _) in enumerate(series):
        x = left + s_index * 150
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{SERIES_COLOURS[s_index % len(SERIES_COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 12}" font-size="12" fill="#0b0c0c">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704: every label and name above went through escape()
