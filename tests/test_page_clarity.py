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


def test_times_are_shown_in_uk_time_with_summer_time_and_say_which():
    from datetime import datetime

    from qa_app.template_helpers import format_date, format_datetime, format_time
    assert format_datetime(datetime(2026, 7, 1, 23, 30)) == "02 Jul 2026 00:30 BST"  # stored as UTC
    assert format_datetime(datetime(2026, 12, 1, 23, 30)) == "01 Dec 2026 23:30 GMT"
    assert format_date(datetime(2026, 7, 1, 23, 30)) == "02 Jul 2026"
    assert format_time(datetime(2026, 3, 29, 1, 0)) == "02:00 BST"  # the clocks went forward at 01:00 UTC


def test_the_audit_trail_says_its_times_are_uk_time(app, client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/admin/audit-trail").get_data(as_text=True)
    assert "UTC" not in page and "When (UK time)" in page
    assert re.search(r"\d\d:\d\d (GMT|BST)", page)


@pytest.fixture
def audited_programme(app, tmp_path):
    """A census of three re-referrals, assigned and submitted, with one concern and one action."""
    from datetime import date

    from audit_tools.sampling import SampleRequest
    from qa_app.extensions import db
    from qa_app.models import AuditProgramme
    from qa_app.services import programmes
    from qa_app.services.case_audits import LEAD, save_part
    from tests.helpers import make_user
    answers = {"earlier_decision": "No further action", "earlier_threshold_right": "partly",
               "earlier_threshold_reason": "Risk", "early_help_offered": "no", "referrer_feedback": "yes",
               "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
               "threshold_document_used": "yes", "overall_grade": "Inadequate"}
    with app.app_context():
        rows = []
        for i in range(3):
            rows += [[f"C{i}", f"A{i}", "2014-03-01", "nfa", "", "North"], [f"C{i}", f"B{i}", "2014-05-01", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="Ids", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audits[0].id, LEAD, answers, audits[0].version, submit=True, user=auditor)
        return programme.id, [a.id for a in audits], auditor


def repeated_ids(html: str) -> set[str]:
    from collections import Counter
    counts = Counter(re.findall(r'\sid="([^"]+)"', html))
    return {name for name, count in counts.items() if count > 1}


def test_no_page_repeats_an_id(app, client, login_as, audited_programme):
    programme_id, audit_ids, auditor = audited_programme
    login_as(Role.QA_LEAD, Role.ADMIN)
    for path in ("/", f"/programmes/{programme_id}", f"/programmes/{programme_id}/findings", "/moderation/",
                 f"/moderation/{audit_ids[0]}", "/actions/", "/measures/", "/admin/users", "/admin/audit-trail",
                 f"/programmes/case-audits/{audit_ids[1]}/assignment"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert repeated_ids(response.get_data(as_text=True)) == set(), path


def test_the_audited_case_is_marked_in_words_not_colour_alone(app, client, audited_programme):
    from tests.helpers import sign_in
    programme_id, audit_ids, auditor = audited_programme
    sign_in(client, auditor.email)
    page = client.get(f"/audits/{audit_ids[1]}/lead").get_data(as_text=True)
    panel = page[page.index('class="app-case-context"'):]
    row = panel[panel.index("app-row--highlight"):]
    row = row[:row.index("</tr>")]
    assert "this case</strong>" in row
