"""Small numbers in the board pack: counts of 1 to 5 and percentages on a base under 10 are
[c], and no withheld count can be worked out from a total and the cells beside it."""
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from audit_tools.records import DECISIONS
from audit_tools.workbooks.board_pack import (PlanRow, ProgrammeRow, QuarterRow, decisions_sheet, plans_sheet,
                                              programmes_sheet, re_referrals_sheet, write_board_pack)
from tests.audit_tools.test_workbooks import board_pack_data
from tests.workbook_checks import check_workbook, table_rows

C = "[c]"


def _rows(sheet):
    names = [c.name for c in sheet.columns]
    return [dict(zip(names, row)) for row in sheet.rows], {c.name: c.kind for c in sheet.columns}


def _pct(part, whole):
    return round(part * 100 / whole, 1) if whole else None


def _no_small_count_shown(rows, kinds):
    for row in rows:
        for name, value in row.items():
            if kinds[name] == "count":
                assert not (isinstance(value, int) and 1 <= value <= 5), (name, row)


def _not_recoverable(shown: list, total):
    """With the total known, exactly one hidden cell in the group would be total minus the rest."""
    hidden = [v for v in shown if v == C]
    if total != C:
        assert len(hidden) != 1, shown


counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(now=st.lists(counts, min_size=len(DECISIONS), max_size=len(DECISIONS)),
       before=st.lists(counts, min_size=len(DECISIONS), max_size=len(DECISIONS)))
def test_decisions_show_no_small_count_and_no_withheld_count_can_be_worked_out(now, before):
    data = board_pack_data()
    data.decisions = {d: (n, _pct(n, sum(now)), b, _pct(b, sum(before)))
                      for d, n, b in zip(DECISIONS, now, before)}
    rows, kinds = _rows(decisions_sheet(data))
    _no_small_count_shown(rows, kinds)
    for count, share, base in (("This period", "This period %", "Base: referrals this period"),
                               ("Same period last year", "Same period last year %",
                                "Base: referrals same period last year")):
        _not_recoverable([r[count] for r in rows], rows[0][base])
        for r in rows:
            if r[count] == C:  # the share times the base would give the count back
                assert r[share] == C
            if r[base] == C or (isinstance(r[base], int) and r[base] < 10):
                assert r[share] in (C, None)


@settings(max_examples=200, deadline=None)
@given(quarters=st.lists(st.tuples(counts, counts), min_size=1, max_size=4), started=counts, ever=counts, within=counts)
def test_quarters_and_plans_show_no_small_count_or_percentage_on_a_small_base(quarters, started, ever, within):
    data = board_pack_data()
    data.quarters = [QuarterRow(f"Q{i + 1} 2015/16", referrals, min(re, referrals), _pct(min(re, referrals), referrals),
                                None, None) for i, (referrals, re) in enumerate(quarters)]
    ever, within = min(ever, started), min(within, ever, started)
    data.plans = [PlanRow("2015/16", started, ever, _pct(ever, started), within, _pct(within, started), None, None)]
    rows, kinds = _rows(re_referrals_sheet(data))
    _no_small_count_shown(rows, kinds)
    if len(rows) == 4:  # a whole year's quarters add up to the year on the Referrals sheet
        for name in ("Referrals", "Re-referrals"):
            _not_recoverable([r[name] for r in rows], "year total shown")
    for r, (referrals, _) in zip(rows, quarters):
        if referrals < 10 or r["Re-referrals"] == C:
            assert r["Re-referrals %"] in (C, None) and r["Judgement"] in (C, "[x]")
    plan_rows, plan_kinds = _rows(plans_sheet(data))
    _no_small_count_shown(plan_rows, plan_kinds)
    if started < 10:
        assert plan_rows[0]["Repeat ever %"] in (C, None) and plan_rows[0]["Within two years %"] in (C, None)


def test_good_or_better_from_four_audits_is_not_shown_bare(tmp_path):
    data = board_pack_data()
    data.programmes = [replace(data.programmes[0], sampled=8, audited=4, moderated=2, good_or_better_pct=50.0,
                               graded=4)]
    path = tmp_path / "board.xlsx"
    write_board_pack(data, path)
    [row] = table_rows(check_workbook(path, "Board pack")["Programmes"])
    assert (row["Sampled"], row["Audited"], row["Moderated"]) == (8, C, C)
    assert row["Good or better after moderation %"] == C and row["Base: audits graded"] == C
    notes = " ".join(r["Text"] for r in table_rows(check_workbook(path, "Board pack")["Notes"]))
    assert "a count of 1 to 5 children, cases or audits is shown as [c]" in notes


