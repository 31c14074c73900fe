"""Moderation, agreement statistics, reopening, and safeguarding escalation."""
import re
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, CaseAudit, Moderation, Role
from qa_app.services import moderation, programmes, safeguarding
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token, make_user, post_form, sign_in
from tests.smtp_sink import SMTPSink

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes"}


@pytest.fixture
def submitted(app, tmp_path):
    """Three submitted re-referral audits graded Good, Good and Inadequate, in team North."""
    with app.app_context():
        rows = []
        for i in range(3):
            rows += [[f"C{i}", f"A{i}", "2014-03-01", "nfa", "", "North"], [f"C{i}", f"B{i}", "2014-05-01", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit, grade in zip(audits, ("Good", "Good", "Inadequate")):
            save_part(audit.id, LEAD, {**ANSWERS, "overall_grade": grade}, audit.version, submit=True, user=auditor)
        return programme.id, [a.id for a in audits], auditor


def test_a_moderator_grade_that_differs_needs_a_reason_and_changes_the_agreement(app, submitted):
    programme_id, audit_ids, _ = submitted
    with app.app_context():
        lead = make_user(Role.QA_LEAD)
        with pytest.raises(moderation.ModerationError) as refused:
            moderation.moderate(audit_ids[0], {"overall_grade": "Requires improvement to be good"}, {},
                                outcome="accepted", comments=None, user=lead)
        assert "overall_grade_reason" in refused.value.problems
        moderation.moderate(audit_ids[0], {"overall_grade": "Requires improvement to be good"},
                            {"overall_grade": "Plan was not SMART"}, outcome="accepted", comments=None, user=lead)
        moderation.moderate(audit_ids[1], {"overall_grade": "Good"}, {}, outcome="accepted", comments=None, user=lead)
        moderation.moderate(audit_ids[2], {"overall_grade": "Inadequate"}, {}, outcome="accepted", comments=None, user=lead)
        report = moderation.agreement_for(db.session.get(AuditProgramme, programme_id))
        assert report.overall.pairs == 3 and report.overall.exact_pct == 66.7 and report.overall.within_one_pct == 100.0
        assert report.overall.shift["Good"]["Requires improvement to be good"] == 1
        # Weights 1 - |i-j|/3. Observed (2/3 + 1 + 1) / 3 = 8/9; expected from the margins
        # (auditor Good 2, Inadequate 1; moderator RI 1, Good 1, Inadequate 1) = 6/9; kappa = 2/3.
        assert report.overall.kappa == pytest.approx(2 / 3, abs=0.001)
        assert db.session.get(CaseAudit, audit_ids[0]).status == "moderated"
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_moderated")).first()
        assert event.details["grades_changed"] == ["overall_grade"]


def test_returning_an_audit_needs_comments_and_lets_the_auditor_edit_again(app, submitted):
    _, audit_ids, auditor = submitted
    with app.app_context():
        lead = make_user(Role.QA_LEAD)
        with pytest.raises(moderation.ModerationError):
            moderation.moderate(audit_ids[0], {"overall_grade": "Good"}, {}, outcome="returned", comments="", user=lead)
        moderation.moderate(audit_ids[0], {"overall_grade": "Good"}, {}, outcome="returned",
                            comments="Say more about consent", user=lead)
        audit = db.session.get(CaseAudit, audit_ids[0])
        assert audit.status == "draft" and audit.submitted_at is None
        save_part(audit.id, LEAD, {**ANSWERS, "consent": "partly", "overall_grade": "Good"}, audit.version,
                  submit=True, user=auditor)
        assert db.session.get(CaseAudit, audit_ids[0]).status == "submitted"


def test_the_queue_follows_the_programmes_policy(app, client, login_as, submitted):
    programme_id, audit_ids, _ = submitted
    login_as(Role.QA_LEAD)
    html = post_form(client, f"/programmes/{programme_id}/moderation-policy",
                     {"always": ["inadequate"], "new_auditor_first": "1", "random_percent": "150"}).get_data(as_text=True)
    assert "<title>Error: " in html and "Enter a percentage from 0 to 100" in html and 'href="#random_percent"' in html
    assert re.search(r'name="random_percent"[^>]*value="150"', html) and re.search(r'value="inadequate"[^>]*checked', html)
    post_form(client, f"/programmes/{programme_id}/moderation-policy",
              {"always": ["inadequate", "flagged"], "new_auditor_first": "1", "random_percent": "0"})
    with app.app_context():
        queued = {item.case_audit.id: item.reasons for item in moderation.moderation_queue()}
    assert queued[audit_ids[2]] == ["Graded Inadequate"]
    assert queued[audit_ids[0]] == ["One of the auditor's first 1 audits"]
    assert audit_ids[1] not in queued
    # Everything at random: the choice comes from the recorded seed, so it is the same every time.
    post_form(client, f"/programmes/{programme_id}/moderation-policy",
              {"new_auditor_first": "0", "random_percent": "100"})
    with app.app_context():
        queued = {item.case_audit.id: item.reasons for item in moderation.moderation_queue()}
        assert len(queued) == 3 and all(r[0].startswith("Chosen at random (100%") for r in queued.values())
        assert db.session.scalars(db.select(AuditEvent.action).filter_by(action="moderation_policy_changed")).all()


def test_a_qa_lead_reopens_a_submitted_audit_with_a_reason(app, client, login_as, submitted):
    _, audit_ids, _ = submitted
    login_as(Role.QA_LEAD)
    html = post_form(client, f"/moderation/{audit_ids[0]}/reopen", {"part": "lead", "reason": ""},
                     follow_redirects=True).get_data(as_text=True)
    assert "Enter why the audit is being reopened" in html
    post_form(client, f"/moderation/{audit_ids[0]}/reopen", {"part": "lead", "reason": "Wrong case read"})
    with app.app_context():
        assert db.session.get(CaseAudit, audit_ids[0]).status == "draft"
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_reopened")).one()
        assert event.details["reason"] == "Wrong case read"


def test_a_safeguarding_concern_reaches_the_cases_team_manager_and_no_other(app, submitted):
    _, audit_ids, auditor = submitted
    with app.app_context():
        north = make_user(Role.TEAM_MANAGER, teams=["North"])
        south = make_user(Role.TEAM_MANAGER, teams=["South"])
        lead = make_user(Role.QA_LEAD)
    client = app.test_client()
    sign_in(client, auditor.email)
    post_form(client, f"/audits/{audit_ids[0]}/concerns", {"details": "Baby seen with bruising, no follow-up"})
    for user, sees in ((north, True), (south, False), (lead, True)):
        viewer = app.test_client()
        sign_in(viewer, user.email)
        assert ("Baby seen with bruising" in viewer.get("/").get_data(as_text=True)) is sees
    south_client = app.test_client()
    sign_in(south_client, south.email)
    with app.app_context():
        concern_id = db.session.scalars(db.select(safeguarding.SafeguardingConcern.id)).one()
    html = post_form(south_client, f"/moderation/safeguarding/{concern_id}/acknowledge",
                     {"note": "Not mine"}, follow_redirects=True).get_data(as_text=True)
    assert "not one for you to acknowledge" in html
    north_client = app.test_client()
    sign_in(north_client, north.email)
    post_form(north_client, f"/moderation/safeguarding/{concern_id}/acknowledge", {"note": "Strategy meeting today"})
    assert "Acknowledged by" in north_client.get("/").get_data(as_text=True)
    with app.app_context():
        raised = db.session.scalars(db.select(AuditEvent).filter_by(action="safeguarding_concern_raised")).one()
        assert sorted(raised.details["notified"]) == sorted([north.id, lead.id])
        assert "bruising" not in str(raised.details)
        # The flagged case now goes to the moderation queue.
        reasons = {i.case_audit.id: i.reasons for i in moderation.moderation_queue()}
        assert "Safeguarding concern raised" in reasons[audit_ids[0]]


def test_an_escalation_is_emailed_when_smtp_is_set_up_without_case_content(app, submitted):
    _, audit_ids, auditor = submitted
    sink = SMTPSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, MAIL_FROM="qa@council.example")
    with app.app_context():
        make_user(Role.TEAM_MANAGER, teams=["North"], email="north.manager@council.example")
    client = app.test_client()
    sign_in(client, auditor.email)
    post_form(client, f"/audits/{audit_ids[0]}/concerns", {"details": "Baby seen with bruising"})
    sink.thread.join(5)
    [message] = sink.messages
    assert "north.manager@council.example" in message
    assert "immediate safeguarding concern" in message and "bruising" not in message


def test_the_email_link_comes_from_public_url_not_from_the_requests_host(app, submitted):
    _, audit_ids, auditor = submitted
    sink = SMTPSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port,
                      PUBLIC_URL="https://qa.council.example")
    with app.app_context():
        make_user(Role.TEAM_MANAGER, teams=["North"])
    client = app.test_client()
    sign_in(client, auditor.email)
    token = csrf_token(client)
    # The same session, sent to the app under a forged Host header.
    client.set_cookie("casefile_session", client.get_cookie("casefile_session").value,
                      domain="evil.example")
    sent = client.post(f"/audits/{audit_ids[0]}/concerns", headers={"Host": "evil.example"},
                       data={"csrf_token": token, "details": "Bruising"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    sink.thread.join(5)
    [message] = sink.messages
    assert "https://qa.council.example/#safeguarding" in message
    assert "evil.example" not in message


def test_nobody_moderates_their_own_audit(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        both = make_user(Role.AUDITOR, Role.QA_LEAD)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [both.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audit.id, LEAD, {**ANSWERS, "overall_grade": "Good"}, audit.version, submit=True, user=both)
    client = app.test_client()
    sign_in(client, both.email)
    page = client.get(f"/moderation/{audit.id}").get_data(as_text=True)
    assert "You audited this case" in page and 'value="accepted"' not in page
    html = post_form(client, f"/moderation/{audit.id}", {"overall_grade": "Good", "outcome": "accepted"}
                     ).get_data(as_text=True)
    assert "You audited this case" in html
    with app.app_context():
        assert db.session.get(CaseAudit, audit.id).status == "submitted"
        assert moderation.agreement_for(db.session.get(AuditProgramme, programme.id)).overall.pairs == 0


def test_the_moderation_form_keeps_what_the_moderator_typed_and_links_each_error(app, client, login_as, submitted):
    _, audit_ids, _ = submitted
    login_as(Role.QA_LEAD)
    page = client.get(f"/moderation/{audit_ids[0]}").get_data(as_text=True)
    assert re.search(r'value="Good"[^>]*checked', page)  # the auditor's grade is the starting point
    assert "The auditor's grade: <strong>Good</strong>" in page
    html = post_form(client, f"/moderation/{audit_ids[0]}", {"overall_grade": "Inadequate", "overall_grade_reason": "",
                                                              "comments": "Look again at the plan", "outcome": "accepted"}
                     ).get_data(as_text=True)
    assert "<title>Error: " in html and 'href="#overall_grade_reason"' in html
    assert "Enter why your grade differs from the auditor&#39;s for: Overall grade" in html
    assert re.search(r'value="Inadequate"[^>]*checked', html) and "Look again at the plan</textarea>" in html
    with app.app_context():
        assert db.session.get(CaseAudit, audit_ids[0]).status == "submitted"


def test_the_moderator_reads_answers_and_earlier_grades_by_their_labels(app, client, login_as, submitted):
    _, audit_ids, _ = submitted
    with app.app_context():
        audit = db.session.get(CaseAudit, audit_ids[0])
        moderation.moderate(audit.id, {"overall_grade": "Inadequate"}, {"overall_grade": "Plan not SMART"},
                            outcome="returned", comments="Look again", user=make_user(Role.QA_LEAD))
        auditor = db.session.get(CaseAudit, audit.id).lead_auditor
        audit = db.session.get(CaseAudit, audit.id)
        save_part(audit.id, LEAD, {**ANSWERS, "earlier_threshold_right": "partly",
                                   "earlier_threshold_reason": "First line\nSecond line",
                                   "overall_grade": "Good"}, audit.version, submit=True, user=auditor)
    login_as(Role.QA_LEAD)
    page = client.get(f"/moderation/{audit_ids[0]}").get_data(as_text=True)
    assert ">Partly</dd>" in page and ">partly</dd>" not in page
    assert 'app-details-list">First line\nSecond line</dd>' in page  # each line on its own line
    assert "Overall grade for the handling of this case: Good → Inadequate" in page
    assert "overall grade:" not in page
