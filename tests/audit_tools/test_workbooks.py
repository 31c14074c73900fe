"""The Excel workbooks, built from plain data without the app: layout, safety, pseudonyms,
and LibreOffice opening both kinds (converted once each, to CSV and to PDF)."""
from datetime import date, datetime
from types import SimpleNamespace

import pytest

from audit_tools.findings import agreement
from audit_tools.programme_findings import (AuditRecord, case_outcome, compare, outcomes_by_grade,
                                            programme_findings)
from audit_tools.questionnaires import parse_questionnaire
from audit_tools.workbooks.board_pack import BoardPackData, PlanRow, ProgrammeRow, QuarterRow, YearRow, write_board_pack
from audit_tools.workbooks.findings_workbook import ActionRow, FindingsExport, write_findings_workbook
from audit_tools.workbooks.layout import Column, LayoutError, Sheet, WorkbookSpec, file_name, write_workbook
from audit_tools.workbooks.pseudonyms import Identifiable, Pseudonymiser
from audit_tools.workbooks.safe import csv_safe
from tests.workbook_checks import (CSV_ALL_SHEETS, cells_of, check_workbook, libreoffice_convert,
                                   need_libreoffice, table_rows)

# Text a spreadsheet could run as a formula, or that XML cannot hold.
HOSTILE = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",
           "\r=1+1", "\x00=cmd|' /C calc'!A0", " =2*3"]
# As read back: the NUL is dropped, and XML reads a carriage return as a line feed; the rest is kept.
SHOWN = [text.replace("\x00", "").replace("\r", "\n") for text in HOSTILE]

QUESTIONNAIRE = parse_questionnaire("""
id: test-audit
version: 2
title: Test audit
sections:
  - id: lead
    title: The case
    questions:
      - {id: threshold_right, label: "Was the threshold right?", type: met}
      - {id: why_not, label: "Why not?", type: long_text, show_when: {question: threshold_right, in: [no]}}
      - {id: seen_on, label: "When was the child seen?", type: date}
      - {id: visits, label: "How many visits?", type: number}
      - {id: overall_grade, label: Overall grade, type: grade}
      - {id: good_practice, label: Good practice, type: long_text}
      - {id: learning_themes, label: Themes, type: multiple_choice, options: [Threshold, Voice of the child]}
  - id: partner
    title: Each agency
    agency: each
    questions:
      - {id: shared_info, label: "Was information shared?", type: met}
      - {id: partner_notes, label: Notes, type: long_text}
""", "test.yaml")


def audit_records(n=6, hostile=True):
    records = []
    for i in range(n):
        text = HOSTILE[i % len(HOSTILE)] if hostile else f"Note {i}"
        records.append(AuditRecord(
            case_audit_id=i + 1, case_id=HOSTILE[(i + 1) % len(HOSTILE)] + f"R{i}" if hostile else f"R{i}",
            child_id=f"C{i // 2}", team=HOSTILE[(i + 2) % len(HOSTILE)] if hostile else "North",
            status="moderated" if i % 3 == 1 else "submitted",
            lead_answers={"threshold_right": ["yes", "no", "not_applicable"][i % 3],
                          **({"why_not": text} if i % 3 == 1 else {}),
                          "seen_on": "2015-05-0%d" % (i % 9 + 1), "visits": str(i),
                          "overall_grade": ["Good", "Inadequate", "Requires improvement to be good"][i % 3],
                          "good_practice": text, "learning_themes": ["Threshold"]},
            agency_answers={"police": {"shared_info": "yes", "partner_notes": text}},
            moderated_grades={"overall_grade": "Good"} if i % 3 == 1 else {},
            case_date=date(2015, 4, 1), audited_on=date(2015, 7, 1)))
    return records