def test_kappa_and_agreement_show_only_from_ten_pairs_each_in_its_own_formatted_column(tmp_path):
    from types import SimpleNamespace

    from audit_tools.findings import agreement
    from audit_tools.workbooks.findings_workbook import write_findings_workbook
    from audit_tools.workbooks.pseudonyms import Identifiable
    from tests.audit_tools.test_workbooks import findings_data

    data = findings_data(Identifiable())
    many = [("Good", "Good")] * 8 + [("Inadequate", "Requires improvement to be good"), ("Good", "Outstanding")]
    data.agreement = SimpleNamespace(overall=agreement(many), by_question={"overall_grade": agreement(many[:9])},
                                     by_auditor={"Alex": agreement(many)})
    path = tmp_path / "findings.xlsx"
    write_findings_workbook(data, path)
    wb = check_workbook(path, "Audit findings")
    summary = {r["Figure"]: r for r in table_rows(wb["Summary"])}
    kappa = summary["Weighted kappa (auditor against moderator)"]
    assert isinstance(kappa["Kappa"], float) and kappa["Count"] == "[z]" and kappa["Base"] == 10
    row = next(i for i, r in enumerate(table_rows(wb["Summary"]), 5) if r["Figure"].startswith("Weighted kappa"))
    assert wb["Summary"].cell(row, 3).number_format == "0.000" and wb["Summary"]["B5"].number_format == "#,##0"
    rows = {r["Question or auditor"]: r for r in table_rows(wb["Agreement"])}
    assert isinstance(rows["Alex"]["Weighted kappa"], float)
    assert rows["overall_grade"]["Weighted kappa"] == C and rows["overall_grade"]["Exact agreement %"] == C
    assert rows["overall_grade"]["Pairs"] == 9


def test_a_question_nobody_answered_shows_z_for_its_percentage(tmp_path):
    from audit_tools.workbooks.findings_workbook import write_findings_workbook
    from audit_tools.workbooks.pseudonyms import Identifiable
    from tests.audit_tools.test_workbooks import audit_records, findings_data

    records = [replace(r, agency_answers={"police": {"shared_info": "not_applicable"}}) for r in audit_records(3)]
    path = tmp_path / "findings.xlsx"
    write_findings_workbook(findings_data(Identifiable(), records), path)
    wb = check_workbook(path, "Audit findings")
    shared = next(r for r in table_rows(wb["Yes by question"]) if r["Question id"] == "shared_info")
    assert shared["Base"] == 0 and shared["Yes %"] == "[z]"
    answers = [r for r in table_rows(wb["Questions"]) if r["Question id"] == "shared_info" and r["Team"] == "All teams"]
    assert answers and all(r["Percent"] == "[z]" for r in answers)


def test_findings_learning_is_one_row_per_item_with_theme_agency_and_case_and_themes_count_by_agency(tmp_path):
    from audit_tools.workbooks.findings_workbook import write_findings_workbook
    from audit_tools.workbooks.pseudonyms import Pseudonymiser
    from openpyxl import load_workbook

    from tests.audit_tools.test_workbooks import audit_records, findings_data

    records = audit_records(2, hostile=False)
    records[0] = replace(records[0], lead_answers={**records[0].lead_answers, "recommendations": "Line one\nLine two",
                                                   "learning_themes": ["Threshold", "Voice of the child"]},
                         agency_answers={"police": {"shared_info": "yes", "good_practice": "Shared the same day"}})
    path = tmp_path / "findings.xlsx"
    write_findings_workbook(findings_data(Pseudonymiser("k" * 32), records), path)
    wb = check_workbook(path, "Audit findings")
    learning = table_rows(wb["Learning"])
    assert [(r["Agency part"], r["Kind"], r["Themes"]) for r in learning] == [
        ("Lead auditor", "Good practice", "Threshold; Voice of the child"),
        ("Lead auditor", "Recommendations", "Threshold; Voice of the child"),
        ("Police", "Good practice", "Threshold; Voice of the child"),
        ("Lead auditor", "Good practice", "Threshold")]
    assert all(r["Case ref"].startswith("CA-") for r in learning)
    recommendation = next(r for r in learning if r["Kind"] == "Recommendations")
    assert recommendation["What the auditor wrote"] == "Line one\nLine two"  # one cell, both lines
    cell = next(c for row in load_workbook(path)["Learning"].iter_rows() for c in row if c.value == "Line one\nLine two")
    assert cell.alignment.wrap_text
    themes = {(r["Theme"], r["Agency part"]): (r["Learning items"], r["Cases"]) for r in table_rows(wb["Themes"])}
    assert themes[("Threshold", "Lead auditor")] == (3, 2) and themes[("Voice of the child", "Police")] == (1, 1)
