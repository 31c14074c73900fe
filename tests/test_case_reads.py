"""Reads of children's records: one audit-trail event per page view of a case-level page, and
an admin page that answers "who looked at this child, and when"."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditEventChild, CaseAudit, Role
from qa_app.services import programmes
from qa_app.services.case_reads import record_case_read
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, sign_in


@pytest.fixture
def sampled(app, tmp_path):
    """Children C1 and C2 re-referred in Q1 2014/15, both in one programme's sample."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
            ["C2", "A2", "2014-03-02", "nfa", "", "North"], ["C2", "B2", "2014-05-02", "nfa", "", "North"],
            ["C3", "A3", "2015-03-02", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR, email="reader@test.casefile.test")
        programme = programmes.create_programme(name="Reads", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = {c.child_id: c.id for c in db.session.scalars(db.select(CaseAudit))}
    return programme.id, audits, auditor


def reads(app):
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="case_read").order_by(AuditEvent.id)).all()
        links = {(link.event_id, link.child_id) for link in db.session.scalars(db.select(AuditEventChild))}
    return [(e.user_email, e.details["what"], sorted(c for i, c in links if i == e.id), e.details.get("list_filter"))
            for e in events]


def test_each_case_level_page_view_writes_one_read_event(app, client, sampled):
    programme_id, audits, auditor = sampled
    sign_in(client, auditor.email)
    assert client.get(f"/audits/{audits['C1']}").status_code == 200
    assert client.get(f"/audits/{audits['C1']}/lead").status_code == 200
    lead_client = app.test_client()
    with app.app_context():
        lead = make_user(Role.QA_LEAD, email="lead@test.casefile.test")
    sign_in(lead_client, lead.email)
    assert lead_client.get(f"/moderation/{audits['C2']}").status_code == 200
    assert lead_client.get(f"/programmes/{programme_id}").status_code == 200
    assert lead_client.get("/measures/re-referrals?period=Q1+2014/15").status_code == 200
    assert reads(app) == [
        ("reader@test.casefile.test", "case audit", ["C1"], None),
        ("reader@test.casefile.test", "case audit form", ["C1"], None),
        ("lead@test.casefile.test", "moderation", ["C2"], None),
        ("lead@test.casefile.test", "programme case list", [], {"programme": programme_id, "page": 1}),
        ("lead@test.casefile.test", "re-referral list", [],
         {"period": "2014-04-01..2014-06-30", "previous_decision": None}),
    ]


def test_an_admin_sees_who_looked_at_one_child(app, client, sampled, login_as):
    programme_id, audits, auditor = sampled
    reader = app.test_client()
    sign_in(reader, auditor.email)
    reader.get(f"/audits/{audits['C1']}")
    reader.get(f"/audits/{audits['C2']}")
    with app.app_context():
        lead = make_user(Role.QA_LEAD, email="lead@test.casefile.test")
    lead_client = app.test_client()
    sign_in(lead_client, lead.email)
    lead_client.get(f"/programmes/{programme_id}")
    lead_client.get("/measures/re-referrals?period=Q1+2014/15")
    lead_client.get("/measures/re-referrals?period=2016/17")  # C1 is not on this list
    login_as(Role.ADMIN)
    reader.get(f"/audits/{audits['C1']}")  # the same page again, the same day
    html = client.get("/admin/child-reads?child_id=C1").get_data(as_text=True)
    assert "Who looked at child C1" in html
    assert html.count("reader@test.casefile.test") == 1, "C2's case audit is not C1's; repeats are one row"
    row = html.split("reader@test.casefile.test")[1].split("</tr>")[0]
    # In plain words, with how many times that day.
    assert "case audit: the case audit of child C1 (case B1) in programme Reads" in row
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row
    assert "case_audit" not in html
    assert "lead@test.casefile.test" in html and "programme case list: programme Reads" in html
    assert "programme: Reads" in html
    assert "2014-04-01..2014-06-30" in html and "2017-03-31" not in html
    nobody = client.get("/admin/child-reads?child_id=C3").get_data(as_text=True)
    assert "Child C3 is in the loaded data. No one has opened a page or export naming them" in nobody
    unknown = client.get("/admin/child-reads?child_id=C9").get_data(as_text=True)
    assert "No child with id C9 in the loaded data" in unknown and "No one has opened" not in unknown


def test_the_service_other_pages_call_records_ids_or_a_filter(app):
    with app.test_request_context():
        record_case_read("programme findings export", child_ids=["C1", "C2", "C1"])
        record_case_read("programme findings export", list_filter={"programme": 7})
    assert reads(app) == [(None, "programme findings export", ["C1", "C2"], None),
                          (None, "programme findings export", [], {"programme": 7})]


def test_an_action_about_a_case_and_a_programmes_findings_are_reads_too(app, client, sampled, login_as):
    from qa_app.services import actions
    programme_id, audits, _ = sampled
    lead = login_as(Role.QA_LEAD)
    with app.app_context():
        action = actions.raise_action(programme_id, audits["C2"], actions.NewAction(
            description="Check the plan", finding="Weak plan", due_date=date(2027, 1, 1), team="North"),
            db.session.get(type(lead), lead.id))
    assert client.get(f"/actions/{action.id}").status_code == 200
    assert client.get(f"/programmes/{programme_id}/findings").status_code == 200
    assert [(what, ids, filters) for _, what, ids, filters in reads(app)] == [
        ("action", ["C2"], None), ("programme findings", [], {"programme": programme_id})]
