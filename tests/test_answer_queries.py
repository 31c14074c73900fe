"""Queries on a question (issue 26): a moderator queries one answer of a submitted audit, its
author answers, the moderator closes it; the thread and every step are in the audit trail, an
open query holds up accepting the audit, and only those who may see the audit take part."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Agency, AuditEvent, AuditProgramme, CaseAudit, Role
from qa_app.services import moderation, programmes, queries
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in
from tests.smtp_sink import SMTPSink
from tests.test_case_audits import AGENCY_ANSWERS, repeat_plan_audit
from tests.test_own_work_moderation_sections import LEAD_ANSWERS as PLAN_LEAD_ANSWERS
from tests.workbook_checks import check_workbook, table_rows

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}
NOTE = "Was the strategy discussion ever held? 4c1e"
TYPED = "Typed with care 7f3a"


@pytest.fixture
def submitted(app, tmp_path):
    """Two re-referral audits submitted by one auditor, a QA lead to moderate them, and another
    auditor with no part in them."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
            ["C2", "A2", "2014-03-01", "nfa", "", "North"], ["C2", "B2", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR, email="author@council.example")
        stranger = make_user(Role.AUDITOR)
        lead = make_user(Role.QA_LEAD)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit in audits:
            save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=auditor)
        return {"programme": programme.id, "audits": [a.id for a in audits], "auditor": auditor,
                "stranger": stranger, "lead": lead}


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


def test_a_query_is_opened_answered_and_closed_with_its_thread_in_the_audit_trail(app, submitted):
    audit_id, auditor, lead = submitted["audits"][0], submitted["auditor"], submitted["lead"]
    with app.app_context():
        query = queries.open_query(audit_id, LEAD, "overall_grade", NOTE, "Requires improvement to be good", lead)
        assert query.status == "open" and query.answer_when_opened == "Good"
        assert query.suggested_answer == "Requires improvement to be good"
        assert [q.id for q in queries.waiting_for(auditor)] == [query.id]
        assert queries.waiting_for(submitted["stranger"]) == []
        queries.write(query.id, "It was held on the 3rd; the minutes are on file", auditor)
        queries.close(query.id, "Thanks: the grade stands", lead)
        query = queries.get(query.id)
        assert query.status == "closed" and query.closed_by_id == lead.id and query.closed_at is not None
        thread = [(m.author_id, m.kind, m.text) for m in query.messages]
        assert thread == [(lead.id, "opened", NOTE),
                          (auditor.id, "answered", "It was held on the 3rd; the minutes are on file"),
                          (lead.id, "closed", "Thanks: the grade stands")]
        assert all(m.written_at is not None for m in query.messages)
        assert queries.waiting_for(auditor) == []
        steps = [e.action for e in db.session.scalars(db.select(AuditEvent).filter_by(
            object_type="answer_query", object_id=str(query.id)).order_by(AuditEvent.id))]
        assert steps == ["answer_query_opened", "answer_query_answered", "answer_query_closed"]
        opened = _events("answer_query_opened")[0]
        assert opened.user_id == lead.id and opened.details["question"] == "overall_grade"
        assert opened.details["notified"] == [auditor.id]
        # The thread's words are case content: they stay in the query, not in the audit trail.
        assert not any("strategy" in str(e.details) or "minutes" in str(e.details) for e in _events(
            "answer_query_opened") + _events("answer_query_answered") + _events("answer_query_closed"))


def test_a_query_needs_a_note_a_real_question_and_a_submitted_audit(app, submitted, tmp_path):
    audit_id, lead = submitted["audits"][0], submitted["lead"]
    with app.app_context():
        with pytest.raises(queries.QueryRefused) as refused:
            queries.open_query(audit_id, LEAD, "overall_grade", "  ", None, lead)
        assert refused.value.problems == {"note": "Enter what you want to ask the auditor about this answer"}
        with pytest.raises(queries.QueryRefused):
            queries.open_query(audit_id, LEAD, "no_such_question", NOTE, None, lead)
        with pytest.raises(queries.QueryRefused) as refused:
            queries.open_query(audit_id, LEAD, "overall_grade", NOTE, "Brilliant", lead)
        assert "suggested" in refused.value.problems
        moderation.reopen(audit_id, LEAD, "Wrong case", lead)
        with pytest.raises(queries.QueryRefused) as refused:
            queries.open_query(audit_id, LEAD, "overall_grade", NOTE, None, lead)
        assert "Only a submitted audit" in str(refused.value)
        assert _events("answer_query_opened") == []


