"""Issue 24 in Chromium: the agency sections' error leads focus somewhere real, and a safeguarding
concern can be raised from the middle of an audit form without losing what was typed."""
import pytest

from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.browser.test_audit_journeys import answer, re_referral_case, repeat_plan_case  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

TYPED = "School raised new concerns about bruising"


def test_the_agency_sections_error_takes_focus_to_the_sections_still_waiting(live_server, page, repeat_plan_case):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{repeat_plan_case}/lead")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    summary.get_by_role("link", name="The agency sections must be submitted").click()
    focused = page.evaluate("document.activeElement.id")
    assert focused == "agency-sections"
    assert page.locator("#agency-sections").get_by_text("Health section").is_visible()


def test_a_concern_raised_mid_form_leaves_the_typed_answers_in_place(live_server, page, re_referral_case):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{re_referral_case}/lead")
    page.get_by_label("What had changed since the earlier referral?").fill(TYPED)
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Raise a safeguarding concern (opens in a new tab)").click()
    concern = opened.value
    concern.wait_for_load_state()
    concern.get_by_label("What is the concern, and what needs to happen now?").fill("Bruising seen at school, no strategy meeting")
    concern.get_by_role("button", name="Send the concern").click()
    concern.get_by_text("Your safeguarding concern has been sent").wait_for()
    # The form's tab is as it was left: nothing reloaded, nothing lost.
    assert page.get_by_label("What had changed since the earlier referral?").input_value() == TYPED
    page.get_by_role("button", name="Save and come back later").click()
    page.get_by_text("Your answers have been saved").wait_for()
    assert page.get_by_label("What had changed since the earlier referral?").input_value() == TYPED


def test_the_concern_page_has_no_serious_accessibility_problems(live_server, axe_page, re_referral_case):
    sign_in_page(axe_page, live_server, "auditor@demo.casefile.test")
    axe_page.goto(f"{live_server}/audits/{re_referral_case}/concerns")
    assert serious_accessibility_problems(axe_page) == []
    axe_page.get_by_role("button", name="Send the concern").click()  # empty: refused
    axe_page.locator(".govuk-error-summary").wait_for()
    assert serious_accessibility_problems(axe_page) == []


RE_REFERRAL = [("Was the earlier decision right on the threshold matrix, given what was known then?", "Yes"),
               ("Was early help offered after the NFA or professional conversation?", "No"),
               ("Was the referrer given feedback on the decision?", "Yes"),
               ("Was consent handled properly?", "Yes"),
               ("Was the decision based on the threshold of need, not pressure from partners or capacity to "
                "deliver early help?", "Yes"),
               ("Was the threshold document used and recorded?", "Partly"),
               ("Overall grade for the handling of this case", "Good")]


def test_an_auditor_checks_changes_one_answer_and_submits_from_check_your_answers(live_server, page, re_referral_case):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{re_referral_case}/lead")
    for legend, choice in RE_REFERRAL:
        answer(page, legend, choice)
    page.get_by_label("What had changed since the earlier referral?").fill(TYPED)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    consent = page.locator(".govuk-summary-list__row", has_text="Consent handled properly")
    assert "Yes" in consent.locator(".govuk-summary-list__value").inner_text()
    consent.get_by_role("link", name="Change consent handled properly").click()
    page.get_by_role("group", name="Was consent handled properly?").wait_for()
    assert page.url.endswith("#consent")
    answer(page, "Was consent handled properly?", "Partly")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    consent = page.locator(".govuk-summary-list__row", has_text="Consent handled properly")
    assert "Partly" in consent.locator(".govuk-summary-list__value").inner_text()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Your answers have been submitted").wait_for()


def test_check_your_answers_has_no_serious_accessibility_problems(live_server, axe_page, re_referral_case):
    sign_in_page(axe_page, live_server, "auditor@demo.casefile.test")
    axe_page.goto(f"{live_server}/audits/{re_referral_case}/lead")
    for legend, choice in RE_REFERRAL:
        answer(axe_page, legend, choice)
    axe_page.get_by_label("What had changed since the earlier referral?").fill(TYPED)
    axe_page.get_by_role("button", name="Continue").click()
    axe_page.get_by_role("heading", name="Check your answers before submitting").wait_for()
    assert serious_accessibility_problems(axe_page) == []
