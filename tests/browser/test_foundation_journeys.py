"""Signing in as each demo role, a wrong password, and accessibility, in real Chromium."""
import pytest

from qa_app.demo import DEMO_USERS
from tests.browser.conftest import serious_accessibility_problems, sign_in_page

pytestmark = pytest.mark.browser

HOME_SECTIONS = {"auditor": "My audits", "qa_lead": "Quality assurance dashboard",
                 "team_manager": "Outstanding actions", "admin": "Users",
                 "practitioner": "Audits you are invited to reflect on"}


@pytest.mark.parametrize("email, roles", [(u[0], u[2]) for u in DEMO_USERS],
                         ids=[u[0].split("@")[0] for u in DEMO_USERS])
def test_each_demo_login_lands_on_its_home_page(live_server, page, email, roles):
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    sign_in_page(page, live_server, email)
    page.wait_for_url(live_server + "/")
    for role in roles:
        assert page.get_by_role("heading", name=HOME_SECTIONS[role.value]).is_visible()
    # The GOV.UK inline script ran under our CSP (allowed by its hash), and nothing was blocked.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    assert console_errors == []


def test_a_wrong_password_shows_the_error_summary(live_server, page):
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test", "not the right password")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Enter the correct email address and password" in summary.inner_text()
    assert page.title().startswith("Error: ")
    # The error summary link takes keyboard users to the field.
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_after_the_skip_link_an_error_still_takes_focus_to_the_error_summary(live_server, page):
    from playwright.sync_api import expect  # as the browser fixtures import it: only when used
    page.goto(live_server + "/sign-in")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: the address now ends in #main-content
    assert page.url.endswith("#main-content")
    page.fill("#email", "qa.lead@demo.casefile.test")
    page.fill("#password", "not the right password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "#" not in page.url
    # Playwright's own focus check: waiting on a string of script would need the page to allow
    # eval, which its Content-Security-Policy rightly forbids (it failed that way when the
    # focus came a moment after the first look).
    expect(page.locator(".govuk-error-summary")).to_be_focused()


def test_signing_out_returns_to_sign_in(live_server, page):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server + "/sign-in")
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/sign-in")


PAGES = {
    "sign-in": (None, "/sign-in"),
    "sign-in with errors": (None, None),
    "accessibility": (None, "/accessibility"),
    "privacy notice": (None, "/privacy"),
    "home (all roles)": ("multi.role@demo.casefile.test", "/"),
    "users": ("admin@demo.casefile.test", "/admin/users"),
    "create user": ("admin@demo.casefile.test", "/admin/users/new"),
    "edit user": ("admin@demo.casefile.test", "/admin/users/1"),
    "audit trail": ("admin@demo.casefile.test", "/admin/audit-trail"),
    "teams": ("admin@demo.casefile.test", "/admin/teams"),  # issue 19
    "change password": ("auditor@demo.casefile.test", "/change-password"),
    "403": ("auditor@demo.casefile.test", "/admin/users"),
    "404": ("auditor@demo.casefile.test", "/no-such-page"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_have_no_serious_accessibility_problems(live_server, axe_page, name):
    email, path = PAGES[name]
    if email:
        sign_in_page(axe_page, live_server, email)
    if path:
        axe_page.goto(live_server + path)
    else:
        sign_in_page(axe_page, live_server, "nobody@demo.casefile.test", "wrong password!")
        axe_page.locator(".govuk-error-summary").wait_for()
    assert serious_accessibility_problems(axe_page) == []


def test_the_accessibility_check_does_find_problems(axe_page):
    """Guards the guard: a page with an unlabelled field and an empty link must fail axe."""
    axe_page.set_content("<html lang='en'><title>t</title><body><main>"
                         "<input type='text'><a href='/x'></a></main></body></html>")
    ids = {problem["id"] for problem in serious_accessibility_problems(axe_page)}
    assert {"label", "link-name"} <= ids
