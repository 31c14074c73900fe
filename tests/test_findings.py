"""The findings page: what a programme found, who may read it, the re-audit comparison and
whether audited children came back, from the database through to the page."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, CaseAudit, Role
from qa_app.services import findings, moderation, programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in

BASE = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
        "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
        "threshold_document_used": "yes"}


def programme_with_audits(app, tmp_path, name, answers_list, rows=None, period="Q1 2014/15"):
    """A census of re-referrals in the period, each audit given the answers in turn and submitted."""
    with app.app_context():
        if rows:
            import_file("referrals", write_csv(tmp_path / f"{name}.csv", REFERRAL_HEADINGS, rows))
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name=name, theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text=period)
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit, answers in zip(audits, answers_list):
            if answers is not None:
                save_part(audit.id, LEAD, {**BASE, **answers}, audit.version, submit=True, user=auditor)
        return programme.id, [a.id for a in audits], auditor


REFERRALS = [["C1", "A1", "2014-03-01", "nfa", "", "Compass"], ["C1", "B1", "2014-05-01", "nfa", "", "Compass"],
             ["C2", "A2", "2014-03-02", "nfa", "", "North"], ["C2", "B2", "2014-05-02", "nfa", "", "North"],
             ["C3", "A3", "2014-03-03", "nfa", "", "North"], ["C3", "B3", "2014-05-03", "nfa", "", "North"]]


@pytest.fixture
def graded(app, tmp_path):
    return programme_with_audits(app, tmp_path, "Q1", [
        {"overall_grade": "Good", "consent": "not_applicable", "good_practice": "Clear chronology",
         "learning_themes": ["Recording"]},
        {"overall_grade": "Inadequate", "consent": "not_evidenced", "learning_themes": ["Recording", "Consent"]},
        None], rows=REFERRALS)


def test_the_findings_page_shows_counts_percentages_bases_and_learning(app, client, login_as, graded):
    programme_id, _, _ = graded
    login_as(Role.QA_LEAD)
    html = client.get(f"/programmes/{programme_id}/findings").get_data(as_text=True)
    assert "Cases sampled</dt><dd class=\"govuk-summary-list__value\">3" in html
    assert "Audited (submitted or moderated)</dt><dd class=\"govuk-summary-list__value\">2" in html
    # Consent: one not applicable (outside the base), one not evidenced (in it, on its own).
    row = html[html.index('data-question="consent"'):]
    row = row[:row.index("</tr>")]
    assert "1 (100.0%)" in row and "base under 5" in row
    assert "Good</th>" in html and "1 (50.0%)" in html
    assert "Recording: 2 cases" in html and "Consent: 1 case" in html
    assert "Clear chronology" in html and "Case B1, team Compass" in html
    assert "this is the first audit of its kind" in html
    # The charts beside the grade and yes tables, drawn once (not escaped into text).
    assert html.count("<svg") == 2 and "&lt;svg" not in html
    assert 'aria-label="Overall grades before and after moderation. The same figures are in the table."' in html
    assert "<title>Auditors&#x27; grades, Inadequate: 1</title>" in html
    # The share chart names questions as people read them, not by internal ids, on a 0-100% scale.
    chart = html[html.index('aria-label="Share answering yes, by question'):]
    chart = chart[:chart.index("</svg>")]
    assert "earlier_threshold_right" not in chart and "Was consent handled properly?" in chart


def test_moderated_grades_show_after_moderation(app, client, login_as, graded):
    programme_id, audit_ids, _ = graded
    with app.app_context():
        qa = make_user(Role.QA_LEAD)
        moderation.moderate(audit_ids[0], {"overall_grade": "Requires improvement to be good"},
                            {"overall_grade": "Plan not SMART"}, outcome="accepted", comments=None, user=qa)
        found = findings.findings_for(db.session.get(AuditProgramme, programme_id))
    assert found.grades.before.counts["Good"] == 1 and found.grades.after.counts["Good"] == 0
    assert found.grades.after.counts["Requires improvement to be good"] == 1 and found.moderated == 1


def test_auditors_read_findings_only_once_the_programme_is_closed_and_only_their_own(app, graded):
    programme_id, audit_ids, auditor = graded
    client = app.test_client()
    sign_in(client, auditor.email)
    assert client.get(f"/programmes/{programme_id}/findings").status_code == 404
    with app.app_context():
        qa = make_user(Role.QA_LEAD)
        other = make_user(Role.AUDITOR)
    qa_client = app.test_client()
    sign_in(qa_client, qa.email)
    refused = post_form(qa_client, f"/programmes/{programme_id}/close", follow_redirects=True)
    assert "1 case audit is not submitted yet" in refused.get_data(as_text=True)
    # The page offers to close only when closing can succeed, and otherwise says what is open.
    page = qa_client.get(f"/programmes/{programme_id}").get_data(as_text=True)
    assert "Close the programme" not in page and "1 case audit is not submitted yet" in page
    with app.app_context():
        programmes.remove_case_by_hand(audit_ids[2], "Moved out of area", qa)
    assert "Close the programme: findings agreed" in qa_client.get(f"/programmes/{programme_id}").get_data(as_text=True)
    post_form(qa_client, f"/programmes/{programme_id}/close")
    with app.app_context():
        assert db.session.get(AuditProgramme, programme_id).closed_at is not None
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="programme_closed")).one()
    assert client.get(f"/programmes/{programme_id}/findings").status_code == 200
    outsider = app.test_client()
    sign_in(outsider, other.email)
    assert outsider.get(f"/programmes/{programme_id}/findings").status_code == 404


def test_a_re_audit_is_compared_with_the_previous_programme_of_the_same_questionnaire(app, client, login_as, tmp_path):
    programme_with_audits(app, tmp_path, "First", [{"overall_grade": "Inadequate", "threshold_of_need": "no"}] * 3,
                          rows=REFERRALS)
    later = [["C4", "A4", "2015-03-01", "nfa", "", "North"], ["C4", "B4", "2015-05-01", "nfa", "", "North"]]
    second, _, _ = programme_with_audits(app, tmp_path, "Re-audit", [{"overall_grade": "Good"}], rows=later,
                                         period="Q1 2015/16")
    login_as(Role.QA_LEAD)
    html = client.get(f"/programmes/{second}/findings").get_data(as_text=True)
    assert "Against First" in html
    row = html[html.index('app-comparison-row" data-question="threshold_of_need"'):]
    row = row[:row.index("</tr>")]
    assert "0/3 (0.0%)" in row and "1/1 (100.0%)" in row and "+100.0" in row and "Improved" in row


def test_outcomes_count_a_child_re_referred_after_the_audit_and_not_one_re_referred_before(app, client, login_as, tmp_path):
    programme_id, audit_ids, _ = programme_with_audits(app, tmp_path, "Q1", [
        {"overall_grade": "Good"}, {"overall_grade": "Inadequate"}, {"overall_grade": "Good"}], rows=REFERRALS)
    with app.app_context():
        # Audits were "done" on 1 July 2014; C1 comes back after that, C2 came back before it.
        for case_audit in db.session.scalars(db.select(CaseAudit)):
            case_audit.submitted_at = case_audit.submitted_at.replace(year=2014, month=7, day=1)
        db.session.commit()
        import_file("referrals", write_csv(tmp_path / "later.csv", REFERRAL_HEADINGS, [
            ["C1", "D1", "2014-09-01", "nfa", "", "Compass"], ["C2", "D2", "2014-06-01", "nfa", "", "North"],
            ["C9", "Z9", "2015-07-01", "nfa", "", "North"]]))  # data now reaches every window's end
        result = findings.outcomes_for(db.session.get(AuditProgramme, programme_id))
    outcome = {c.case_id: c.outcome for c in result.cases}
    assert outcome == {"B1": "came_back", "B2": "did_not_come_back", "B3": "did_not_come_back"}
    assert {c.case_id for c in result.cases if c.re_referred_before} == {"B2"}  # its own column
    rows = {r.grade_group: r for r in result.by_grade}
    assert (rows["Good or better"].came_back, rows["Good or better"].did_not) == (1, 1)
    assert rows["Requires improvement or inadequate"].came_back == 0
    login_as(Role.QA_LEAD)
    html = client.get(f"/programmes/{programme_id}/findings").get_data(as_text=True)
    assert "cannot be judged yet" not in html and "Came back (01 Sep 2014)" in html


def test_outcomes_say_when_later_data_is_not_loaded_yet(app, client, login_as, graded):
    programme_id, _, _ = graded
    login_as(Role.QA_LEAD)
    html = client.get(f"/programmes/{programme_id}/findings").get_data(as_text=True)
    assert "2 of 2 cases cannot be judged yet" in html and "Load later case data" in html
