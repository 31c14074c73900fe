"""Completing audits: draft and submit, no lost work, and who sees whose answers."""
import re
from datetime import date

import pytest

from audit_tools.questionnaires import BUILT_IN
from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Agency, AuditEvent, CaseAudit, Role
from qa_app.services import case_audits, programmes, questionnaires
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token_from, make_user, sign_in, submit_case_audit

RE_REFERRAL_ANSWERS = {
    "earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
    "referrer_feedback": "yes", "consent": "partly", "what_changed": "New concerns from school",
    "threshold_of_need": "yes", "threshold_document_used": "not_evidenced", "overall_grade": "Good",
}


@pytest.fixture
def re_referral_audit(app, tmp_path):
    """One re-referral case audit, led by an auditor; returns (case audit id, auditor)."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-01", "nfa", "", "North"], ["C1", "R2", "2014-05-01", "assessment", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 31))
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
    return case_audit.id, auditor


def open_form(client, url):
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return html, {"csrf_token": csrf_token_from(html), "version": version}


def test_a_draft_keeps_partial_answers_and_submit_lists_what_is_missing(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    html, hidden = open_form(client, url)
    # The earlier referral's decision is filled in from the case data.
    assert re.search(r'value="No further action"[^>]*checked', html)
    partial = {**hidden, "earlier_decision": "No further action", "what_changed": "Typed before lunch"}
    assert client.post(url, data={**partial, "action": "save"}).status_code == 302
    html, hidden = open_form(client, url)
    assert "Typed before lunch" in html
    missing_one = {k: v for k, v in RE_REFERRAL_ANSWERS.items() if k != "overall_grade"}
    response = submit_case_audit(client, url, missing_one, version=hidden["version"])
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "<title>Error: " in html
    assert 'href="#overall_grade"' in html and "Select an answer to: Overall grade" in html
    assert "New concerns from school" in html  # what was typed is kept
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).status == "draft"
    # The refused submit was saved as a draft: the page it returned carries the new version.
    assert "saved as a draft" in html
    hidden["version"] = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = submit_case_audit(client, url, RE_REFERRAL_ANSWERS, version=hidden["version"])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{case_audit_id}")
    with app.app_context():
        case_audit = db.session.get(CaseAudit, case_audit_id)
        assert case_audit.status == "submitted" and case_audit.answers["overall_grade"] == "Good"
        # A hidden conditional question's answer is not kept: early help was not offered.
        assert "early_help_started" not in case_audit.answers
    html = client.get(url).get_data(as_text=True)
    assert "It can no longer be changed" in html and 'name="action"' not in html


def test_two_sessions_saving_the_same_audit_never_overwrite_each_other(app, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    laptop, desktop = app.test_client(), app.test_client()
    sign_in(laptop, auditor.email)
    sign_in(desktop, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _, laptop_form = open_form(laptop, url)
    _, desktop_form = open_form(desktop, url)
    assert laptop.post(url, data={**laptop_form, "what_changed": "From the laptop", "action": "save"}).status_code == 302
    conflict = desktop.post(url, data={**desktop_form, "what_changed": "From the desktop", "action": "save"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Nothing has been overwritten" in html and "From the laptop" in html and "From the desktop" in html
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).answers["what_changed"] == "From the laptop"
        assert db.session.scalars(db.select(AuditEvent.action).filter_by(action="case_audit_save_conflict")).one()
    # Choosing to keep theirs is an explicit second save, against the version they have now seen.
    keep = {"csrf_token": csrf_token_from(html),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
            "what_changed": "From the desktop", "action": "save"}
    assert desktop.post(url, data=keep).status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).answers["what_changed"] == "From the desktop"


def test_saves_record_which_questions_changed_but_not_the_answers(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _, hidden = open_form(client, url)
    client.post(url, data={**hidden, "what_changed": "Sensitive case detail", "action": "save"})
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_saved")).one()
    assert event.details["changed_questions"] == ["earlier_decision", "what_changed"] or \
        event.details["changed_questions"] == ["what_changed"]
    assert "Sensitive case detail" not in str(event.details)


def test_someone_else_cannot_open_or_save_an_audit(app, client, re_referral_audit):
    case_audit_id, _ = re_referral_audit
    with app.app_context():
        stranger = make_user(Role.AUDITOR)
    sign_in(client, stranger.email)
    # The same answer as for an audit that does not exist, so ids cannot be probed.
    for url in (f"/audits/{case_audit_id}/lead", f"/audits/{case_audit_id}", "/audits/999999"):
        response = client.get(url)
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
    with app.app_context():
        denials = db.session.scalars(db.select(AuditEvent).filter_by(action="access_denied")).all()
        assert [e.user_id for e in denials] == [stranger.id, stranger.id]


AGENCY_ANSWERS = {"involvement": "Health visitor saw the family monthly", "information_shared": "yes",
                  "conferences_attended": "partly", "actions_completed": "yes"}


def repeat_plan_audit(tmp_path, agencies, *auditors) -> CaseAudit:
    """One repeat-plan case audit with a section for each agency, assigned to the auditors."""
    import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
        ["C1", "P1", "2012-01-01", "2013-01-01", "NEG", ""], ["C1", "P2", "2014-05-01", "", "NEG", ""]]))
    programme = programmes.create_programme(name="Repeat", theme="", questionnaire_id="repeat-cp-plan-audit",
                                            frame_kind="repeat-plans-ever", period_text="Q1 2014/15",
                                            agencies=list(agencies))
    programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
    programmes.assign_round_robin(programme.id, [auditor.id for auditor in auditors], None)
    return db.session.scalars(db.select(CaseAudit)).one()


def test_agencies_see_each_others_answers_only_after_submitting_their_own(app, tmp_path):
    with app.app_context():
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        health = make_user(Role.AUDITOR, agency=Agency.HEALTH.value)
        case_audit = repeat_plan_audit(tmp_path, ["police", "health"], police, health)
    police_client, health_client = app.test_client(), app.test_client()
    sign_in(police_client, police.email)
    sign_in(health_client, health.email)
    police_answers = {**AGENCY_ANSWERS, "involvement": "Two domestic abuse call-outs"}
    assert submit_case_audit(police_client, f"/audits/{case_audit.id}/police", police_answers).status_code == 302
    assert "Two domestic abuse call-outs" not in health_client.get(f"/audits/{case_audit.id}").get_data(as_text=True)
    assert health_client.get(f"/audits/{case_audit.id}/police").status_code == 404
    assert submit_case_audit(health_client, f"/audits/{case_audit.id}/health", AGENCY_ANSWERS).status_code == 302
    assert "Two domestic abuse call-outs" in health_client.get(f"/audits/{case_audit.id}").get_data(as_text=True)
    assert "Health visitor saw the family monthly" in police_client.get(f"/audits/{case_audit.id}").get_data(as_text=True)


def test_the_lead_part_waits_for_the_agency_sections(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR, agency=Agency.CHILDRENS_SOCIAL_CARE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead)
    client = app.test_client()
    sign_in(client, lead.email)
    html, hidden = open_form(client, f"/audits/{case_audit.id}/lead")
    assert 'value="366"' in html  # days on the first plan (2012 was a leap year), filled in from the case data
    html = submit_case_audit(client, f"/audits/{case_audit.id}/lead", {}).get_data(as_text=True)
    assert "The agency sections must be submitted before the lead part: Police" in html


def test_a_session_that_ends_while_typing_keeps_the_answers(app, client, re_referral_audit, monkeypatch):
    from qa_app import security
    from tests.helpers import PASSWORD
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _, hidden = open_form(client, url)
    later = security._now_timestamp() + 45 * 60
    monkeypatch.setattr(security, "_now_timestamp", lambda: later)
    response = client.post(url, data={**hidden, "what_changed": "Typed for an hour", "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Your answers have not been lost" in html and 'value="Typed for an hour"' in html
    resumed = client.post("/sign-in/resume", data={
        "csrf_token": csrf_token_from(html), "target": url, "email": auditor.email, "password": PASSWORD,
        "version": hidden["version"], "what_changed": "Typed for an hour"})
    html = resumed.get_data(as_text=True)
    assert "Save my answers" in html and 'value="Typed for an hour"' in html
    saved = client.post(url, data={"csrf_token": csrf_token_from(html), "version": hidden["version"],
                                   "what_changed": "Typed for an hour", "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).answers["what_changed"] == "Typed for an hour"


def test_a_section_marked_for_one_agency_goes_to_that_agency_only(app, tmp_path):
    from audit_tools.questionnaires import BUILT_IN
    from qa_app.services import questionnaires as questionnaire_service
    from qa_app.services.case_audits import sections_for
    text = (BUILT_IN / "repeat-cp-plan-audit.v1.yaml").read_text().replace("version: 1", "version: 2").replace(
        "  - id: overall\n", "  - id: police_only\n    title: Police records\n    agency: police\n    questions:\n"
        "      - {id: police_log_checked, label: \"Was the police log checked?\", type: met, required: true}\n"
        "  - id: overall\n")
    with app.app_context():
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2012-01-01", "2013-01-01", "NEG", ""], ["C1", "P2", "2014-05-01", "", "NEG", ""]]))
        questionnaire_service.upload(text.encode(), "repeat.v2.yaml")
        programme = programmes.create_programme(name="Repeat", theme="", questionnaire_id="repeat-cp-plan-audit",
                                                frame_kind="repeat-plans-ever", period_text="Q1 2014/15",
                                                agencies=["police", "health"])
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
        assert [s.id for s in sections_for(case_audit, "police")] == ["agency", "police_only"]
        assert [s.id for s in sections_for(case_audit, "health")] == ["agency"]
        assert "police_only" not in [s.id for s in sections_for(case_audit, "lead")]


WITH_A_DATE = (BUILT_IN / "re-referral-audit.v1.yaml").read_text().replace("version: 1", "version: 2").replace(
    """      - id: referrer_feedback
