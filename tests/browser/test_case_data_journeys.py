"""A QA lead loads case data in real Chromium: an error, its correction, and the measures."""
from datetime import date

import pytest

from audit_tools.periods import financial_year_label
from audit_tools.synthetic import REPORT_YEAR, years_to_the_present
from qa_app.demo import seed_demo_case_data
from tests.browser.conftest import serious_accessibility_problems, sign_in_page

pytestmark = pytest.mark.browser

BAD_FILE = ("child_id,referral_id,referral_date,decision,team\n"
            "C1,R1,2015-04-02,NFA,North\n"
            "C1,R2,2015-31-05,Social work assessment,North\n"
            "C2,R3,2015-05-20,S47,South\n")
GOOD_FILE = BAD_FILE.replace("2015-31-05", "2015-05-31")


def upload(page, base_url, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    page.goto(base_url + "/data/imports/new")
    page.get_by_label("Referrals (house format CSV or XLSX)").check()
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()


def test_a_qa_lead_corrects_a_file_and_sees_the_dashboard_change(live_server, page, tmp_path):
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test")
    page.goto(live_server + "/measures/")
    assert page.get_by_text("No case data has been loaded yet").is_visible()

    upload(page, live_server, tmp_path, "referrals.csv", BAD_FILE)
    # The progress page polls and reloads itself when the job is done.
    page.get_by_text("The file was not imported").wait_for()
    problem = page.locator(".app-import-error").first.inner_text()
    assert "row 3" in problem and "referral_date" in problem and "2015-31-05" in problem

    page.get_by_role("link", name="Upload a corrected file").click()
    upload(page, live_server, tmp_path, "referrals.csv", GOOD_FILE)
    page.get_by_role("heading", name="Imported").wait_for()
    page.get_by_role("link", name="See the measures").click()
    referrals_row = page.locator("table", has_text="Number of referrals in year").locator("tr", has_text="This council")
    assert "3" in referrals_row.inner_text()
    # C1 was referred again within 12 months: one re-referral in Q1 2015/16.
    page.get_by_role("link", name="1 re-referrals in Q1 2015/16").click()
    page.get_by_text("1 re-referral.").wait_for()


@pytest.fixture
def demo_case_data(app, live_server):
    with app.app_context():
        seed_demo_case_data()
    return live_server


# The report's Q1 2014/15 and 2013/14 in the demo's moved years (issue 24).
DEMO_YEAR = REPORT_YEAR + years_to_the_present(date.today())


@pytest.mark.parametrize("path", [
    "/measures/", f"/measures/re-referrals?period=Q1+{financial_year_label(DEMO_YEAR)}",
    f"/measures/repeat-plans?period={financial_year_label(DEMO_YEAR - 1)}",
    "/data/imports", "/data/imports/new", "/data/imports/1", "/data/population", "/data/benchmarks",
])
def test_case_data_pages_have_no_serious_accessibility_problems(demo_case_data, axe_page, path):
    sign_in_page(axe_page, demo_case_data, "qa.lead@demo.casefile.test")
    axe_page.goto(demo_case_data + path)
    assert serious_accessibility_problems(axe_page) == []


def test_import_progress_announces_milestones_and_the_finish_only(live_server, page):
    """The progress script against a scripted status: the count changes every poll, the live
    region only at milestones and at the finish."""
    import json
    answers = iter([{"rows_processed": n, "finished": False, "status": "running"} for n in (200, 600, 1200, 1800)]
                   + [{"rows_processed": 2000, "finished": True, "status": "loaded"}])
    page.route("**/status-for-test", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(next(answers))))
    page.goto(live_server + "/accessibility")
    page.evaluate("""() => {
        document.querySelector('main').insertAdjacentHTML('beforeend',
          '<div class="app-import-progress" data-status-url="/status-for-test">' +
          '<p class="app-import-progress__announcer" role="status" aria-live="polite"></p>' +
          '<p><span class="app-import-progress__rows">0</span> rows checked so far.</p></div>')
        window.heard = []
        const announcer = document.querySelector('.app-import-progress__announcer')
        new MutationObserver(() => window.heard.push(announcer.textContent))
          .observe(announcer, {childList: true, characterData: true, subtree: true})
    }""")
    page.add_script_tag(url=live_server + "/static/js/import-progress.js", type="module")
    import time
    deadline = time.monotonic() + 20
    while not any("finished" in text for text in page.evaluate("() => window.heard")) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    heard = page.evaluate("() => window.heard")
    assert heard == ["More than 1,000 rows checked.", "The import has finished. Loading the result."]
