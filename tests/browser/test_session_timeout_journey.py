"""Issue 24 in Chromium: the timeout warning shows before the idle timeout, "Stay signed in"
keeps the session, and a concern typed past the timeout is sent after signing in again."""
import time
from datetime import timedelta

import pytest

from qa_app.demo import DEMO_PASSWORD
from tests.browser.conftest import serious_accessibility_problems, sign_in_page
from tests.browser.test_audit_journeys import re_referral_case  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def short_sessions(app):
    """Ten idle seconds, with the warning for the last seven, so the journey takes seconds."""
    app.config.update(SESSION_IDLE_TIMEOUT=timedelta(seconds=10), SESSION_TIMEOUT_WARNING=timedelta(seconds=7))


def test_the_warning_shows_before_the_timeout_and_stay_signed_in_keeps_the_session(
        live_server, axe_page, short_sessions):
    page = axe_page
    sign_in_page(page, live_server, "qa.lead@demo.casefile.test")
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    warning.wait_for(timeout=8_000)
    assert page.evaluate("document.activeElement.textContent.trim()") == "Stay signed in"
    assert serious_accessibility_problems(page) == []
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    stayed_at = time.monotonic()
    # Past ten seconds since the page loaded, but not since "Stay signed in".
    time.sleep(max(0, 7 - (time.monotonic() - stayed_at)))
    page.goto(live_server + "/")
    assert "/sign-in" not in page.url and page.get_by_role("button", name="Sign out").is_visible()


def test_a_concern_typed_past_the_timeout_is_sent_after_signing_in_again(
        live_server, page, re_referral_case, short_sessions):
    sign_in_page(page, live_server, "auditor@demo.casefile.test")
    page.goto(f"{live_server}/audits/{re_referral_case}/concerns")
    page.get_by_label("What is the concern, and what needs to happen now?").fill("Bruises seen at nursery")
    page.get_by_text("You have been signed out").wait_for(timeout=15_000)
    page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Send the concern").click()
    page.get_by_role("heading", name="Sign in again to keep what you typed").wait_for()
    page.fill("#email", "auditor@demo.casefile.test")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Bruises seen at nursery").wait_for()
    page.get_by_role("button", name="Send it now").click()
    page.get_by_text("Your safeguarding concern has been sent").wait_for()