""", """      - id: plan_reviewed_on
        label: When was the plan last reviewed?
        type: date
      - id: referrer_feedback
""", 1)


def test_a_date_answer_is_typed_as_day_month_and_year_and_an_impossible_one_is_named(app, client, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-01", "nfa", "", "North"], ["C1", "R2", "2014-05-01", "assessment", "", "North"]]))
        questionnaires.upload(WITH_A_DATE.encode(), "re-referral-audit.v2.yaml")
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                questionnaire_version=2, frame_kind="re-referrals",
                                                period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 31))
        case_audit_id = db.session.scalars(db.select(CaseAudit.id)).one()
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    html, hidden = open_form(client, url)
    assert 'id="plan_reviewed_on-day"' in html and 'id="plan_reviewed_on-year"' in html
    html = client.post(url, data={**hidden, "plan_reviewed_on": ["30", "2", "2015"], "what_changed": "Kept",
                                  "action": "save"}).get_data(as_text=True)
    assert "Enter a real date for: When was the plan last reviewed?" in html and 'href="#plan_reviewed_on-day"' in html
    assert re.search(r'id="plan_reviewed_on-day"[^>]*value="30"', html) and "Kept" in html
    with app.app_context():
        assert "plan_reviewed_on" not in (db.session.get(CaseAudit, case_audit_id).answers or {})
    assert client.post(url, data={**hidden, "plan_reviewed_on": ["1", "3", "2015"], "action": "save"}).status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).answers["plan_reviewed_on"] == "2015-03-01"
    html, _ = open_form(client, url)
    assert re.search(r'id="plan_reviewed_on-month"[^>]*value="03"', html)
    # Saved from a form opened before the last save: the conflict page keeps the date to resubmit.
    conflict = client.post(url, data={**hidden, "plan_reviewed_on": ["2", "3", "2015"], "action": "save"})
    assert conflict.status_code == 409
    boxes = re.findall(r'name="plan_reviewed_on" value="([^"]*)"', conflict.get_data(as_text=True))
    assert boxes == ["02", "03", "2015"]


def test_assigning_the_programme_again_leaves_a_submitted_section_submitted(app, tmp_path):
    with app.app_context():
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], police)
        case_audits.save_part(case_audit.id, "police", AGENCY_ANSWERS, 1, submit=True, user=police)
        programmes.assign_round_robin(case_audit.programme_id, [police.id], None)
        section = db.session.get(CaseAudit, case_audit.id, populate_existing=True).sections[0]
        assert section.status == "submitted" and section.answers == AGENCY_ANSWERS
        with pytest.raises(case_audits.AuditRefused, match="A QA lead can reopen it"):
            case_audits.save_part(case_audit.id, "police", {}, section.version, submit=False, user=police)
