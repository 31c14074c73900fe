"""Every page tells its user where they stand (issue 24): errors in the error summary, plain
words and UK times, for the points that need no browser to see."""
import re

import pytest

from qa_app.models import Role
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import post_form


@pytest.fixture
def some_referrals(app, tmp_path):
    with app.app_context():
        rows = [["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))


def test_a_bad_board_pack_period_is_in_the_error_summary_beside_what_was_typed(app, client, login_as, some_referrals):
    login_as(Role.QA_LEAD)
    page = post_form(client, "/exports/board-pack.xlsx", {"period": "last year"}, follow_redirects=True
                     ).get_data(as_text=True)
    assert "<title>Error: " in page
    summary = page[page.index("govuk-error-summary"):page.index("</ul>", page.index("govuk-error-summary"))]
    assert 'href="#board-pack-period"' in summary and "is not a period" in summary
    assert "govuk-notification-banner" not in page
    assert re.search(r'id="board-pack-period"[^>]*value="last year"', page)
    assert 'id="board-pack-period-error"' in page
