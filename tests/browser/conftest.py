"""Browser journeys in real headless Chromium (Debian's package), driven by Playwright.

No browser is downloaded at run time. Without Chromium the journeys are skipped, unless
REQUIRE_BROWSER=1 (set by CI), which turns the skip into a failure.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qa_app.demo import DEMO_PASSWORD, seed_demo_users

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import Error, sync_playwright
    with sync_playwright() as playwright:
        # A loaded two-core machine can take a while to start Chromium: allow it, and try twice.
        try:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=120_000)
        except Error:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=120_000)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on loopback, with the demo users loaded."""
    with app.app_context():
        seed_demo_users()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A page that can run axe-core. The injected script is inline, so this context alone
    bypasses the Content-Security-Policy that every other test keeps."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in_page(page, base_url, email, password=DEMO_PASSWORD):
    page.goto(base_url + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()


def fill_date(page, legend, day):
    """Type a date into the GOV.UK day, month and year boxes under a legend, as a person would."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def serious_accessibility_problems(page) -> list[dict]:
    """Callers wait for the page they mean to check: axe on a half-parsed page finds false problems."""
    page.wait_for_load_state("load")
    page.add_script_tag(content=AXE_SCRIPT.read_text())
    violations = page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ['violations']});
        return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                             targets: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def pytest_collection_modifyitems(items):
    """Chromium cancels requests it no longer needs (a static file during a navigation); the
    development server in a test thread then leaves that file handle for the garbage collector,
    whose ResourceWarning can land in any later test. It is the server's, not the app's, and is
    ignored for browser journeys only; the rest of the suite keeps warnings as errors."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))
