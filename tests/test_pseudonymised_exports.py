"""Pseudonymised means no identifiers: real child, referral and plan ids planted in every free-text
field a workbook can show (including ids that are prefixes of others, C1 and C12) appear nowhere
in either default workbook; text the app writes itself never names a case by its real id."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from audit_tools.sampling import SampleRequest
from audit_tools.workbooks.pseudonyms import Pseudonymiser, scrub_ids
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from qa_app.services import actions, moderation, programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in

CHILDREN = ["C1", "C12", "C123"]
REFERRALS = ["R0007119", "R00071190", "X1", "X12", "Y1", "Y12", "Y123", "X123"]
PLANS = ["P1", "P12"]
KNOWN = set(CHILDREN + REFERRALS + PLANS)
PLANTED = "Seen C1, C12 and C123 (referrals R0007119/R00071190, X1, Y12; plans P1 and P12)."
SOON = date.today() + timedelta(days=20)


def test_scrubbing_replaces_whole_ids_only_longest_first():
    pseudonyms = Pseudonymiser("k" * 32)
    text = scrub_ids("C1, C12; C123. C1x xC1 (C12)", children={"C1", "C12", "C123"}, cases=set(),
                     pseudonyms=pseudonyms)
    assert text == (f"{pseudonyms.child('C1')}, {pseudonyms.child('C12')}; {pseudonyms.child('C123')}. "
                    f"C1x xC1 ({pseudonyms.child('C12')})")


@pytest.fixture
def planted(app, tmp_path):
    with app.app_context():
        rows = []
        for child, (earlier, later) in zip(CHILDREN, [("X1", "Y1"), ("X12", "Y12"), ("X123", "Y123")]):
            rows += [[child, earlier, "2014-03-01", "nfa", "", "North"], [child, later, "2014-05-01", "nfa", "", "North"]]
        rows += [["C1", "R0007119", "2013-01-01", "nfa", "", "North"], ["C12", "R00071190", "2013-01-02", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2014-06-01", "", "NEG", "North"], ["C12", "P12", "2014-06-02", "", "NEG", "North"]]))
        auditor = make_user(Role.AUDITOR)
        manager = make_user(Role.TEAM_MANAGER, teams=["North"])
        qa, other_qa = make_user(Role.QA_LEAD), make_user(Role.QA_LEAD)
        programme = programmes.create_programme(name="Re-referrals Q1", theme="Threshold",
                                                questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        # A hand-removed case, with its reason naming ids.
        programmes.remove_case_by_hand(audits[-1].id, PLANTED, qa)
        for audit in audits[:-1]:
            save_part(audit.id, LEAD, {
                "earlier_decision": "No further action", "earlier_threshold_right": "no",
                "earlier_threshold_reason": PLANTED, "early_help_offered": "no", "referrer_feedback": "yes",
                "consent": "yes", "what_changed": PLANTED, "threshold_of_need": "yes",
                "threshold_document_used": "yes", "overall_grade": "Good", "good_practice": PLANTED,
                "areas_for_development": PLANTED, "recommendations": PLANTED}, audit.version, submit=True,
                user=auditor)
        moderation.moderate(audits[0].id, {"overall_grade": "Good"}, {}, outcome="returned",
                            comments=PLANTED, user=qa)
        for to_status in ("closed", "returned", "cancelled", "open"):
            action = actions.raise_action(programme.id, audits[1].id, actions.NewAction(
                PLANTED, PLANTED, SOON, team="North"), qa)
            actions.record_progress(action.id, note=PLANTED, link="https://records.example/C1", user=manager)
            if to_status != "open":
                actions.change_status(action.id, "done", user=manager)
            if to_status in ("closed", "returned"):
                actions.change_status(action.id, to_status, reason=PLANTED, user=other_qa)
            if to_status == "cancelled":
                actions.change_status(action.id, to_status, reason=PLANTED, user=other_qa)
    return programme.id, qa


def _cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield sheet.title, cell.coordinate, cell.value


def _ids_in(text):
    return {token for token in re.findall(r"[A-Za-z0-9]+", text) if token in KNOWN}


def test_neither_default_workbook_holds_a_real_id_anywhere(app, planted):
    programme_id, qa = planted
    client = app.test_client()
    sign_in(client, qa.email)
    findings = post_form(client, f"/exports/programmes/{programme_id}/findings.xlsx", {})
    board = post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"})
    assert findings.status_code == board.status_code == 200
    found = []
    for name, response in (("findings", findings), ("board pack", board)):
        for sheet, where, text in _cells(load_workbook(io.BytesIO(response.data))):
            if _ids_in(text):
                found.append((name, sheet, where, text[:80]))
    assert found == []
    # The planted text is there, pseudonymised, where free text belongs.
    texts = [text for _, _, text in _cells(load_workbook(io.BytesIO(findings.data)))]
    assert any("Seen CH-" in text for text in texts)
    # The board pack carries no free text from audits or actions.
    assert not any("Seen" in text for _, _, text in _cells(load_workbook(io.BytesIO(board.data))))


def test_make_this_an_action_names_the_case_by_its_number_not_its_id(app, planted):
    programme_id, qa = planted
    with app.app_context():
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme_id))
        case_audit = audits[1]
    client = app.test_client()
    sign_in(client, qa.email)
    page = client.get(f"/actions/new?case_audit={case_audit.id}&recommendation=0").get_data(as_text=True)
    assert "Recommendation from the audit of case 2 in this programme" in page
    assert case_audit.case_id not in re.search(r'name="finding"[^>]*>([^<]*)<', page).group(1)
