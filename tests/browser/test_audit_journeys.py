"""Auditors complete case audits in real Chromium."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import CaseAudit, User
from qa_app.services import programmes
from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv

pytestmark = pytest.mark.browser


def demo_user(email):
    return db.session.scalars(db.select(User).filter_by(email=email)).one()


@pytest.fixture
def re_referral_case(app, live_server, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-01", "professional_conversation", "6", "North"],
            ["C1", "R2", "2014-05-01", "assessment", "6", "North"]]))
        programme = programmes.create_programme(name="Re-referrals", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [demo_user("auditor@demo.casefile.test").id], date(2027, 1, 31))
        return db.session.scalars(db.select(CaseAudit)).one().id


def answer(page, legend, choice):
    page.get_by_role("group", name=legend).get_by_label(choice, exact=True).check()


def test_an_auditor_saves_a_draft_returns_and_submits_after_fixing_a_missing_answer(live_server, page, re_referral_case):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.get_by_role("link", name="R2").click()
    page.get_by_role("link", name="Lead auditor's part").click()
    # The case context sits beside the form, and the earlier decision is already filled in.
    context_date = page.locator(".app-case-context").get_by_text("01 Mar 2014")
    context_date.wait_for(state="visible")  # the page may still be drawing on a loaded machine
    assert context_date.is_visible()
    assert page.get_by_role("group", name="What was decided on the earlier referral?") \
        .get_by_label("Professional conversation").is_checked()
    answer(page, "Was the earlier decision right on the threshold matrix, given what was known then?", "No")
    # With JavaScript, the follow-up question appears once "No" is chosen.
    page.get_by_label("Why was the earlier decision not right?").fill("Early help should have been offered")
    page.get_by_role("button", name="Save and come back later").click()
    page.get_by_text("Your answers have been saved").wait_for()

    page.goto(live_server + "/")
    page.get_by_role("link", name="R2").click()
    page.get_by_role("link", name="Lead auditor's part").click()
    assert page.get_by_label("Why was the earlier decision not right?").input_value() == "Early help should have been offered"
    for legend, choice in [("Was early help offered after the NFA or professional conversation?", "No"),
                           ("Was the referrer given feedback on the decision?", "Yes"),
                           ("Was consent handled properly?", "Yes"),
                           ("Was the threshold document used and recorded?", "Partly")]:
        answer(page, legend, choice)
    page.get_by_label("What had changed since the earlier referral?").fill("School raised new concerns")
    answer(page, "Overall grade for the handling of this case", "Good")
    # One required answer left out: the threshold-of-need question.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "threshold of need" in summary.inner_text()
    assert page.get_by_label("What had changed since the earlier referral?").input_value() == "School raised new concerns"
    summary.get_by_role("link").first.click()
    answer(page, "Was the decision based on the threshold of need, not pressure from partners or capacity to deliver early help?", "Yes")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Your answers have been submitted").wait_for()


def test_the_audit_form_has_no_serious_accessibility_problems(live_server, axe_page, re_referral_case):
    sign_in_page(axe_page, live_server, "auditor@demo.casefile.test")
    axe_page.goto(f"{live_server}/audits/{re_referral_case}/lead")
    assert serious_accessibility_problems(axe_page) == []
    axe_page.get_by_role("button", name="Continue").click()  # with errors
    axe_page.locator(".govuk-error-summary").wait_for()
    assert serious_accessibility_problems(axe_page) == []
    axe_page.goto(f"{live_server}/audits/{re_referral_case}")
    assert serious_accessibility_problems(axe_page) == []


@pytest.fixture
def repeat_plan_case(app, live_server, tmp_path):
    with app.app_context():
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2012-01-01", "2013-01-01", "NEG", ""], ["C1", "P2", "2014-05-01", "", "NEG", ""]]))
        programme = programmes.create_programme(name="Repeat plans", theme="", questionnaire_id="repeat-cp-plan-audit",
                                                frame_kind="repeat-plans-ever", period_text="Q1 2014/15",
                                                agencies=["police", "health"])
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [demo_user("auditor@demo.casefile.test").id,
                                                     demo_user("health.auditor@demo.casefile.test").id], None)
        return db.session.scalars(db.select(CaseAudit)).one().id


def complete_agency_section(page, base_url, case_id, agency, involvement):
    page.goto(f"{base_url}/audits/{case_id}/{agency}")
    page.get_by_label("What was your agency's involvement with the child and family?").fill(involvement)
    for legend in ("Did your agency share information on time?", "Did your agency attend conferences and core groups?",
                   "Did your agency complete its actions from the plan?"):
        answer(page, legend, "Yes")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Your answers have been submitted").wait_for()


def test_a_police_and_a_health_auditor_complete_their_sections_of_one_case(live_server, browser, repeat_plan_case):
    police = browser.new_context().new_page()
    health = browser.new_context().new_page()
    sign_in_page(police, live_server, "auditor@demo.casefile.test")
    complete_agency_section(police, live_server, repeat_plan_case, "police", "Two call-outs to the home")
    sign_in_page(health, live_server, "health.auditor@demo.casefile.test")
    health.wait_for_url(live_server + "/")
    health.goto(f"{live_server}/audits/{repeat_plan_case}")
    assert not health.get_by_text("Two call-outs to the home").is_visible()  # not before health submits
    complete_agency_section(health, live_server, repeat_plan_case, "health", "Health visitor saw the baby monthly")
    health.goto(f"{live_server}/audits/{repeat_plan_case}")
    assert health.locator(".app-other-agency").get_by_text("Two call-outs to the home").is_visible()
    police.goto(f"{live_server}/audits/{repeat_plan_case}")
    assert police.locator(".app-other-agency").get_by_text("Health visitor saw the baby monthly").is_visible()


def test_a_conditional_question_is_announced_by_the_answer_that_reveals_it(live_server, page, re_referral_case):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{re_referral_case}/lead")
    group = page.get_by_role("group", name="Was the earlier decision right on the threshold matrix, given what was known then?")
    no, yes = group.get_by_label("No", exact=True), group.get_by_label("Yes", exact=True)
    follow_up = page.locator("#conditional-earlier_threshold_reason")
    assert no.get_attribute("aria-controls") == "conditional-earlier_threshold_reason"
    assert yes.get_attribute("aria-controls") is None  # "Yes" reveals nothing
    assert follow_up.is_hidden()
    no.check()
    assert follow_up.is_visible()
    # The condition stays as the question's hint, in the answers' own words.
    assert "Answer this if you answered Partly or No to" in follow_up.inner_text()
