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
