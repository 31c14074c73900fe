"""The pages' SVG bar charts: one bar per figure, a gap where there is no figure, every name
escaped, and a label that sends a screen-reader user to the table of the same figures."""
from markupsafe import Markup

from qa_app.charts import bar_chart


def test_one_bar_per_figure_with_its_figure_in_the_tooltip_and_no_bar_for_a_missing_one():
    svg = bar_chart("Re-referrals", ["Q1", "Q2"], [("This council", [20.5, None]), ("England", [22, 21])], unit="%")
    assert svg.count("<rect") - 2 == 3  # two legend keys, three bars
    assert "<title>This council, Q1: 20.5%</title>" in svg
    assert "This council, Q2" not in svg
    assert "<title>England, Q2: 21%</title>" in svg
    assert 'aria-label="Re-referrals. The same figures are in the table."' in svg


def test_names_are_escaped_so_the_chart_goes_into_a_page_as_it_is():
    svg = bar_chart('Team "A" & <B>', ["<script>"], [("<i>x</i>", [1])])
    assert isinstance(svg, Markup)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<i>" not in svg and 'aria-label="Team &quot;A&quot; &amp; &lt;B&gt;.' in svg


def test_a_chart_of_nothing_draws_axes_and_no_bars():
    svg = bar_chart("Nothing yet", [], [])
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<rect" not in svg


def _axis_ticks(svg) -> list[str]:
    import re
    return re.findall(r'text-anchor="end" font-size="12" fill="#0b0c0c">([^<]*)</text>', str(svg))


def test_a_percentage_axis_runs_from_0_to_100_percent():
    svg = bar_chart("Share yes", ["A", "B"], [("Yes (%)", [100, 40])], unit="%")
    assert _axis_ticks(svg) == ["0%", "25%", "50%", "75%", "100%"]


def test_a_count_axis_has_whole_number_ticks_each_once():
    svg = bar_chart("Grades", ["Good", "Inadequate"], [("Auditors", [2, 1]), ("After", [1, 0])])
    ticks = _axis_ticks(svg)
    assert ticks == sorted(set(ticks), key=int) and ticks[0] == "0"
    assert all(t.isdigit() for t in ticks) and int(ticks[-1]) >= 2


def test_a_large_count_axis_steps_in_round_numbers():
    ticks = _axis_ticks(bar_chart("Referrals", ["2014"], [("Council", [487])]))
    assert ticks == ["0", "100", "200", "300", "400", "500"]


def test_legend_keys_do_not_overlap_long_names_and_every_colour_reaches_3_to_1():
    import re
    svg = bar_chart("Rates", ["2014"], [("This council", [1]), ("Statistical neighbours", [2]), ("England", [3])])
    keys = [float(x) for x in re.findall(r'<rect x="([0-9.]+)" y="\d+" width="12"', str(svg))]
    # Each key starts after the previous name at 8 px a character, generous for Arial at 12 px
    # with WCAG text spacing applied.
    assert keys[2] - keys[1] >= 12 + len("Statistical neighbours") * 8
    from qa_app.charts import SERIES_COLOURS

    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    assert all(1.05 / (luminance(c) + 0.05) >= 3 for c in SERIES_COLOURS)


def test_long_category_names_wrap_onto_lines_that_fit_their_group():
    import re
    svg = str(bar_chart("Grades", ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"],
                        [("Auditors", [0, 2, 1, 1])]))
    spans = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert "Inadequate" in spans and "Requires improvement to be good" not in spans
    assert " ".join(s for s in spans if s not in ("Outstanding", "Good", "Inadequate")) == "Requires improvement to be good"


def test_a_share_chart_names_each_row_on_its_own_line_with_its_figure():
    from qa_app.charts import share_chart
    svg = str(share_chart("Share yes", [("Was the referrer given feedback?", 50), ("Consent", None)]))
    assert "Was the referrer given feedback?</tspan>" in svg and ">50%</text>" in svg
    assert "no answers" in svg
