"""Own-work moderation covers every part of a case, not only the lead's: an auditor who wrote an
agency section of a case may not moderate it, even when they also hold the QA lead role."""
from sqlalchemy import select

from qa_app.extensions import db
from qa_app.models import Agency, CaseAudit, Moderation, Role
from qa_app.services.case_audits import LEAD, save_part
from tests.helpers import make_user, post_form, sign_in
from tests.test_case_audits import AGENCY_ANSWERS, repeat_plan_audit

LEAD_ANSWERS = {"first_threshold_right": "yes", "first_plan_length": "yes", "decision_to_end_right": "yes",
                "step_down_plan": "no", "outcomes_sustained": "yes", "lead_professional_named": "yes",
                "second_threshold_right": "yes", "second_plan_smart": "yes", "partners_engaged": "yes",
                "legal_planning": "yes", "overall_grade": "Good"}


def test_an_agency_sections_auditor_cannot_moderate_the_case_but_another_qa_lead_can(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR, agency=Agency.CHILDRENS_SOCIAL_CARE.value)
        police = make_user(Role.AUDITOR, Role.QA_LEAD, agency=Agency.POLICE.value)  # also a QA lead
        other_qa = make_user(Role.QA_LEAD)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead, police)
        case_audit = db.session.get(CaseAudit, case_audit.id)
        assert case_audit.lead_auditor_id == lead.id
        assert [s.auditor_id for s in case_audit.sections] == [police.id]
        section = case_audit.sections[0]
        save_part(case_audit.id, "police", AGENCY_ANSWERS, section.version, submit=True, user=police)
        case_audit = db.session.get(CaseAudit, case_audit.id)
        save_part(case_audit.id, LEAD, LEAD_ANSWERS, case_audit.version, submit=True, user=lead)
        assert db.session.get(CaseAudit, case_audit.id).status == "submitted"

    client = app.test_client()
    sign_in(client, police.email)
    html = post_form(client, f"/moderation/{case_audit.id}", {"overall_grade": "Good", "outcome": "accepted"}
                     ).get_data(as_text=True)
    assert "You audited this case" in html
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit.id).status == "submitted"
        assert db.session.scalars(select(Moderation)).all() == []

    other = app.test_client()
    sign_in(other, other_qa.email)
    assert post_form(other, f"/moderation/{case_audit.id}", {"overall_grade": "Good", "outcome": "accepted"}
                     ).status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit.id).status == "moderated"
