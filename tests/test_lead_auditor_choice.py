"""Issue 24: assigning a programme's case audits chooses the lead auditors separately from the
auditors of each agency section, so a police or health auditor is not made lead by ticking them."""
import re
from datetime import date

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Agency, AuditProgramme, Role
from qa_app.services import programmes
from tests.helpers import make_user, post_form, sign_in
from tests.test_programmes import case_data, new_programme  # noqa: F401 (fixture)


def _fieldset(html, legend):
    found = re.search(r'<fieldset(?:(?!</fieldset>).)*?' + re.escape(legend) + r'.*?</fieldset>', html, re.S)
    assert found, f"no fieldset {legend!r}"
    return found.group(0)


def test_the_assign_form_asks_for_lead_auditors_and_each_sections_auditors_apart(app, client, case_data):
    with app.app_context():
        lead = make_user(Role.AUDITOR, name="Lena Lead")
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value, name="Pat Police")
        health = make_user(Role.AUDITOR, agency=Agency.HEALTH.value, name="Hal Health")
        qa = make_user(Role.QA_LEAD)
        programme = new_programme(agencies=["police", "health"])
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=4), seed=2)
    sign_in(client, qa.email)
    html = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    leads = _fieldset(html, "Lead auditors")
    police_section = _fieldset(html, "Police section auditors")
    health_section = _fieldset(html, "Health section auditors")
    assert "Lena Lead" in leads
    assert "Pat Police" in police_section and "Hal Health" not in police_section and "Lena Lead" not in police_section
    assert "Hal Health" in health_section and "Pat Police" not in health_section

    response = post_form(client, f"/programmes/{programme.id}/assign", {
        "lead_auditor_ids": [str(lead.id)], "section_police": [str(police.id)], "section_health": [str(health.id)],
        "due_date": ["31", "1", "2027"]})
    assert response.status_code == 302
    with app.app_context():
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        assert len(audits) == 4
        for audit in audits:
            assert audit.lead_auditor_id == lead.id  # only the chosen lead leads
            assert {s.agency: s.auditor_id for s in audit.sections} == {"police": police.id, "health": health.id}
            assert audit.due_date == date(2027, 1, 31)


def test_an_agency_auditor_may_still_be_chosen_as_lead_but_only_by_choosing_them(app, client, case_data):
    with app.app_context():
        police_1 = make_user(Role.AUDITOR, agency=Agency.POLICE.value, name="Ann Police")
        police_2 = make_user(Role.AUDITOR, agency=Agency.POLICE.value, name="Bob Police")
        qa = make_user(Role.QA_LEAD)
        programme = new_programme(agencies=["police"])
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=2), seed=2)
    sign_in(client, qa.email)
    post_form(client, f"/programmes/{programme.id}/assign", {
        "lead_auditor_ids": [str(police_1.id)], "section_police": [str(police_1.id), str(police_2.id)],
        "due_date": ["31", "1", "2027"]})
    with app.app_context():
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        assert {a.lead_auditor_id for a in audits} == {police_1.id}
        assert {s.auditor_id for a in audits for s in a.sections} == {police_1.id, police_2.id}


def test_a_section_auditor_from_another_agency_is_refused_and_nothing_assigned(app, client, case_data):
    with app.app_context():
        lead = make_user(Role.AUDITOR, name="Lena Lead")
        health = make_user(Role.AUDITOR, agency=Agency.HEALTH.value, name="Hal Health")
        qa = make_user(Role.QA_LEAD)
        programme = new_programme(agencies=["police"])
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=2), seed=2)
    sign_in(client, qa.email)
    response = post_form(client, f"/programmes/{programme.id}/assign", {
        "lead_auditor_ids": [str(lead.id)], "section_police": [str(health.id)], "due_date": ["31", "1", "2027"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert "Police sections go only to Police auditors, not Hal Health" in html and 'href="#section_police"' in html
    with app.app_context():
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        assert {a.lead_auditor_id for a in audits} == {None}
