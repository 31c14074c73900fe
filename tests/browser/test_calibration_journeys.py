"""A three-auditor calibration exercise in real Chromium, from creation to report (issue 26),
with axe on every new page."""
from datetime import date, timedelta

import pytest

from qa_app.models import Role
from tests.browser.conftest import fill_date, serious_accessibility_problems, sign_in_page
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
LEAD = "qa.lead@demo.casefile.test"
AUDITORS = ["auditor@demo.casefile.test", "health.auditor@demo.casefile.test"]
GRADES = {"auditor@demo.casefile.test": "Good", "health.auditor@demo.casefile.test": "Requires improvement to be good"}


@pytest.fixture
def third_auditor(app, live_server):
    with app.app_context():
        return make_user(Role.AUDITOR, email="cara.calibrate@test.casefile.test", name="Cara Calibrate").email


def _sign_in(page, base, email):
    page.goto(base + "/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    if email.endswith("@test.casefile.test"):
        sign_in_page(page, base, email, PASSWORD)
    else:
        sign_in_page(page, base, email)


def _check_axe(page, problems, where):
    found = serious_accessibility_problems(page)
    if found:
        problems[where] = found


def _grade(page, base, grade, axe_problems):
    page.goto(base + "/calibration/")
    page.get_by_role("link", name="Threshold study").click()
    page.get_by_role("link", name="Grade the case").click()
    page.wait_for_load_state()
    _check_axe(page, axe_problems, "answer")
    page.check("input[name='earlier_decision'][value='No further action']")
    for question, value in (("earlier_threshold_right", "yes"), ("early_help_offered", "no"),
                            ("referrer_feedback", "yes"), ("consent", "yes"), ("threshold_of_need", "yes"),
                            ("threshold_document_used", "yes")):
        page.check(f"input[name='{question}'][value='{value}']")
    page.fill("textarea[name='what_changed']", "A new partner at home")
    page.check(f"input[name='overall_grade'][value='{grade}']")
    page.get_by_role("button", name="Submit").click()
    assert "Your answers have been submitted" in page.locator(".govuk-notification-banner").inner_text()


def test_a_three_auditor_exercise_from_creation_to_report(live_server, axe_page, third_auditor):
    page, base, problems = axe_page, live_server, {}
    sign_in_page(page, base, LEAD)
    page.goto(base + "/calibration/")
    _check_axe(page, problems, "list")
    page.get_by_role("link", name="Create an exercise").click()
    page.wait_for_load_state()
    _check_axe(page, problems, "new")
    page.get_by_label("Title").fill("Threshold study")
    page.get_by_label("Case study", exact=True).fill("Amy, 7, was referred by her school twice in three months.")
    page.get_by_role("button", name="Create the exercise").click()
    assert "The exercise has been created" in page.locator(".govuk-notification-banner").inner_text()
    _check_axe(page, problems, "show draft")
    page.check("input[name='overall_grade'][value='Good']")
    page.check("input[name='consent'][value='yes']")
    page.get_by_role("button", name="Save the case and reference answers").click()
    assert "reference answers have been saved" in page.locator(".govuk-notification-banner").inner_text()
    for name in ("Alex Auditor", "Hana Health", "Cara Calibrate"):
        page.get_by_label(name).check()
    fill_date(page, "Closing date", date.today() + timedelta(days=10))
    page.get_by_role("button", name="Invite and release").click()
    assert "The auditors have been invited" in page.locator(".govuk-notification-banner").inner_text()
    _check_axe(page, problems, "show open")
    exercise_url = page.url

    for email, grade in [*GRADES.items(), (third_auditor, "Inadequate")]:
        _sign_in(page, base, email)
        _grade(page, base, grade, problems)

    _sign_in(page, base, LEAD)
    page.goto(exercise_url)
    assert "3 of 3 invited" in page.locator(".govuk-summary-list").first.inner_text()
    page.get_by_role("button", name="Close and make the report").click()
    page.wait_for_url(exercise_url + "/report")
    _check_axe(page, problems, "report for the QA lead")
    table = page.locator(".app-by-question").inner_text()
    assert "Overall grade" in table and "[z]" in table  # consent: everyone said yes
    assert "Overall grade" in page.locator(".app-widest").inner_text()
    rows = page.locator(".app-participant-rows").inner_text()
    assert "Alex Auditor" in rows and "Hana Health" in rows and "Cara Calibrate" in rows

    _sign_in(page, base, third_auditor)
    page.goto(exercise_url + "/report")
    _check_axe(page, problems, "report for an auditor")
    mine = page.locator(".app-participant-rows").inner_text()
    assert "You" in mine and "Alex Auditor" not in mine and "Hana Health" not in mine
    assert problems == {}
