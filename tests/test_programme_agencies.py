"""A programme offers only the agencies its questionnaire has questions for (issue 19, point 3):
an agency section with no questions can never be submitted, and it blocked the lead part for
ever. Asked for one by a crafted post, the programme is refused with a reason."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, CaseAudit, Role
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}


@pytest.fixture
def referrals(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))


def test_a_questionnaire_without_agency_questions_takes_no_agencies(app, referrals):
    with app.app_context():
        with pytest.raises(programmes.ProgrammeError) as refused:
            programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                        frame_kind="re-referrals", period_text="Q1 2014/15", agencies=["police"])
        assert refused.value.field == "agencies"
        assert "has no questions for Police" in str(refused.value)
        assert db.session.scalar(db.select(db.func.count(AuditProgramme.id))) == 0
        # A questionnaire with a section for each agency takes them.
        programme = programmes.create_programme(name="R", theme="", questionnaire_id="repeat-cp-plan-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15",
                                                agencies=["police", "health"])
        assert programme.agencies == ["health", "police"]


def test_an_older_programme_with_an_agency_its_questionnaire_lacks_gets_no_empty_section(app, referrals):
    """A programme created before the rule, with an agency its questionnaire has no questions for:
    assignment makes no section for it, and the lead part can be submitted."""
    with app.app_context():
        auditor = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency="police")
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        db.session.get(AuditProgramme, programme.id).agencies = ["police"]
        db.session.commit()
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        result = programmes.assign_round_robin(programme.id, [auditor.id, police.id], date(2027, 1, 1))
        assert result["agencies_without_auditor"] == []
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        assert audit.sections == []
        lead = db.session.get(CaseAudit, audit.id)
        save_part(lead.id, LEAD, ANSWERS, lead.version, submit=True, user=db.session.get(type(auditor), lead.lead_auditor_id))
        assert db.session.get(CaseAudit, audit.id).status == "submitted"


def _qa(app):
    with app.app_context():
        qa = make_user(Role.QA_LEAD)
    client = app.test_client()
    assert sign_in(client, qa.email).status_code == 302
    return client


def test_the_new_programme_page_says_which_questionnaire_has_sections_for_which_agency(app, referrals):
    html = _qa(app).get("/programmes/new").get_data(as_text=True)
    assert "has no agency sections" in html  # the re-referral audit
    assert "a section for every agency" in html  # the repeat child protection plan audit


def test_a_crafted_post_for_an_agency_without_questions_is_refused_with_a_reason(app, referrals):
    response = post_form(_qa(app), "/programmes/new", {
        "name": "Typed programme name", "questionnaire_id": "re-referral-audit@1", "frame_kind": "re-referrals",
        "period": "Q1 2014/15", "agencies": ["education"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "has no questions for Education" in html and "Typed programme name" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditProgramme.id))) == 0
