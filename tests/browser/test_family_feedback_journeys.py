"""Families' feedback in real Chromium (issue 25): the auditor records consent and prints a
letter; the family answers in a fresh browser with no session; the link is then refused; the QA
lead reviews what they wrote and sees it in the findings. axe on every new page, public ones too."""
import re
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, User
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.browser.conftest import fill_date, serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser
ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}


@pytest.fixture
def audited_case(app, live_server, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        programme = programmes.create_programme(name="Heard", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        (audit,) = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=auditor)
        return programme.id, audit.id


def test_a_family_is_asked_answers_once_and_is_heard_in_the_findings(live_server, browser, page, axe_page,
                                                                     audited_case, caplog):
    programme_id, audit_id = audited_case
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{audit_id}")
    page.get_by_role("link", name="Family feedback").click()
    page.get_by_role("group", name="Was the family asked for feedback?").get_by_label("Yes").check()
    page.get_by_label("A parent or carer").check()
    fill_date(page, "When were they asked?", date(2026, 11, 30))
    page.get_by_label("By phone").check()
    page.get_by_role("group", name="Did they agree to give feedback?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save what the family was asked").click()
    assert "What the family was asked is recorded" in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_role("group", name="Who is the letter for?").get_by_label("Parent or carer").check()
    page.get_by_role("button", name="Make a letter").click()
    page.wait_for_url(re.compile(r".*/letter$"))
    letter = page.locator(".app-letter")
    assert letter.locator("svg").count() == 1
    code = letter.get_attribute("data-code")
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code) and code in letter.inner_text()
    link = re.search(r"https?://\S+/feedback/[A-Za-z0-9_-]{40,}", letter.inner_text()).group(0)
    # The link's random token can hold "C1" by chance; the rest of the letter must not.
    words = letter.inner_text().replace(link, "")
    assert "C1" not in words and "A1" not in words
    path = link.split("/feedback/", 1)[1]
    letter_url = page.url

    # The family: a fresh browser with no session at all.
    family_context = browser.new_context()
    family = family_context.new_page()
    family.goto(f"{live_server}/feedback/{path}")
    family.wait_for_url(f"{live_server}/feedback/questions")
    assert "If you are worried about a child now" in family.content()
    family.get_by_role("group", name="Did you understand why").get_by_label("Yes").check()
    family.get_by_role("group", name="Did we listen to you?").get_by_label("Sometimes").check()
    family.get_by_label("Yes, better").check()
    family.get_by_label("Is there anything else").fill("Mrs Jones from the school was kind to us")
    family.get_by_role("button", name="Continue").click()
    family.wait_for_url(f"{live_server}/feedback/check")
    family.get_by_role("button", name="Send my answers").click()
    family.wait_for_url(f"{live_server}/feedback/done")
    assert "Thank you" in family.locator("h1").inner_text()
    family.goto(f"{live_server}/feedback/{path}")
    assert family.locator("h1").inner_text() == "This link or code does not work"
    family_context.close()
    # The request log saw the link opened twice, and never its token.
    logged = [record.getMessage() for record in caplog.records]
    assert sum("/feedback/[link]" in line for line in logged) == 2
    assert not any(path in line for line in logged)

    # The QA lead reviews what the family wrote, then sees it in the findings.
    page.get_by_role("button", name="Sign out").click()
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test")
    page.goto(f"{live_server}/families/reviews")
    page.get_by_role("link", name="Review").first.click()
    assert "Mrs Jones" in page.locator(".app-family-words").inner_text()
    page.get_by_label("The words that may be quoted").fill("[name] from the school was kind to us")
    page.get_by_label("Quote the reviewed words").check()
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_url(f"{live_server}/families/reviews")
    page.goto(f"{live_server}/programmes/{programme_id}/findings")
    findings = page.locator("main").inner_text()
    assert "What families told us" in findings and "[name] from the school was kind to us" in findings
    assert "Mrs Jones" not in findings

    # axe: the public pages (no session) and the staff pages.
    for path_ in ("/feedback", "/feedback/done", "/feedback/" + "x" * 43):
        axe_page.goto(live_server + path_)
        assert serious_accessibility_problems(axe_page) == [], path_
    sign_in_page(axe_page, live_server, "auditor@demo.casefile.test")
    for path_ in (f"/families/case-audits/{audit_id}", letter_url.replace(live_server, "")):
        axe_page.goto(live_server + path_)
        assert serious_accessibility_problems(axe_page) == [], path_


def test_the_family_form_and_check_page_have_no_serious_accessibility_problems(app, live_server, axe_page,
                                                                               audited_case):
    from qa_app.services.participation import families
    _, audit_id = audited_case
    with app.app_context():
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        families.record_consent(audit_id, families.ConsentAnswers(True, "child", date(2026, 11, 30), "in_person",
                                                                  True, ""), auditor)
        made = families.make_invitation(audit_id, "child", auditor)
    axe_page.goto(f"{live_server}/feedback/{made.token}")
    axe_page.wait_for_url(f"{live_server}/feedback/questions")
    assert serious_accessibility_problems(axe_page) == []
    axe_page.get_by_role("button", name="Continue").click()  # nothing chosen: the errors page
    axe_page.locator(".govuk-error-summary").wait_for()
    assert serious_accessibility_problems(axe_page) == []
    for group, answer in (("Did you know why", "Yes"), ("Did we listen", "Sometimes"), ("Are things better", "About the same")):
        axe_page.get_by_role("group", name=group).get_by_label(answer, exact=True).check()
    axe_page.get_by_role("button", name="Continue").click()
    axe_page.wait_for_url(f"{live_server}/feedback/check")
    assert serious_accessibility_problems(axe_page) == []


def test_the_review_pages_have_no_serious_accessibility_problems(app, live_server, axe_page, audited_case):
    from qa_app.services.participation import families
    _, audit_id = audited_case
    with app.app_context():
        auditor = db.session.scalars(db.select(User).filter_by(email="auditor@demo.casefile.test")).one()
        families.record_consent(audit_id, families.ConsentAnswers(True, "parent_carer", date(2026, 11, 30), "phone",
                                                                  True, ""), auditor)
        made = families.make_invitation(audit_id, "parent_carer", auditor)
        invitation = families.invitation_for_token(made.token)
        families.save_answers(invitation.id, {"understood_why": "yes", "listened": "no", "things_better": "same",
                                              "anything_else": "Some words"})
        feedback_id = families.submit(invitation.id).id
    sign_in_page(axe_page, live_server, "qa.lead@demo.casefile.test")
    for path in ("/families/reviews", f"/families/feedback/{feedback_id}/review"):
        axe_page.goto(live_server + path)
        assert serious_accessibility_problems(axe_page) == [], path