def test_an_open_query_stops_the_audit_being_accepted_and_the_typed_moderation_is_kept(app, submitted):
    audit_id, lead = submitted["audits"][0], submitted["lead"]
    with app.app_context():
        query = queries.open_query(audit_id, LEAD, "overall_grade", NOTE, None, lead)
    client = _client(app, lead)
    response = post_form(client, f"/moderation/{audit_id}", {
        "overall_grade": "Inadequate", "overall_grade_reason": TYPED, "outcome": "accepted"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Close the open queries before accepting this audit: Overall grade" in html
    assert TYPED in html and re.search(r'value="Inadequate"[^>]*checked', html)
    with app.app_context():
        assert db.session.get(CaseAudit, audit_id).status == "submitted"
        queries.close(query.id, "", lead)
    assert post_form(client, f"/moderation/{audit_id}", {
        "overall_grade": "Inadequate", "overall_grade_reason": TYPED, "outcome": "accepted"}).status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, audit_id).status == "moderated"


def test_nobody_queries_or_answers_a_query_on_an_audit_they_may_not_see_or_moderate(app, submitted):
    audit_id, auditor, stranger, lead = (submitted["audits"][0], submitted["auditor"], submitted["stranger"],
                                         submitted["lead"])
    with app.app_context():
        with pytest.raises(queries.QueryRefused, match="Only a QA lead can query"):
            queries.open_query(audit_id, LEAD, "overall_grade", NOTE, None, auditor)
        query = queries.open_query(audit_id, LEAD, "overall_grade", NOTE, None, lead)
        with pytest.raises(queries.QueryRefused):
            queries.write(query.id, "Not my audit", stranger)
        with pytest.raises(queries.QueryRefused):
            queries.close(query.id, "", auditor)
        query_id = query.id
    # Over HTTP: the stranger cannot read the query at all, nor answer it; the author cannot close it.
    stranger_client = _client(app, stranger)
    assert stranger_client.get(f"/queries/{query_id}").status_code == 404
    assert post_form(stranger_client, f"/queries/{query_id}/messages", {"text": "x"}).status_code == 404
    author = _client(app, auditor)
    assert NOTE in author.get(f"/queries/{query_id}").get_data(as_text=True)
    assert post_form(author, f"/queries/{query_id}/close", {}).status_code == 403
    assert author.get(f"/queries/new/{audit_id}/lead/overall_grade").status_code == 403
    with app.app_context():
        assert queries.get(query_id).messages[-1].kind == "opened"


def test_an_auditor_who_is_also_a_qa_lead_cannot_query_their_own_audit(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        both = make_user(Role.AUDITOR, Role.QA_LEAD)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [both.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=both)
    client = _client(app, both)
    html = post_form(client, f"/queries/new/{audit.id}/lead/overall_grade",
                     {"note": TYPED}).get_data(as_text=True)
    assert "You audited this case, so another QA lead must" in html and TYPED in html
    with app.app_context():
        assert queries.queries_on(db.session.get(CaseAudit, audit.id)) == []


def test_a_query_on_an_agency_section_goes_to_that_sections_auditor_only(app, tmp_path):
    with app.app_context():
        lead_auditor = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        qa = make_user(Role.QA_LEAD)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead_auditor, police)
        section = db.session.get(CaseAudit, case_audit.id).sections[0]
        save_part(case_audit.id, "police", AGENCY_ANSWERS, section.version, submit=True, user=police)
        case_audit = db.session.get(CaseAudit, case_audit.id)
        save_part(case_audit.id, LEAD, PLAN_LEAD_ANSWERS, case_audit.version, submit=True, user=lead_auditor)
        query = queries.open_query(case_audit.id, "police", "information_shared", NOTE, "partly", qa)
        assert query.answer_when_opened == "yes"
        assert [q.id for q in queries.waiting_for(police)] == [query.id]
        assert queries.waiting_for(lead_auditor) == []
        with pytest.raises(queries.QueryRefused):
            queries.write(query.id, "I led the audit", lead_auditor)
        queries.write(query.id, "The MASH record shows it was shared", police)
        query_id, case_audit_id, qa_email = query.id, case_audit.id, qa.email
    moderator = app.test_client()
    sign_in(moderator, qa_email)
    page = moderator.get(f"/moderation/{case_audit_id}").get_data(as_text=True)
    assert "Police section" in page and f"/queries/{query_id}" in page
    assert f"/queries/new/{case_audit_id}/police/information_shared" in page  # its answers can be queried too


def test_after_reopening_the_author_changes_the_queried_answer_and_the_query_shows_both(app, submitted):
    audit_id, auditor, lead = submitted["audits"][0], submitted["auditor"], submitted["lead"]
    with app.app_context():
        query = queries.open_query(audit_id, LEAD, "overall_grade", NOTE, "Requires improvement to be good", lead)
        queries.write(query.id, "You are right, I will change it", auditor)
        moderation.reopen(audit_id, LEAD, "To change the grade queried", lead)
        audit = db.session.get(CaseAudit, audit_id)
        save_part(audit_id, LEAD, {**ANSWERS, "overall_grade": "Requires improvement to be good"}, audit.version,
                  submit=True, user=auditor)
        assert queries.current_answer(queries.get(query.id)) == "Requires improvement to be good"
        assert queries.get(query.id).answer_when_opened == "Good"
    html = _client(app, lead).get(f"/queries/{query.id}").get_data(as_text=True)
    assert "Answer when queried" in html and "Answer now" in html
    assert re.search(r"Answer now</dt>\s*<dd[^>]*>\s*Requires improvement to be good", html)


def test_the_author_is_told_on_their_home_page_and_by_email_without_case_content(app, submitted):
    audit_id, auditor, lead = submitted["audits"][0], submitted["auditor"], submitted["lead"]
    sink = SMTPSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, MAIL_FROM="qa@council.example",
                      PUBLIC_URL="https://qa.council.example")
    with app.app_context():
        case_id = db.session.get(CaseAudit, audit_id).case_id
        query = queries.open_query(audit_id, LEAD, "overall_grade", NOTE, None, lead)
    sink.thread.join(5)
    [message] = sink.messages
    assert "author@council.example" in message
    assert f"https://qa.council.example/queries/{query.id}" in message
    assert "strategy" not in message and case_id not in message and "Good" not in message
    home = _client(app, auditor).get("/").get_data(as_text=True)
    assert "Queries on your audits" in home and f"/queries/{query.id}" in home


