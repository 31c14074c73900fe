"""A QA lead samples the re-referrals of the report's Q1 2014/15 (in the demo's moved years,
issue 24) and assigns them; an auditor sees them."""
import re
from datetime import date, timedelta

import pytest

from audit_tools.periods import financial_quarter
from audit_tools.synthetic import REPORT_YEAR, years_to_the_present
from qa_app.demo import seed_demo_case_data
from tests.browser.conftest import fill_date, serious_accessibility_problems, sign_in_page

pytestmark = pytest.mark.browser
REPORT_Q1 = financial_quarter(REPORT_YEAR + years_to_the_present(date.today()), 1).label


@pytest.fixture
def demo_server(app, live_server):
    with app.app_context():
        seed_demo_case_data()
    return live_server


def create_programme(page, base_url, name=f"Re-referrals {REPORT_Q1}"):
    page.goto(base_url + "/programmes/new")
    page.get_by_label("Programme name").fill(name)
    page.get_by_label("Theme").fill("Was the decision on the earlier referral right?")
    page.get_by_label("Re-referral audit (version 1)").check()
    page.get_by_label("Re-referrals", exact=True).check()
    page.get_by_label("Period").fill(REPORT_Q1)
    # The re-referral questionnaire has no agency sections, so no agency is ticked (issue 19: an
    # agency section without questions could never be submitted).
    fill_date(page, "Audits due by", date.today() + timedelta(days=54))
    page.get_by_role("button", name="Create programme").click()


def test_a_qa_lead_draws_a_stratified_sample_and_an_auditor_sees_their_cases(demo_server, page):
    sign_in_page(page, demo_server, "qa.lead@demo.casefile.test")
    create_programme(page, demo_server)
    frame_text = page.locator(".app-frame-size").inner_text()
    eligible = int(re.search(r"(\d+) eligible", frame_text).group(1))
    assert eligible > 100  # the report's audit had 179

    page.get_by_label("Stratified random sample").check()
    page.get_by_label("Number of cases").fill("20")
    page.get_by_label("Stratify by").select_option("previous_decision")
    page.get_by_label("Seed").fill("2014")
    page.get_by_role("button", name="Draw the sample").click()
    page.get_by_text(f"Sample drawn: 20 cases from a frame of {eligible}, seed 2014.").wait_for()
    assert page.locator(".app-sample-seed").inner_text() == "2014"
    assert page.locator(".app-case-audit").count() == 20

    # Lead auditors are chosen apart from section auditors (issue 24); this programme's
    # questionnaire has no agency sections (issue 19), so the page offers no section groups.
    leads = page.get_by_role("group", name="Lead auditors")
    leads.get_by_label("Alex Auditor (Police)").check()
    leads.get_by_label("Hana Health (Health)").check()
    assert page.get_by_role("group", name="Police section auditors").count() == 0
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("20 case audits assigned.").wait_for()

    page.get_by_role("button", name="Check this sample").click()
    page.get_by_text("The sample matches").wait_for()

    page.get_by_role("button", name="Sign out").click()
    sign_in_page(page, demo_server, "auditor@demo.casefile.test")
    page.wait_for_url(demo_server + "/")
    my_audits = page.locator(".app-my-audit")
    # Alex leads every other case; the questionnaire gives no agency any section.
    assert my_audits.count() == 10
    assert f"Re-referrals {REPORT_Q1}" in my_audits.first.inner_text()


def test_programme_pages_have_no_serious_accessibility_problems(demo_server, axe_page):
    sign_in_page(axe_page, demo_server, "qa.lead@demo.casefile.test")
    axe_page.goto(demo_server + "/programmes/new")
    assert serious_accessibility_problems(axe_page) == []
    create_programme(axe_page, demo_server, "Accessible programme")
    axe_page.locator(".app-frame-size").wait_for()
    assert serious_accessibility_problems(axe_page) == []  # before drawing
    axe_page.get_by_label("Census: every case in the frame").check()
    axe_page.get_by_role("button", name="Draw the sample").click()
    axe_page.locator(".app-sample-seed").wait_for()
    assert serious_accessibility_problems(axe_page) == []  # after drawing
    axe_page.goto(demo_server + "/programmes/")
    assert serious_accessibility_problems(axe_page) == []


def test_the_draw_form_shows_only_the_chosen_methods_fields(demo_server, page):
    sign_in_page(page, demo_server, "qa.lead@demo.casefile.test")
    create_programme(page, demo_server, "Reveal the method's fields")
    page.locator(".app-frame-size").wait_for()
    # draw-form.js is a module script, run after the page is drawn: wait until it has marked the
    # radios, so a slow machine does not see the fields before the script hides them.
    page.locator('input[name="method"][aria-controls]').first.wait_for(state="attached")
    size, strata = page.get_by_label("Number of cases"), page.get_by_label("Stratify by")
    assert size.is_hidden() and strata.is_hidden()
    page.get_by_label("Census: every case in the frame").check()
    assert size.is_hidden() and strata.is_hidden()
    page.get_by_label("Simple random sample").check()
    assert size.is_visible() and strata.is_hidden()
    page.get_by_label("Stratified random sample").check()
    assert size.is_visible() and strata.is_visible()
    assert page.get_by_label("Stratified random sample").get_attribute("aria-controls") == \
        "draw-size-fields draw-strata-fields"