def findings_data(pseudonyms, records=None):
    records = records if records is not None else audit_records()
    findings = programme_findings(QUESTIONNAIRE, records, ["police"], sampled=len(records) + 1)
    pairs = [("Good", "Good"), ("Inadequate", "Requires improvement to be good")]
    report = SimpleNamespace(overall=agreement(pairs), by_question={"overall_grade": agreement(pairs)},
                             by_auditor={HOSTILE[0]: agreement(pairs[:1])})
    action = ActionRow(reference="A1", finding=HOSTILE[3], question_id="threshold_right", owned_by=HOSTILE[4],
                       owner=HOSTILE[5], priority="High", due=date(2016, 1, 31), status="Open",
                       latest_progress=HOSTILE[6], overdue=True, days_open=40, programme=HOSTILE[7],
                       description=HOSTILE[0])
    earlier = programme_findings(QUESTIONNAIRE, records[:3], ["police"])
    outcomes = [case_outcome(r, [date(2015, 8, 1)] if r.case_audit_id == 1 else [], date(2016, 12, 31),
                             "overall_grade") for r in records]
    return FindingsExport(
        title=HOSTILE[1], cover=[("What this is", [HOSTILE[2], "A test programme."])], questionnaire=QUESTIONNAIRE,
        agencies=["police"], audits=records, auditors={1: HOSTILE[3]}, findings=findings, agreement=report,
        pseudonyms=pseudonyms, actions=[action], outcomes=list(outcomes_by_grade(outcomes)),
        outcomes_until=date(2016, 12, 31), earlier="Last year's audit", comparison=list(compare(earlier, findings)),
        queries=[SimpleNamespace(question_id="threshold_right", agency=None, queries=3, still_open=1, closed=2),
                 SimpleNamespace(question_id=HOSTILE[2], agency="police", queries=1, still_open=0, closed=1)])


def board_pack_data():
    return BoardPackData(
        period_label="2015/16", cover=[("What this is", ["A board pack."])],
        years=[YearRow("2014/15", 2722, 455.5, 538.7, 548.3, False, None, None),
               YearRow("2015/16", 1125, 188.1, None, None, True, 2250.0, 376.3)],
        quarters=[QuarterRow("Q1 2015/16", 571, 137, 24.0, 24.0, 23.9), QuarterRow("Q2 2015/16", 554, 115, 20.8, None, 27.1)],
        decisions_label="2015/16", decisions_last_year_label="2014/15",
        decisions={d: (10, 20.0, 12, 24.0) for d in ("nfa", "professional_conversation", "early_help",
                                                        "assessment", "section_47")},
        plans=[PlanRow("2014/15", 150, 22, 14.7, 11, 7.3, 16.0, 17.9), PlanRow("2015/16", 134, 18, 13.4, 10, 7.5, None, None)],
        programmes=[ProgrammeRow(HOSTILE[0], HOSTILE[1], HOSTILE[7], "Q1 2014/15",
                                 date(2015, 9, 1), 8, 6, 2, 50.0, 3, 1)],
        actions=[ActionRow("A7", HOSTILE[2], None, HOSTILE[3], "Team manager", "Low", date(2015, 12, 1), "Open",
                           HOSTILE[6], False, 3, HOSTILE[4], HOSTILE[5])])


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbooks")
    findings, board = folder / "findings.xlsx", folder / "board-pack.xlsx"
    write_findings_workbook(findings_data(Identifiable()), findings)
    write_board_pack(board_pack_data(), board)
    return SimpleNamespace(folder=folder, findings=findings, board=board)