def test_the_whole_exchange_over_http(app, submitted):
    audit_id, auditor, lead = submitted["audits"][0], submitted["auditor"], submitted["lead"]
    moderator = _client(app, lead)
    form = moderator.get(f"/queries/new/{audit_id}/lead/overall_grade").get_data(as_text=True)
    assert "Overall grade" in form and "Good" in form
    refused = post_form(moderator, f"/queries/new/{audit_id}/lead/overall_grade",
                        {"note": "", "suggested": "Inadequate"})
    assert refused.status_code == 200 and "Enter what you want to ask" in refused.get_data(as_text=True)
    opened = post_form(moderator, f"/queries/new/{audit_id}/lead/overall_grade",
                       {"note": NOTE, "suggested": "Inadequate"})
    assert opened.status_code == 302
    query_id = int(opened.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    author = _client(app, auditor)
    refused = post_form(author, f"/queries/{query_id}/messages", {"text": "  "})
    assert refused.status_code == 200 and "Enter your answer" in refused.get_data(as_text=True)
    assert post_form(author, f"/queries/{query_id}/messages", {"text": "Minutes are on file"}).status_code == 302
    closed = post_form(moderator, f"/queries/{query_id}/close", {"note": "Agreed"}, follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert "Query closed" in html and "Minutes are on file" in html and "Agreed" in html
    page = moderator.get(f"/moderation/{audit_id}").get_data(as_text=True)
    assert f"/queries/{query_id}" in page and "Closed" in page


def test_the_findings_workbook_counts_queries_by_question(app, submitted):
    audit_ids, lead = submitted["audits"], submitted["lead"]
    with app.app_context():
        first = queries.open_query(audit_ids[0], LEAD, "overall_grade", NOTE, None, lead)
        queries.open_query(audit_ids[1], LEAD, "overall_grade", NOTE, None, lead)
        queries.open_query(audit_ids[1], LEAD, "consent", "=1+1 " + NOTE, None, lead)
        queries.close(first.id, "", lead)
    response = post_form(_client(app, lead), f"/exports/programmes/{submitted['programme']}/findings.xlsx", {})
    wb = check_workbook(io.BytesIO(response.data), "Audit findings")
    assert wb.sheetnames.index("Moderation queries") == wb.sheetnames.index("Moderation") + 1
    rows = {r["Question id"]: r for r in table_rows(wb["Moderation queries"])}
    assert set(rows) == {"overall_grade", "consent"}
    assert (rows["overall_grade"]["Queries"], rows["overall_grade"]["Still open"],
            rows["overall_grade"]["Closed"]) == (2, 1, 1)
    assert (rows["consent"]["Queries"], rows["consent"]["Still open"]) == (1, 1)
    assert rows["overall_grade"]["Agency part"] == "Lead auditor"
    # Counts only: no note, no case, no moderator's name reaches the sheet.
    text = " ".join(str(c.value) for row in wb["Moderation queries"].iter_rows() for c in row if c.value)
    assert "strategy" not in text and lead.display_name not in text


def test_a_childs_subject_access_export_holds_the_queries_on_their_audit_and_no_others(app, submitted, tmp_path):
    audit_ids, auditor, lead = submitted["audits"], submitted["auditor"], submitted["lead"]
    with app.app_context():
        mine = queries.open_query(audit_ids[0], LEAD, "overall_grade", NOTE, None, lead)
        queries.write(mine.id, "Minutes on file 9d2a", auditor)
        queries.open_query(audit_ids[1], LEAD, "consent", "About the other child 5b7e", None, lead)
        child_id = db.session.get(CaseAudit, audit_ids[0]).child_id
        make_user(Role.ADMIN, email="dpo@council.example")
        mine_id = mine.id
    path = tmp_path / "sar.xlsx"
    result = app.test_cli_runner().invoke(args=["subject-access", child_id, str(path), "--by", "dpo@council.example"])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(path)
    assert {"Queries on answers", "Query messages"} <= set(workbook.sheetnames)
    values = {str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None}
    assert NOTE in values and "Minutes on file 9d2a" in values
    assert "About the other child 5b7e" not in values
    trail = [[c.value for c in row] for row in workbook["Audit trail"].iter_rows()]
    assert any("answer_query_answered" in row and str(mine_id) in [str(v) for v in row] for row in trail)


def test_retention_deletes_a_closed_programmes_queries_with_their_threads(app, submitted):
    from datetime import timedelta

    from qa_app.models import AnswerQuery, AnswerQueryMessage
    from qa_app.models.base import utcnow
    from qa_app.services import retention
    audit_ids, auditor, lead = submitted["audits"], submitted["auditor"], submitted["lead"]
    with app.app_context():
        query = queries.open_query(audit_ids[0], LEAD, "overall_grade", NOTE, None, lead)
        queries.write(query.id, "Minutes on file", auditor)
        programme = db.session.get(AuditProgramme, submitted["programme"])
        programme.status, programme.closed_at = "closed", utcnow() - timedelta(days=365 * 7 + 2)
        db.session.commit()
        report = retention.run(dry_run=False)
        assert report.programmes[0].rows["answer_query"] == 1
        assert report.programmes[0].rows["answer_query_message"] == 2
        assert db.session.scalars(db.select(AnswerQuery)).all() == []
        assert db.session.scalars(db.select(AnswerQueryMessage)).all() == []
