"""Subject access: one child's every record in a workbook, nobody else's, logged; text is never a formula."""
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from audit_tools.safe_workbook import write_workbook
from qa_app.services.case_reads import reads_of_child
from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, CaseAudit, Role
from qa_app.services import case_audits, programmes
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user

HOSTILE = '=HYPERLINK("http://evil.example","click")'


def test_a_subject_access_export_holds_the_childs_records_and_no_one_elses(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-01", "nfa", "", "North"], ["C1", "R2", "2014-05-01", "assessment", "", "North"],
            ["C2", "R3", "2014-03-02", "nfa", "", "North"], ["C2", "R4", "2014-05-02", "nfa", "", "North"]]))
        auditor, admin = make_user(Role.AUDITOR), make_user(Role.ADMIN, email="dpo@council.example")
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 31))
        for audit in db.session.scalars(select(CaseAudit)).all():
            text = HOSTILE if audit.child_id == "C1" else "About the other child"
            case_audits.save_part(audit.id, "lead", {"what_changed": text}, 1, submit=False, user=auditor)

    path = tmp_path / "sar-C1.xlsx"
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["subject-access", "C1", str(path), "--by", auditor.email])
    assert refused.exit_code == 1 and "not an active admin" in refused.output and not path.exists()
    result = runner.invoke(args=["subject-access", "C1", str(path), "--by", "DPO@council.example"])
    assert result.exit_code == 0, result.output
    assert "Referrals 2" in result.output and "Case audits 1" in result.output

    workbook = load_workbook(path)
    assert workbook.sheetnames[:4] == ["Child", "Referrals", "CP plans", "Case audits"]
    everything = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    values = [str(cell.value) for cell in everything if cell.value is not None]
    assert "R1" in values and "R2" in values and not {"R3", "R4", "C2"} & set(values)
    assert not any("About the other child" in v for v in values)
    # The auditor's text, exactly as typed, is text in the workbook: never a live formula.
    answer = [row for row in workbook["Answers"].iter_rows(min_row=2) if row[2].value == "what_changed"][0][3]
    assert answer.value == HOSTILE and answer.data_type == "s"
    saved_events = [row for row in workbook["Audit trail"].iter_rows(min_row=2, values_only=True)
                    if "case_audit_saved" in row]
    assert len(saved_events) == 1
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_access_export")).one()
        assert event.object_id == "C1" and event.user_email == "dpo@council.example"
        assert event.details["rows"]["Referrals"] == 2
        # ... and the admin page's "who looked at this child" finds it.
        reads = reads_of_child("C1").direct
        assert [(e.details["what"], e.user_email) for e in reads] == [("subject access export", "dpo@council.example")]


def test_a_cell_starting_like_a_formula_is_written_as_text(tmp_path):
    risky = ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx", 5, None]
    write_workbook(tmp_path / "w.xlsx", [("Sheet", ["value"], [[v] for v in risky])])
    sheet = load_workbook(tmp_path / "w.xlsx")["Sheet"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # (XML reads a lone carriage return back as a line feed.)
    assert [c.value for c in cells[:6]] == [v.replace("\r", "\n") for v in risky[:6]]
    assert all(c.data_type == "s" for c in cells[:6]) and cells[6].data_type == "n"