def test_findings_workbook_layout_charts_and_formats(workbooks):
    wb = check_workbook(workbooks.findings, "Audit findings")
    assert wb.sheetnames[3:] == ["Summary", "Grades", "Yes by question", "Questions", "Question list", "Cases",
                                 "Moderation", "Moderation queries", "Agreement", "Learning", "Themes", "Actions", "Re-audit", "Outcomes",
                                 "Family feedback", "Family views"]
    contents = [r["Sheet"] for r in table_rows(wb["Contents"])]
    assert contents == wb.sheetnames
    assert [len(wb[name]._charts) for name in ("Grades", "Yes by question")] == [1, 1]
    queried = table_rows(wb["Moderation queries"])  # issue 26: queries counted by question
    assert [(r["Question id"], r["Agency part"], r["Queries"], r["Still open"], r["Closed"]) for r in queried] == [
        ("threshold_right", "Lead auditor", 3, 1, 2), (SHOWN[2], "Police", 1, 0, 1)]
    assert queried[1]["Question"] == "[x]"  # a question the questionnaire does not have
    grades = {r["Grade"]: r for r in table_rows(wb["Grades"])}
    assert grades["Good"]["Before moderation"] == 2 and grades["Good"]["After moderation"] == 4
    assert grades["Good"]["Base before"] == 6
    assert wb["Grades"]["D5"].number_format == "0.0%"
    # Not applicable answers are outside the base and shown as [z], not as a blank or 0%.
    questions = table_rows(wb["Questions"])
    na = next(r for r in questions if r["Question id"] == "threshold_right" and r["Answer"] == "Not applicable"
              and r["Team"] == "All teams")
    assert na["Percent"] == "[z]" and na["Base"] == 4 and na["Count"] == 2
    cases = table_rows(wb["Cases"])
    assert [r["Agency part"] for r in cases[:2]] == ["Lead auditor", "Police"]
    assert isinstance(cases[0]["seen_on"], datetime) and cases[0]["visits"] == 0
    assert cases[0]["why_not"] == "[z]"  # not asked: the condition was not met
    assert cases[1]["threshold_right"] == "[z]" and cases[1]["partner_notes"] == SHOWN[0]
    assert [r["Question id"] for r in table_rows(wb["Question list"])][:2] == ["threshold_right", "why_not"]
    reaudit = {(r["Question id"], r["Agency part"]): r for r in table_rows(wb["Re-audit"])}
    threshold = reaudit[("threshold_right", "Lead auditor")]
    assert (threshold["Before"], threshold["Base before"], threshold["Now"], threshold["Base now"]) == (1, 2, 2, 4)
    assert threshold["Change (points)"] == 0 and threshold["Direction of travel"] == "No change"
    outcomes = {r["Grade after moderation"]: r for r in table_rows(wb["Outcomes"])}
    assert outcomes["Good or better"]["Came back"] == 1 and outcomes["Good or better"]["Audited"] == 4
    assert outcomes["Requires improvement or inadequate"]["Did not come back"] == 2
    summary = {r["Figure"]: r for r in table_rows(wb["Summary"])}
    assert summary["Cases sampled"]["Count"] == 7 and summary["Cases moderated"]["Count"] == 2


def test_every_hostile_value_is_text_in_every_sheet(workbooks):
    """Formula-like text from people and files reaches the workbook as text, never as a formula,
    in the answers, team and auditor names, ids, learning, actions and the cover."""
    for path in (workbooks.findings, workbooks.board):
        wb = check_workbook(path, "")  # no cell anywhere holds a formula
        values = {c.value for ws in wb for c in cells_of(ws, min_row=1) if isinstance(c.value, str)}
        found = [text for text in SHOWN if text in values]
        # The board pack carries no free text from audits or actions, so only names reach it.
        assert found == SHOWN if path == workbooks.findings else found, path.name
        for ws in wb:
            for c in cells_of(ws, min_row=1):
                if c.value in SHOWN:
                    assert c.data_type == "s" and c.quotePrefix, f"{ws.title}!{c.coordinate}"


def test_pseudonyms_replace_ids_and_stay_the_same_for_a_child(tmp_path):
    records = audit_records(4, hostile=False)
    path = tmp_path / "pseudonymised.xlsx"
    write_findings_workbook(findings_data(Pseudonymiser("k" * 32), records), path)
    wb = check_workbook(path, "Audit findings")
    cases = [r for r in table_rows(wb["Cases"]) if r["Agency part"] == "Lead auditor"]
    values = {c.value for ws in wb for c in cells_of(ws, min_row=1)}
    assert not {r.case_id for r in records} & values and not {r.child_id for r in records} & values
    assert cases[0]["Child ref"] == cases[1]["Child ref"] != cases[2]["Child ref"]  # C0, C0, C1
    assert cases[0]["Case ref"].startswith("CA-") and cases[0]["Child ref"].startswith("CH-")


def test_pseudonyms_are_keyed_stable_and_different_for_children_and_cases():
    one, other = Pseudonymiser("a" * 32), Pseudonymiser("b" * 32)
    assert one.child("C1") == Pseudonymiser("a" * 32).child("C1") != other.child("C1")
    assert one.child("C1") != one.child("C2")
    assert one.child("X") != one.case("X").replace("CA-", "CH-")
    with pytest.raises(ValueError):
        Pseudonymiser("short")


