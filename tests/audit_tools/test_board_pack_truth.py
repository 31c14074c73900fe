"""What a board member reads off the board pack: charts that tell the truth, judgements on the
rate or percentage with the measure's polarity, and targets with RAG in words."""
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest

from audit_tools.judgements import HIGHER, LOWER, NEITHER, Target, judgement, rag
from audit_tools.workbooks.board_pack import PlanRow, YearRow, write_board_pack
from audit_tools.workbooks.findings_workbook import write_findings_workbook
from audit_tools.workbooks.pseudonyms import Identifiable
from tests.audit_tools.test_workbooks import board_pack_data, findings_data
from tests.workbook_checks import NS, charts_by_sheet, check_workbook, series_names, table_rows

TARGETS = [Target("re_referral_pct", 22.0, 2.0, LOWER, 2015), Target("repeat_plans_ever_pct", 15.0, 1.0, LOWER, 2014),
           Target("re_referral_pct", 10.0, 1.0, LOWER, 2020)]


def _board():
    data = board_pack_data()
    # No statistical-neighbour figure for any year: that series would be an empty legend entry.
    data.years = [replace(y, sn_rate=None) for y in data.years]
    data.targets = TARGETS
    return data


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    board, findings = folder / "board.xlsx", folder / "findings.xlsx"
    write_board_pack(_board(), board)
    write_findings_workbook(findings_data(Identifiable()), findings)
    return SimpleNamespace(board=board, findings=findings, board_charts=charts_by_sheet(board),
                           findings_charts=charts_by_sheet(findings), wb=check_workbook(board, "Board pack"),
                           findings_wb=check_workbook(findings, "Audit findings"))


def _value_axis(chart):
    return chart.find(".//c:valAx", NS)


def test_every_value_axis_starts_at_zero_and_percentages_read_as_percentages_to_100(books):
    charts = {**books.board_charts, **books.findings_charts}
    assert set(charts) >= {"Referrals", "Re-referrals", "Decisions", "Repeat plans", "Grades", "Yes by question"}
    for sheet, found in charts.items():
        for _, chart in found:
            axis = _value_axis(chart)
            assert axis.find("c:scaling/c:min", NS).get("val") == "0", sheet
    for sheet in ("Re-referrals", "Decisions", "Repeat plans", "Yes by question"):
        [(_, chart)] = charts[sheet]
        axis = _value_axis(chart)
        assert axis.find("c:numFmt", NS).get("formatCode") == "0%", sheet
        assert axis.find("c:scaling/c:max", NS).get("val") == "1", sheet
    [(_, grades)] = charts["Grades"]  # counts of cases: whole-number ticks
    grades_axis = _value_axis(grades)
    assert grades_axis.find("c:numFmt", NS).get("formatCode") == "#,##0"
    assert float(grades_axis.find("c:majorUnit", NS).get("val")).is_integer()


def test_every_chart_has_alt_text_and_its_summary_stays_beside_it(books):
    for path, charts, wb in ((books.board, books.board_charts, books.wb),
                             (books.findings, books.findings_charts, books.findings_wb)):
        for sheet, found in charts.items():
            for descr, _ in found:
                assert descr and len(descr) > 30, (path.name, sheet)
                ws = wb[sheet]
                summary_column = len(next(iter(ws.tables.values())).tableColumns) + 2
                assert ws.cell(4, summary_column).value.removeprefix("Chart: ") == descr


def test_a_series_that_is_all_x_is_left_out_and_a_part_year_is_charted_as_its_forecast(books):
    ws = books.wb["Referrals"]
    [(_, chart)] = books.board_charts["Referrals"]
    names = series_names(chart, ws)
    assert "SN rate per 10,000" not in names  # every SN cell is [x]
    assert names == ["Rate per 10,000 (full year)", "Forecast rate per 10,000", "England rate per 10,000"]
    years = table_rows(ws)
    # The half-year rate of 188.1 is shown as to date, never in the full-year series the chart draws.
    assert years[1]["Rate per 10,000 (full year)"] == "[z]" and years[1]["Rate per 10,000 (year to date)"] == 188.1
    assert years[1]["Forecast rate per 10,000"] == 376.3 and years[0]["Forecast rate per 10,000"] == "[z]"
    assert years[1]["Forecast referrals"] == 2250 and ws["E6"].number_format == "#,##0"


def test_chart_categories_are_short_question_labels_not_ids(books):
    ws = books.findings_wb["Yes by question"]
    [(_, chart)] = books.findings_charts["Yes by question"]
    ref = chart.find(".//c:ser/c:cat//c:f", NS).text.split("!")[1].replace("$", "")
    labels = [c.value for row in ws[ref] for c in row]
    assert labels and not any("_" in label for label in labels)
    assert "Was the threshold right?" in labels


