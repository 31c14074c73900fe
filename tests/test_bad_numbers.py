"""Numbers too big for the database, and periods outside any real case data, are 404s or form
errors, never the fault page."""
import pytest

from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import post_form

HUGE = [str(2 ** 31), str(2 ** 63), "9" * 30]
URLS = ["/audits/{n}", "/audits/{n}/lead", "/moderation/{n}", "/programmes/{n}",
        "/programmes/case-audits/{n}/assignment", "/admin/users/{n}", "/data/imports/{n}",
        "/data/imports/{n}/status", "/questionnaires/re-referral-audit/{n}", "/actions/{n}",
        "/actions/new?programme={n}", "/actions/new?case_audit={n}", "/programmes/{n}/findings"]


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_in_addresses_are_not_found(client, login_as, number):
    login_as(Role.AUDITOR, Role.QA_LEAD, Role.ADMIN)
    for url in URLS:
        response = client.get(url.format(n=number))
        assert response.status_code == 404, url
    assert client.get(f"/admin/audit-trail?page={number}").status_code == 404


@pytest.mark.parametrize("page", ["0", "-3"])
def test_a_page_number_below_one_is_not_found(client, login_as, page):
    login_as(Role.ADMIN)
    assert client.get(f"/admin/audit-trail?page={page}").status_code == 404


@pytest.mark.parametrize("period", ["0001-01-01..9999-12-31", "9999", "9998/99", "Q4 9999/00"])
def test_periods_outside_any_case_data_are_form_errors(app, client, login_as, tmp_path, period):
    with app.app_context():  # some case data, so that the measures page shows its period form
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                           [["C1", "R1", "2015-05-01", "nfa", "", "North"]]))
    login_as(Role.QA_LEAD)
    for url in ("/measures/re-referrals", "/measures/repeat-plans", "/measures/"):
        response = client.get(url, query_string={"period": period})
        assert response.status_code == 200, url
        assert "between 1900 and 2100" in response.get_data(as_text=True), url
    response = post_form(client, "/programmes/new", {"name": "Forever", "questionnaire_id": "re-referral-audit@1",
                                                      "frame_kind": "re-referrals", "period": period})
    assert response.status_code == 200 and "between 1900 and 2100" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(AuditProgramme)).all() == []