def test_board_pack_layout_charts_and_direction_as_text(workbooks):
    wb = check_workbook(workbooks.board, "Board pack: 2015/16")
    assert wb.sheetnames[3:] == ["Referrals", "Re-referrals", "Decisions", "Repeat plans", "Programmes", "Learning",
                                 "Actions", "Practitioners"]
    for name in ("Referrals", "Re-referrals", "Decisions", "Repeat plans"):
        ws = wb[name]
        assert len(ws._charts) == 1, name
        chart_column = len(next(iter(ws.tables.values())).tableColumns) + 2
        assert ws.cell(4, chart_column).value.startswith("Chart: "), name  # the summary above the chart
    years = table_rows(wb["Referrals"])
    assert years[1]["Direction of travel"] == "Down" and years[0]["Forecast referrals"] == "[z]"
    assert years[1]["SN rate per 10,000"] == "[x]" and wb["Referrals"]["C5"].number_format == "0.0"
    quarters = table_rows(wb["Re-referrals"])
    assert quarters[0]["Re-referrals %"] == pytest.approx(0.24) and quarters[0]["Direction of travel"] == "Up"
    actions = table_rows(wb["Actions"])
    assert actions[0]["Owner's role"] == "Team manager" and actions[0]["Due"] == datetime(2015, 12, 1)


def test_an_empty_table_says_so_rather_than_leaving_a_blank(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_workbook(WorkbookSpec("Empty", [], [], [Sheet("Data", "Nothing", "No rows here.", "Data",
                                                        [Column("A"), Column("B", "count")], [])]), path)
    wb = check_workbook(path, "Empty")
    assert table_rows(wb["Data"]) == [{"A": "[x]", "B": "[x]"}]
    assert "nothing to show" in wb["Data"]["A3"].value


@pytest.mark.parametrize("sheet, table, columns", [
    ("Data[1]", "Data", ["A"]), ("A" * 32, "Data", ["A"]), ("Data", "My table", ["A"]),
    ("Data", "A1", ["A"]), ("Data", "Data", ["A", "a"]), ("Notes", "Data", ["A"]), ("Data", "Notes", ["A"])])
def test_names_excel_would_repair_are_refused(tmp_path, sheet, table, columns):
    spec = WorkbookSpec("Bad", [], [], [Sheet(sheet, "t", "d", table, [Column(c) for c in columns], [])])
    with pytest.raises(LayoutError):
        write_workbook(spec, tmp_path / "bad.xlsx")


def test_csv_values_and_file_names_are_safe():
    assert [csv_safe(v) for v in ("=1+1", "\x00@x", "ok", 3)] == ["'=1+1", "'@x", "ok", 3]
    assert file_name("Findings", "Re-referrals Q1 2014/15!", identifiable=True) == \
        "findings-re-referrals-q1-2014-15-identifiable.xlsx"
    assert file_name("findings", "Re-referrals Q1", "Q1 2014/15") == "findings-re-referrals-q1-2014-15.xlsx"


def test_libreoffice_opens_both_workbooks_as_csv_and_pdf(workbooks, tmp_path):
    need_libreoffice()
    out, profile = tmp_path / "out", tmp_path / "profile"
    files = [workbooks.findings, workbooks.board]
    libreoffice_convert(files, CSV_ALL_SHEETS, out, profile)
    libreoffice_convert(files, "pdf", out, profile)
    for stem in ("findings", "board-pack"):
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    cases = (out / "findings-Cases.csv").read_text(encoding="utf-8")
    assert 'Case ref,Child ref,Agency part' in cases
    assert '"=HYPERLINK(""http://evil.example"",""Click"")"' in cases  # text, not a link LibreOffice made
    assert "=cmd|' /C calc'!A0" in cases and "#NAME?" not in cases and "Err:" not in cases
    decisions = (out / "board-pack-Decisions.csv").read_text(encoding="utf-8")
    assert "Decision,This period,This period %" in decisions
