"""Queries on a question (issue 26) in real Chromium: a moderator queries an answer, its auditor
answers, the moderator closes the query, and only then accepts the audit."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, CaseAudit, User
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser
ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}
QUESTION = "Overall grade for the handling of this case"


@pytest.fixture
def submitted_audit(app, live_server, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        programme = programmes.create_programme(name="Queried", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=auditor)
        return audit.id


def test_a_query_is_opened_answered_and_closed_before_the_moderation_completes(
        app, live_server, browser, submitted_audit):
    # Both contexts run axe-core, an inline script, so both bypass the Content-Security-Policy.
    moderator = browser.new_context(bypass_csp=True).new_page()
    auditor = browser.new_context(bypass_csp=True).new_page()
    for page in (moderator, auditor):
        page.set_default_timeout(10_000)
    sign_in_page(moderator, live_server, "qa.lead@demo.casefile.test")
    moderator.goto(f"{live_server}/moderation/{submitted_audit}")
    moderator.get_by_role("link", name=f"Query the answer to: {QUESTION}").click()
    moderator.wait_for_url("**/queries/new/**")
    assert serious_accessibility_problems(moderator) == []
    moderator.get_by_label("What do you want to ask the auditor").fill("Was the strategy discussion held?")
    moderator.get_by_label("The answer you think it should be").select_option("Requires improvement to be good")
    moderator.get_by_role("button", name="Send the query").click()
    moderator.wait_for_url("**/queries/*")
    assert "Query sent to the auditor" in moderator.locator(".govuk-notification-banner").inner_text()
    query_url = moderator.url
    assert serious_accessibility_problems(moderator) == []

    # Accepting is refused while the query is open, and the grade chosen is kept.
    moderator.goto(f"{live_server}/moderation/{submitted_audit}")
    moderator.get_by_role("group", name=QUESTION).get_by_label("Good", exact=True).check()
    moderator.get_by_role("button", name="Accept").click()
    summary = moderator.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Close the open queries before accepting this audit" in summary.inner_text()
    assert moderator.get_by_role("group", name=QUESTION).get_by_label("Good", exact=True).is_checked()

    # The auditor finds it on their home page and answers it.
    sign_in_page(auditor, live_server, "auditor@demo.casefile.test")
    assert serious_accessibility_problems(auditor) == []  # the home page, with its queries
    auditor.get_by_role("link", name=f"Case B1: {QUESTION}").click()
    auditor.wait_for_url(query_url)
    assert serious_accessibility_problems(auditor) == []
    auditor.get_by_label("Your answer").fill("Yes, on 3 May; the minutes are on file")
    auditor.get_by_role("button", name="Send your answer").click()
    assert "Your answer has been sent" in auditor.locator(".govuk-notification-banner").inner_text()

    # The moderator reads the answer, closes the query and accepts the audit.
    moderator.goto(query_url)
    thread = moderator.locator(".app-query-thread").inner_text()
    assert "the minutes are on file" in thread and " answered on " in thread
    moderator.get_by_label("Closing note (optional)").fill("Agreed, the grade stands")
    moderator.get_by_role("button", name="Close the query").click()
    assert "Query closed" in moderator.locator(".govuk-notification-banner").inner_text()
    assert serious_accessibility_problems(moderator) == []
    moderator.goto(f"{live_server}/moderation/{submitted_audit}")
    moderator.get_by_role("button", name="Accept").click()
    moderator.wait_for_url(f"{live_server}/moderation/")
    assert "Case B1 accepted" in moderator.locator(".govuk-notification-banner").inner_text()
    with app.app_context():
        assert db.session.get(CaseAudit, submitted_audit).status == "moderated"
    moderator.context.close()
    auditor.context.close()
