"""A practitioner takes part in the audit of their case, in real Chromium (issue 25): the QA lead
lets the programme invite practitioners, the lead auditor names and shares, the practitioner
reflects and disagrees with a grade, both agree the learning and sign it off, the moderator sees
the reflection beside the auditor's answers, and the findings count it. axe on every new page."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import CaseAudit, User
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "School raised new concerns",
           "threshold_of_need": "yes", "threshold_document_used": "yes", "overall_grade": "Good"}


def demo_user(email):
    return db.session.scalars(db.select(User).filter_by(email=email)).one()


@pytest.fixture
def submitted_case(app, live_server, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-01", "nfa", "6", "North"], ["C1", "R2", "2014-05-01", "assessment", "6", "North"]]))
        programme = programmes.create_programme(name="Re-referrals", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        auditor = demo_user("auditor@demo.casefile.test")
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 31))
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
        save_part(case_audit.id, LEAD, ANSWERS, case_audit.version, submit=True, user=auditor)
        return programme.id, case_audit.id


def _no_serious_problems(page):
    assert serious_accessibility_problems(page) == [], page.url


def test_invite_share_reflect_agree_sign_off_moderate_and_see_it_in_the_findings(browser, live_server, submitted_case):
    programme_id, case_audit_id = submitted_case
    qa, auditor, worker = (browser.new_context(bypass_csp=True).new_page() for _ in range(3))
    for page in (qa, auditor, worker):
        page.set_default_timeout(15_000)

    # The QA lead lets this programme's practitioners reflect after the audit.
    sign_in_page(qa, live_server, "qa.lead@demo.casefile.test")
    qa.goto(f"{live_server}/programmes/{programme_id}")
    qa.get_by_role("link", name="Change how practitioners take part").click()
    qa.get_by_label("Invited to reflect after the audit").wait_for()
    _no_serious_problems(qa)
    qa.get_by_label("Invited to reflect after the audit").check()
    qa.get_by_role("button", name="Save").click()
    qa.get_by_text("How practitioners take part has been saved").wait_for()

    # The lead auditor names the practitioner and shares the lead part.
    sign_in_page(auditor, live_server, "auditor@demo.casefile.test")
    auditor.goto(f"{live_server}/audits/{case_audit_id}")
    auditor.get_by_role("link", name="The practitioner's part").click()
    auditor.get_by_role("button", name="Name the practitioner").click()  # nobody chosen yet
    auditor.locator(".govuk-error-summary").wait_for()
    _no_serious_problems(auditor)
    auditor.get_by_label("Priya Practitioner").check()
    auditor.get_by_role("button", name="Name the practitioner").click()
    auditor.get_by_role("button", name="Share the lead part with the practitioner").click()
    auditor.get_by_text("The lead part is shared").wait_for()
    _no_serious_problems(auditor)

    # The practitioner finds it on their home page, reads the lead part and reflects.
    sign_in_page(worker, live_server, "practitioner@demo.casefile.test")
    worker.get_by_role("link", name="Case audit R2, Re-referrals").click()
    worker.get_by_text("School raised new concerns").wait_for()  # the lead part, read-only
    _no_serious_problems(worker)
    worker.get_by_label("What went well?").fill("Saw the child alone at school")
    worker.get_by_label("What would you do differently?").fill("Record the strategy discussion")
    worker.get_by_role("group", name="Overall grade for the handling of this case").get_by_label("I disagree").check()
    worker.get_by_role("button", name="Save my reflection").click()  # no reason given for disagreeing
    worker.locator(".govuk-error-summary").wait_for()
    assert worker.get_by_label("What went well?").input_value() == "Saw the child alone at school"
    _no_serious_problems(worker)
    worker.get_by_label("Why do you disagree? (needed if you do)").fill("Early help came late")
    worker.get_by_role("button", name="Save my reflection").click()
    worker.get_by_text("Your reflection has been saved").wait_for()
    worker.get_by_label("The learning you agreed").fill("Offer early help at the first NFA")
    worker.get_by_role("button", name="Save the learning").click()
    worker.get_by_text("The agreed learning has been saved").wait_for()
    worker.get_by_label("I confirm this is the learning we agreed").check()
    worker.get_by_role("button", name="Sign off the learning").click()
    worker.get_by_text("You have signed off the learning").wait_for()
    worker.get_by_label("Extremely useful").check()
    worker.get_by_role("button", name="Save my rating").click()
    worker.get_by_text("your rating has been saved").wait_for()
    _no_serious_problems(worker)

    # The auditor signs off too, then adds to the learning.
    auditor.goto(f"{live_server}/practitioners/audits/{case_audit_id}")
    assert auditor.get_by_text("Early help came late").is_visible()
    auditor.get_by_label("I confirm this is the learning we agreed").check()
    auditor.get_by_role("button", name="Sign off the learning").click()
    auditor.get_by_text("You have signed off the learning").wait_for()
    auditor.get_by_label("Add to the learning").fill("Share with the front door team")
    auditor.get_by_role("button", name="Add to the learning").click()
    auditor.get_by_text("Your addition to the learning has been saved").wait_for()
    assert auditor.locator(".app-sign-offs").get_by_text("Priya Practitioner").is_visible()
    _no_serious_problems(auditor)

    # The moderator sees the practitioner's view beside the auditor's answers, and accepts.
    qa.goto(f"{live_server}/moderation/{case_audit_id}")
    qa.get_by_role("heading", name="The practitioner's view").wait_for()
    assert qa.get_by_text("Saw the child alone at school").is_visible()
    _no_serious_problems(qa)
    qa.get_by_role("button", name="Accept").click()
    qa.get_by_text("accepted").first.wait_for()

    # The findings count it; no reflection is quoted there.
    qa.goto(f"{live_server}/programmes/{programme_id}/findings")
    qa.get_by_role("heading", name="Practitioners taking part").wait_for()
    involvement = qa.locator(".app-involvement").inner_text()
    assert "Learning signed off by both\t1" in involvement or "Learning signed off by both 1" in involvement
    assert "Saw the child alone" not in qa.content()
    _no_serious_problems(qa)
