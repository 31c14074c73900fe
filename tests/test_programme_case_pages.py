"""Issue 24: a large programme's case list comes a page at a time (the GOV.UK pagination
component), and each case's history is read on the case's own page, not nested in every row."""
import re

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from qa_app.services import programmes
from tests.helpers import make_user, sign_in
from tests.test_programmes import case_data, new_programme  # noqa: F401 (fixture)


def _case_rows(html):
    return re.findall(r'<tr class="govuk-table__row app-case-audit">', html)


def test_the_case_list_comes_25_to_a_page_with_govuk_pagination(app, client, case_data):
    with app.app_context():
        qa = make_user(Role.QA_LEAD)
        programme = new_programme()
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=30), seed=3)
        case_ids = [c.case_id for c in programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))]
    sign_in(client, qa.email)
    url = f"/programmes/{programme.id}"
    first = client.get(url).get_data(as_text=True)
    assert len(_case_rows(first)) == 25
    assert "Showing 1 to 25 of 30 case audits" in first
    nav = re.search(r'<nav class="govuk-pagination"[^>]*aria-label="Pages of case audits"[^>]*>(.*?)</nav>', first, re.S)
    assert nav, "no GOV.UK pagination"
    assert 'href="' + url + '?page=2#case-audits"' in nav.group(1) and 'rel="next"' in nav.group(1)
    assert 'aria-current="page"' in nav.group(1)
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert len(_case_rows(second)) == 5 and "Showing 26 to 30 of 30 case audits" in second
    shown = set(re.findall(r'app-case-audit">\s*<td class="govuk-table__cell">([^<{ ]+)', first + second))
    assert shown == set(case_ids)  # every case once, over the two pages
    # A page past the end shows the last page, not an empty list.
    assert len(_case_rows(client.get(url + "?page=99").get_data(as_text=True))) == 5
    assert len(_case_rows(client.get(url + "?page=nonsense").get_data(as_text=True))) == 25


def test_a_cases_history_is_on_its_own_page_not_in_the_programme_list(app, client, case_data):
    with app.app_context():
        qa = make_user(Role.QA_LEAD)
        programme = new_programme()
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=3), seed=3)
        case_audit = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))[0]
        case_audit_id, case_id = case_audit.id, case_audit.case_id
    sign_in(client, qa.email)
    listing = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert "History: 2 referrals" not in listing  # no table nested in every row
    assert f'href="/programmes/case-audits/{case_audit_id}/assignment"' in listing
    case_page = client.get(f"/programmes/case-audits/{case_audit_id}/assignment").get_data(as_text=True)
    assert "History: 2 referrals" in case_page and case_id in case_page
