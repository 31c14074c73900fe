"""Recommendations become actions, a team manager works one, a QA lead returns then verifies it,
and the findings page shows the grades and the action's state: in real Chromium."""
from datetime import date, timedelta

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, User
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.browser.conftest import fill_date, serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser
ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "no",
           "earlier_threshold_reason": "Risk was clear", "early_help_offered": "no", "referrer_feedback": "yes",
           "consent": "yes", "what_changed": "x", "threshold_of_need": "yes", "threshold_document_used": "no",
           "overall_grade": "Requires improvement to be good",
           "recommendations": "Train the front door on the threshold document\nReview the North step-down plans"}
DUE = date.today() + timedelta(days=21)


@pytest.fixture
def submitted_audit(app, live_server, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "Compass"], ["C1", "B1", "2014-05-01", "nfa", "", "Compass"]]))
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        programme = programmes.create_programme(name="Journey programme", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=auditor)
        return programme.id, audit.id


def raise_from_recommendation(page, base, case_audit_id, number, team):
    page.goto(f"{base}/audits/{case_audit_id}/lead")
    page.get_by_role("link", name=f"Make this an action for recommendation {number}").click()
    page.get_by_label("Team that owns it").select_option(team)
    fill_date(page, "Due date", DUE)
    page.get_by_label("High").check()
    page.get_by_role("button", name="Raise the action").click()
    page.wait_for_url(f"{base}/audits/{case_audit_id}/lead")


def set_status(page, base, action_id, move, reason=None):
    page.goto(f"{base}/actions/{action_id}")
    page.get_by_label(move).check()
    if reason:
        page.get_by_label("Reason or note").fill(reason)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/actions/{action_id}")


def test_recommendations_become_actions_that_a_team_closes_and_a_qa_lead_verifies(
        live_server, browser, submitted_audit, tmp_path):
    programme_id, case_audit_id = submitted_audit
    lead, manager, qa = (browser.new_context().new_page() for _ in range(3))
    sign_in_page(lead, live_server, "auditor@demo.casefile.test")
    raise_from_recommendation(lead, live_server, case_audit_id, 1, "Compass")
    raise_from_recommendation(lead, live_server, case_audit_id, 2, "North")
    raised = lead.locator(".app-raised-actions").inner_text()
    assert "Action 1: Train the front door" in raised and "Action 2: Review the North" in raised

    sign_in_page(manager, live_server, "team.manager@demo.casefile.test")
    home = manager.locator("#outstanding-actions").locator("..").inner_text()
    assert "Train the front door" in home and "Review the North" not in home
    manager.get_by_role("link", name="Action 1").first.click()
    manager.get_by_label("Progress note").fill("Training delivered on 3 March; register attached")
    evidence = tmp_path / "register.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% demo register\n")
    manager.get_by_label("Evidence file (optional)").set_input_files(str(evidence))
    # One form: the note, the file and "done" are saved together.
    manager.get_by_label("Mark it done").check()
    manager.get_by_role("button", name="Save").click()
    manager.wait_for_url(f"{live_server}/actions/1")
    assert "register.pdf" in manager.locator(".app-action-history").inner_text()
    assert "Done" in manager.locator("h1").inner_text()

    sign_in_page(qa, live_server, "qa.lead@demo.casefile.test")
    set_status(qa, live_server, 1, "Return it to the team", "The register has no signatures")
    assert "Returned" in qa.locator("h1").inner_text()
    manager.goto(f"{live_server}/actions/1")
    manager.get_by_label("Progress note").fill("Signed register attached")
    manager.get_by_label("Mark it done").check()
    manager.get_by_role("button", name="Save").click()
    manager.wait_for_url(f"{live_server}/actions/1")
    set_status(qa, live_server, 1, "Verify and close it")
    assert "Verified closed" in qa.locator("h1").inner_text()

    qa.goto(f"{live_server}/programmes/{programme_id}/findings")
    grades = qa.locator(".app-grades").inner_text()
    assert "Requires improvement to be good\t1 (100.0%)" in grades
    actions = qa.locator(".app-actions").inner_text()
    assert "Verified closed" in actions and "Open" in actions
    for page in (lead, manager, qa):
        page.context.close()


def test_action_and_findings_pages_have_no_serious_accessibility_problems(live_server, axe_page, submitted_audit, app):
    programme_id, case_audit_id = submitted_audit
    sign_in_page(axe_page, live_server, "qa.lead@demo.casefile.test")
    axe_page.goto(f"{live_server}/actions/new?case_audit={case_audit_id}")
    axe_page.get_by_label("What must be done?").fill("Review step-down plans")
    axe_page.get_by_label("The finding, in a sentence").fill("Step-down was not reviewed")
    axe_page.get_by_label("Team that owns it").select_option("Compass")
    fill_date(axe_page, "Due date", DUE)
    axe_page.get_by_role("button", name="Raise the action").click()
    axe_page.wait_for_url(f"{live_server}/actions/1")
    for path in ("/actions/", "/actions/1", f"/actions/new?case_audit={case_audit_id}",
                 f"/programmes/{programme_id}/findings"):
        axe_page.goto(live_server + path)
        assert serious_accessibility_problems(axe_page) == [], path
