"""Phones and narrow windows: every page each demo role can reach from its home page fits a
320 px wide window without scrolling sideways (WCAG 1.4.10 reflow). Wide tables scroll in their
own labelled, focusable region instead."""
from urllib.parse import urljoin, urlsplit

import pytest

from qa_app.demo import DEMO_USERS, seed_demo_case_data, seed_demo_programmes
from tests.browser.conftest import serious_accessibility_problems, sign_in_page

pytestmark = pytest.mark.browser
# Links that change something, download a file or end the session are not pages to look at.
NOT_PAGES = ("/sign-out", "/exports/", ".xlsx", "/evidence/", "/static/", "/health")
PAGES_PER_ROLE = 45


@pytest.fixture
def demo_everything(app, live_server):
    with app.app_context():
        seed_demo_case_data()
        seed_demo_programmes()
    return live_server


def pages_of(page, base):
    """Breadth first from the home page: every same-site page a role's links lead to."""
    seen, queue, visited = {"/"}, ["/"], []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.pop(0)
        page.goto(base + path)
        page.wait_for_load_state("load")
        visited.append(path)
        yield path
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            address = urlsplit(urljoin(base + path, href))
            if address.netloc != urlsplit(base).netloc:
                continue
            target = address.path + (f"?{address.query}" if address.query else "")
            # One page of a kind is enough: other pages of a list, or another filter, look alike.
            kind = address.path.rstrip("0123456789/")
            if target in seen or any(p in target for p in NOT_PAGES) or \
                    sum(1 for s in seen if s.split("?")[0].rstrip("0123456789/") == kind) >= 3:
                continue
            seen.add(target)
            queue.append(target)


@pytest.mark.parametrize("email", [u[0] for u in DEMO_USERS], ids=[u[0].split("@")[0] for u in DEMO_USERS])
def test_no_page_scrolls_sideways_at_320_px(demo_everything, browser, email):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in_page(page, demo_everything, email)
        too_wide = {}
        for path in pages_of(page, demo_everything):
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                too_wide[path] = width
        assert too_wide == {}
    finally:
        context.close()


def test_a_wide_table_scrolls_in_a_labelled_focusable_region(demo_everything, axe_page):
    axe_page.set_viewport_size({"width": 320, "height": 640})
    sign_in_page(axe_page, demo_everything, "admin@demo.casefile.test")
    axe_page.goto(demo_everything + "/admin/audit-trail")
    region = axe_page.locator(".app-table-scroll").first
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label")
    assert axe_page.evaluate("() => document.documentElement.scrollWidth") <= 320
    region.focus()
    assert axe_page.evaluate("() => document.activeElement.classList.contains('app-table-scroll')")
    assert serious_accessibility_problems(axe_page) == []
