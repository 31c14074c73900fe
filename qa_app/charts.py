"""Server-side SVG charts for the pages: presentation, so they live in the app, and
audit_tools hands over only the numbers. Each chart sits next to a table of the same figures,
which is the accessible alternative; the SVG says so in its label. Only presentation attributes
are used (no style attributes), so the pages' Content-Security-Policy needs no 'unsafe-inline'."""
from html import escape

from markupsafe import Markup

# GOV.UK palette colours with enough contrast against white.
# The orange is darker than GOV.UK's #f47738 (2.78:1), so that every bar reaches 3:1.
SERIES_COLOURS = ("#1d70b8", "#d9661f", "#505a5f", "#00703c")
# Room for one character of a 12 px label, generous enough for WCAG text spacing.
CHARACTER_WIDTH = 8


def axis_ticks(values: list, unit: str) -> list:
    """Ticks a reader can take at face value: a percentage runs 0 to 100%, and a count steps in
    whole, round numbers (1, 2, 5, 10, 20, 50...), never repeating a tick."""
    top = max(values) if values else 0
    if unit == "%":
        return [0, 25, 50, 75, 100] if top <= 100 else [0, 25, 50, 75, 100, 125, 150][:2 + int(top // 25)]
    step = 1
    while top / step > 5:
        for factor in (2, 5, 10):
            if top / (step * factor) <= 5:
                step *= factor
                break
        else:
            step *= 10
    count = max(1, -(-int(top) // step) if top == int(top) else int(top // step) + 1)
    return [step * i for i in range(count + 1)]


def wrapped(text: str, width: float) -> list[str]:
    """A label broken into lines that fit `width` px, so that neighbouring labels never overlap."""
    most = max(int(width // CHARACTER_WIDTH), 4)
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > most:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines or [""]


def _text_lines(x, y, lines, anchor="middle") -> str:
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" fill="#0b0c0c">{spans}</text>'


def _legend(parts, series, y):
    x = 56
    for s_index, (name, _) in enumerate(series):
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{SERIES_COLOURS[s_index % len(SERIES_COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" font-size="12" fill="#0b0c0c">{escape(name)}</text>')
        x += 16 + len(name) * CHARACTER_WIDTH + 16


def bar_chart(label: str, categories: list[str], series: list[tuple[str, list]],
              unit: str = "", width: int = 640, height: int = 300) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series. None draws no bar.
    Every name and label is escaped here, so the SVG goes into a page as it is."""
    values = [v for _, vs in series for v in vs if v is not None]
    ticks = axis_ticks(values, unit)
    top = ticks[-1] or 1
    left, right, top_margin = 56, 16, 28
    group_w = (width - left - right) / max(len(categories), 1)
    category_lines = [wrapped(c, group_w - 4) for c in categories]
    tallest = max((len(lines) for lines in category_lines), default=1)
    bottom = 42 + 14 * tallest
    height += 14 * (tallest - 1)
    plot_w, plot_h = width - left - right, height - bottom - top_margin
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="app-chart" font-family="arial, sans-serif" role="img" aria-label="{escape(label)}. The same figures are in the table.">']
    for value in ticks:
        y = top_margin + plot_h - plot_h * value / top
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
        parts.append(_text_lines(left + group_w * (c_index + 0.5), height - bottom + 18, category_lines[c_index]))
    _legend(parts, series, height - 22)
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704: every label and name above went through escape()


def share_chart(label: str, rows: list[tuple[str, float | None]], unit: str = "%", width: int = 640) -> Markup:
    """One horizontal bar a row, its name on the line above it: for long names, such as
    questions, that would overlap under vertical bars. None draws no bar and says so."""
    left, right, bar_h, gap = 8, 56, 16, 12
    plot_w = width - left - right
    top = axis_ticks([v for _, v in rows if v is not None], unit)[-1] or 1
    parts, y = [], 8
    for name, value in rows:
        lines = wrapped(name, width - left - right)
        parts.append(_text_lines(left, y + 12, lines, anchor="start"))
        y += 14 * len(lines) + 4
        if value is None:
            parts.append(f'<text x="{left}" y="{y + 12}" font-size="12" fill="#0b0c0c">no answers</text>')
        else:
            bar_w = plot_w * value / top
            parts.append(f'<rect x="{left}" y="{y}" width="{plot_w:.1f}" height="{bar_h}" fill="none" stroke="#b1b4b6"/>')
            parts.append(f'<rect x="{left}" y="{y}" width="{bar_w:.1f}" height="{bar_h}" fill="{SERIES_COLOURS[0]}">'
                         f'<title>{escape(name)}: {value:,}{escape(unit)}</title></rect>')
            parts.append(f'<text x="{left + plot_w + 6}" y="{y + 12}" font-size="12" fill="#0b0c0c">{value:,}{escape(unit)}</text>')
        y += bar_h + gap
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y}" class="app-chart" '
            f'font-family="arial, sans-serif" role="img" aria-label="{escape(label)}. The same figures are in the table.">')
    return Markup(head + "".join(parts) + "</svg>")  # nosec B704: every name went through escape()