def test_decisions_compare_shares_not_counts_and_carry_polarity(books):
    data = _board()
    # Referrals rose, so every count rose; the NFA share fell from 10.0% to 9.2%.
    data.decisions = {d: (200, 10.0, 100, 5.0) for d in data.decisions} | {"nfa": (46, 9.2, 30, 10.0)}
    path = books.board.parent / "decisions.xlsx"
    write_board_pack(data, path)
    rows = {r["Decision"]: r for r in table_rows(check_workbook(path, "Board pack")["Decisions"])}
    assert rows["No further action"]["Direction of travel"] == "Down"
    assert rows["No further action"]["Good performance is"] == "Neither"


def test_judgements_in_words_with_target_and_rag(books):
    quarters = table_rows(books.wb["Re-referrals"])
    # Q1: 24.0% against 23.9% a year earlier: Up, but within a point, so Similar; target 22% +2 amber.
    q1, q2 = quarters
    assert (q1["Good performance is"], q1["Direction of travel"], q1["Judgement"]) == ("Lower", "Up", "Similar")
    assert q1["Target"] == pytest.approx(0.22) and q1["RAG"] == "Amber"
    # Q2: 20.8% against 27.1%: lower is better, so Better, and under the 22% target: Green.
    assert (q2["Direction of travel"], q2["Judgement"], q2["RAG"]) == ("Down", "Better", "Green")
    plans = table_rows(books.wb["Repeat plans"])
    assert plans[0]["RAG"] == "Green" and plans[0]["Judgement"] == "[x]" and plans[1]["Judgement"] == "Better"
    years = table_rows(books.wb["Referrals"])
    assert years[0]["Good performance is"] == "Neither" and years[0]["Judgement"] == "[z]" and years[0]["RAG"] == "[z]"
    notes = " ".join(r["Text"] for r in table_rows(books.wb["Notes"]))
    assert "Similar when a percentage moved by no more than 1.0 percentage point" in notes
    # Every measure DfE publishes has SN and England columns; [x] where none was loaded, and the Notes say why.
    assert q1["SN %"] == "[x]" and q1["England %"] == pytest.approx(0.24)
    assert q1["Base: referrals same quarter last year"] == "[x]"  # every percentage has its base beside it
    assert "[x] where none was loaded" in notes and "Decisions and repeat plans within two years have no SN" in notes


def test_judgement_and_rag_rules():
    assert judgement(24.0, 23.9, LOWER, "percent") == "Similar"
    assert judgement(27.1, 24.0, LOWER, "percent") == "Worse" and judgement(27.1, 24.0, HIGHER, "percent") == "Better"
    assert judgement(480, 455.5, NEITHER, "rate") == "[z]" and judgement(None, 3, LOWER, "percent") == "[x]"
    assert judgement(470, 455.5, HIGHER, "rate") == "Similar"  # within 5% of the earlier rate
    target = Target("re_referral_pct", 22.0, 2.0, LOWER, 2015)
    assert [rag(v, target) for v in (21.0, 22.0, 23.5, 24.5, None)] == ["Green", "Green", "Amber", "Red", "[x]"]
    assert rag(21.0, None) == "[z]"


def test_programmes_show_grades_before_and_after_and_outcomes_by_grade_group_and_learning_without_free_text(tmp_path):
    data = board_pack_data()
    data.programmes = [replace(data.programmes[0], sampled=40, audited=30, moderated=12, good_or_better_pct=40.0,
                               graded=30, good_before_pct=60.0, graded_before=30,
                               outcomes={"Good or better": (3, 12), "Requires improvement or inadequate": (9, 18)},
                               top_themes=[("Voice of the child", 14), ("Threshold", 9), ("Consent", 2)])]
    path = tmp_path / "board.xlsx"
    write_board_pack(data, path)
    wb = check_workbook(path, "Board pack")
    [row] = table_rows(wb["Programmes"])
    assert row["Good or better before moderation %"] == pytest.approx(0.6) and row["Base: graded before"] == 30
    assert row["Good or better after moderation %"] == pytest.approx(0.4) and row["Base: audits graded"] == 30
    # 3 of 12 came back: a small count, withheld with its share; 9 of 18 is shown with its base.
    assert row["Came back: good or better %"] == "[c]" and row["Base: good or better, outcome known"] == 12
    assert row["Came back: requires improvement or inadequate %"] == pytest.approx(0.5)
    assert row["Base: requires improvement or inadequate, outcome known"] == 18
    learning = table_rows(wb["Learning"])
    assert [(r["Rank"], r["Theme"], r["Cases naming it"]) for r in learning] == [
        (1, "Voice of the child", 14), (2, "Threshold", 9), (3, "Consent", "[c]")]
    headers = [c.name for c in next(iter(wb["Learning"].tables.values())).tableColumns]
    assert headers == ["Programme", "Rank", "Theme", "Cases naming it"]  # counts only, no free text
