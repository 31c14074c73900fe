"""A moderator changes a grade with a reason in real Chromium and sees the kappa change."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, User
from qa_app.services import moderation, programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser
ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes"}


@pytest.fixture
def moderated_programme(app, live_server, tmp_path):
    with app.app_context():
        rows = []
        for i in range(3):
            rows += [[f"C{i}", f"A{i}", "2014-03-01", "nfa", "", "North"], [f"C{i}", f"B{i}", "2014-05-01", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        lead = db.session.scalars(db.select(User).filter_by(email="qa.lead@demo.casefile.test")).one()
        programme = programmes.create_programme(name="Moderated", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit, grade in zip(audits, ("Good", "Inadequate", "Good")):
            save_part(audit.id, LEAD, {**ANSWERS, "overall_grade": grade}, audit.version, submit=True, user=auditor)
        for audit, grade in zip(audits[:2], ("Good", "Inadequate")):
            moderation.moderate(audit.id, {"overall_grade": grade}, {}, outcome="accepted", comments=None, user=lead)
        return programme.id, audits[2].id


def test_a_moderator_changes_a_grade_with_a_reason_and_sees_the_kappa_change(live_server, page, moderated_programme):
    programme_id, waiting = moderated_programme
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test")
    page.goto(f"{live_server}/programmes/{programme_id}")
    assert page.locator(".app-kappa").inner_text() == "1.000"
    page.get_by_role("link", name="Moderate case B2").click()
    page.get_by_label("Requires improvement to be good").check()
    page.get_by_role("button", name="Accept").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter why your grade differs" in summary.inner_text()
    page.get_by_label("Why your grade differs").fill("No evidence the plan was reviewed")
    page.get_by_role("button", name="Accept").click()
    # The last audit waiting: the moderator lands back on the queue, not on the programme.
    page.wait_for_url(f"{live_server}/moderation/")
    assert "Case B2 accepted" in page.locator(".govuk-notification-banner").inner_text()
    page.goto(f"{live_server}/programmes/{programme_id}")
    kappa = float(page.locator(".app-kappa").inner_text())
    assert kappa < 1.0
    assert "66.7%" in page.locator(".app-agreement").inner_text()  # exact agreement, 2 of 3


def test_moderation_pages_have_no_serious_accessibility_problems(live_server, axe_page, moderated_programme):
    _, waiting = moderated_programme
    sign_in_page(axe_page, live_server, "qa.lead@demo.casefile.test")
    for path in ("/moderation/", f"/moderation/{waiting}"):
        axe_page.goto(live_server + path)
        assert serious_accessibility_problems(axe_page) == []


def test_after_moderating_the_next_audit_in_the_queue_opens(app, live_server, page, moderated_programme):
    programme_id, waiting = moderated_programme
    with app.app_context():
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        lead = db.session.scalars(db.select(User).filter_by(email="qa.lead@demo.casefile.test")).one()
        # Reopen an accepted audit and submit it again: two are waiting now.
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme_id))
        first = audits[0]
        moderation.reopen(first.id, LEAD, "Check the grade", lead)
        first = db.session.get(type(first), first.id)
        save_part(first.id, LEAD, {**ANSWERS, "overall_grade": "Inadequate"}, first.version, submit=True, user=auditor)
        queue = [item.case_audit.id for item in moderation.moderation_queue()]
    assert len(queue) == 2
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test")
    page.goto(f"{live_server}/moderation/{queue[0]}")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{live_server}/moderation/{queue[1]}")
    assert "accepted" in page.locator(".govuk-notification-banner").inner_text()
