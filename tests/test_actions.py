"""Actions: raising them from recommendations, who reads and works them, the life of an action
from open to verified closed, evidence files, lists, the CLI and the reminder digest."""
import email
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Action, ActionReminder, ActionStatus, AuditEvent, AuditProgramme, Role
from qa_app.services import action_lists, action_reminders, actions, programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token_from, date_boxes, make_user, post_form, sign_in
from tests.smtp_sink import SMTPSink

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "no",
           "earlier_threshold_reason": "Risk was clear", "early_help_offered": "no", "referrer_feedback": "yes",
           "consent": "not_evidenced", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Requires improvement to be good",
           "recommendations": "Train the front door on the threshold document\n- Review step-down to early help"}
SOON = date.today() + timedelta(days=20)


@pytest.fixture
def audited(app, tmp_path):
    """Two submitted re-referral audits, one in team Compass and one in North, with a lead auditor,
    a Compass and a North team manager, a QA lead, and police and health auditors."""
    with app.app_context():
        rows = [["C1", "A1", "2014-03-01", "nfa", "", "Compass"], ["C1", "B1", "2014-05-01", "nfa", "", "Compass"],
                ["C2", "A2", "2014-03-02", "nfa", "", "North"], ["C2", "B2", "2014-05-02", "nfa", "", "North"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        people = {
            "auditor": make_user(Role.AUDITOR, name="Lead Auditor"),
            "compass": make_user(Role.TEAM_MANAGER, teams=["Compass"], name="Compass Manager"),
            "north": make_user(Role.TEAM_MANAGER, teams=["North"], name="North Manager"),
            "compass_worker": make_user(Role.AUDITOR, teams=["Compass"], name="Compass Worker"),
            "qa": make_user(Role.QA_LEAD, name="QA Lead"),
            "admin": make_user(Role.ADMIN),
            "police": make_user(Role.AUDITOR, agency="police", name="Police Auditor"),
            "health": make_user(Role.AUDITOR, agency="health"),
        }
        programme = programmes.create_programme(name="Re-referrals Q1", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [people["auditor"].id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit in audits:
            save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=people["auditor"])
        by_case = {a.case_id: a.id for a in audits}
    return programme.id, by_case, people


def raise_for(programme_id, case_audit_id, user, team="Compass", agency=None, due=SOON, **kwargs):
    return actions.raise_action(programme_id, case_audit_id, actions.NewAction(
        kwargs.pop("description", "Train the front door"), kwargs.pop("finding", "Threshold not applied"), due,
        team=team, agency=agency, **kwargs), user)


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def test_a_lead_auditor_turns_a_recommendation_into_an_action_for_a_team(app, audited):
    programme_id, cases, people = audited
    client = signed_in(app, people["auditor"])
    page = client.get(f"/audits/{cases['B1']}/lead").get_data(as_text=True)
    assert "Recommendations become actions" in page and "Review step-down to early help" in page
    form = client.get(f"/actions/new?case_audit={cases['B1']}&recommendation=1").get_data(as_text=True)
    assert "Review step-down to early help</textarea>" in form
    response = client.post(f"/actions/new?case_audit={cases['B1']}", data={
        "csrf_token": csrf_token_from(form), "description": "Review step-down to early help",
        "question_id": "earlier_threshold_right", "finding": "The earlier NFA was wrong", "team": "Compass",
        "agency": "", "owner_id": "", "due_date": date_boxes(SOON), "priority": "high"})
    # No fragment: the page's "saved" banner, not a section further down, is what takes focus.
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{cases['B1']}/lead")
    with app.app_context():
        action = db.session.scalars(db.select(Action)).one()
        assert (action.team.name, action.case_audit_id, action.status) == ("Compass", cases["B1"], "open")
        assert (action.question_id, action.answer, action.priority) == ("earlier_threshold_right", "no", "high")
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="action_raised")).one()
        assert event.user_id == people["auditor"].id and event.details["team"] == "Compass"
    assert "Action 1: Review step-down" in client.get(f"/audits/{cases['B1']}/lead").get_data(as_text=True)


def test_raising_an_action_with_a_problem_keeps_what_was_typed(app, audited):
    _, cases, people = audited
    client = signed_in(app, people["auditor"])
    response = post_form(client, f"/actions/new?case_audit={cases['B1']}", {
        "description": "Audit the early help offer", "finding": "No offer made", "team": "", "agency": "",
        "due_date": date_boxes(date.today() - timedelta(days=1)), "priority": "medium"})
    html = response.get_data(as_text=True)
    assert "Error:" in html and "The due date must be today or in the future" in html
    assert "Audit the early help offer</textarea>" in html
    response = post_form(client, f"/actions/new?case_audit={cases['B1']}", {
        "description": "Audit the early help offer", "finding": "No offer made", "team": "", "agency": "",
        "due_date": date_boxes(SOON), "priority": "medium"})
    assert "Choose one team or one partner agency to own the action" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Action)).all() == []


def test_an_impossible_due_date_is_named_and_the_boxes_keep_what_was_typed(app, audited):
    _, cases, people = audited
    client = signed_in(app, people["auditor"])
    html = post_form(client, f"/actions/new?case_audit={cases['B1']}", {
        "description": "Audit the early help offer", "finding": "No offer made", "team": "Compass", "agency": "",
        "due_date": ["30", "2", "2030"], "priority": "medium"}).get_data(as_text=True)
    assert "Enter a real date for: Due date" in html and 'href="#due_date-day"' in html
    assert re.search(r'id="due_date-day"[^>]*value="30"', html) and re.search(r'id="due_date-year"[^>]*value="2030"', html)
    html = post_form(client, f"/actions/new?case_audit={cases['B1']}", {
        "description": "Audit the early help offer", "finding": "No offer made", "team": "Compass", "agency": "",
        "due_date": ["", "", ""], "priority": "medium"}).get_data(as_text=True)
    assert "Enter the date the action is due" in html
    with app.app_context():
        assert db.session.scalars(db.select(Action)).all() == []


def test_an_auditor_cannot_raise_actions_on_someone_elses_audit(app, audited):
    _, cases, people = audited
    client = signed_in(app, people["police"])
    assert client.get(f"/actions/new?case_audit={cases['B1']}").status_code == 404
    with app.app_context(), pytest.raises(actions.ActionError):
        raise_for(audited[0], cases["B1"], people["police"])


# Who may read a team's action and an agency's action; everyone else gets the same 404 as for
# an action that does not exist.
READERS = {
    "compass": (True, False), "north": (False, False), "compass_worker": (True, False), "qa": (True, True),
    "admin": (True, True), "police": (False, True), "health": (False, False), "auditor": (False, False),
}


@pytest.mark.parametrize("who", sorted(READERS))
def test_only_the_owning_team_its_managers_the_agency_qa_leads_and_admins_read_an_action(app, audited, who):
    programme_id, cases, people = audited
    with app.app_context():
        team_action = raise_for(programme_id, cases["B1"], people["qa"], description="Compass work")
        agency_action = raise_for(programme_id, None, people["qa"], team=None, agency="police",
                                  description="Police work")
    client = signed_in(app, people[who])
    reads_team, reads_agency = READERS[who]
    assert client.get(f"/actions/{team_action.id}").status_code == (200 if reads_team else 404)
    assert client.get(f"/actions/{agency_action.id}").status_code == (200 if reads_agency else 404)
    listing = client.get("/actions/").get_data(as_text=True)
    assert ("Compass work" in listing) == reads_team and ("Police work" in listing) == reads_agency
    assert client.get("/actions/99999").status_code == 404


def test_the_life_of_an_action_from_open_to_verified_closed(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
    manager = signed_in(app, people["compass"])
    page = manager.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Verify and close it" not in page  # only QA leads verify
    response = manager.post(f"/actions/{action.id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "1", "note": "Training booked for 3 March",
        "link": "https://mosaic.council.example/case/123", "evidence": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    post_form(manager, f"/actions/{action.id}/status", {"version": "2", "to_status": "done"})
    qa = signed_in(app, people["qa"])
    refused = post_form(qa, f"/actions/{action.id}/status", {"version": "3", "to_status": "returned"})
    assert "Enter why the action is being returned" in refused.get_data(as_text=True)
    post_form(qa, f"/actions/{action.id}/status", {"version": "3", "to_status": "returned",
                                                    "reason": "No attendance list"})
    post_form(manager, f"/actions/{action.id}/status", {"version": "4", "to_status": "done",
                                                         "reason": "Attendance list attached"})
    post_form(qa, f"/actions/{action.id}/status", {"version": "5", "to_status": "closed"})
    with app.app_context():
        action = db.session.get(Action, action.id)
        assert action.state == ActionStatus.CLOSED and action.closed_at is not None
        history = [(u.kind, u.to_status) for u in action.updates]
        assert history == [("raised", "open"), ("evidence", None), ("status", "in_progress"), ("status", "done"),
                           ("status", "returned"), ("status", "done"), ("status", "closed")]
        changes = db.session.scalars(db.select(AuditEvent).filter_by(action="action_status_changed")).all()
        assert [(e.details["before"], e.details["after"]) for e in changes] == [
            ("open", "in_progress"), ("in_progress", "done"), ("done", "returned"), ("returned", "done"),
            ("done", "closed")]
    final = manager.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Verified closed" in final and "No attendance list" in final and "minutes.pdf" in final


def test_a_change_from_an_out_of_date_page_is_refused_not_applied(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"], owner_id=people["compass"].id)
        actions.change_status(action.id, "done", version=1, user=people["compass"])
    qa = signed_in(app, people["qa"])
    stale = post_form(qa, f"/actions/{action.id}/status", {"version": "1", "to_status": "cancelled",
                                                            "reason": "Duplicate"})
    assert stale.status_code == 409 and "Someone else changed this action" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Action, action.id).status == "done"


def test_a_team_manager_cannot_verify_their_own_teams_action(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
        actions.change_status(action.id, "done", user=people["compass"])
        with pytest.raises(actions.ActionError):
            actions.change_status(action.id, "closed", user=people["compass"])
        assert db.session.get(Action, action.id).status == "done"


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", b"MZ\x90\x00 a program", "this is not a PDF, although its name says so"),
    ("notes.docx", b"PK\x03\x04 not really a zip", "is damaged and cannot be opened"),
    ("run.exe", b"MZ", "evidence must be one of these kinds of file"),
    ("notes.txt", b"\x00\x01\x02binary", "it holds binary content"),
])
def test_hostile_evidence_files_are_refused_with_the_file_named_and_nothing_kept(app, audited, name, content, message):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
    manager = signed_in(app, people["compass"])
    page = manager.get(f"/actions/{action.id}").get_data(as_text=True)
    response = manager.post(f"/actions/{action.id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "1", "note": "See attached",
        "evidence": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert name in html and message in html and "See attached</textarea>" in html
    with app.app_context():
        assert db.session.get(Action, action.id).updates[-1].kind == "raised"
    evidence = Path(app.instance_path) / "evidence"
    assert not evidence.is_dir() or list(evidence.iterdir()) == []


def test_evidence_over_the_size_limit_is_refused_and_good_evidence_downloads_uncached(app, audited):
    programme_id, cases, people = audited
    app.config["EVIDENCE_MAX_MB"] = 1
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
        with pytest.raises(actions.ActionError, match="1 MB or smaller"):
            actions.record_progress(action.id, note=None, upload=io.BytesIO(b"x" * (1024 * 1024 + 1)),
                                    upload_name="big.txt", user=people["compass"])
        actions.record_progress(action.id, note=None, upload=io.BytesIO(b"date,attended\n2026-03-03,12\n"),
                                upload_name="register.csv", user=people["compass"])
        update_id = next(u.id for u in db.session.get(Action, action.id).updates if u.stored_name)
    with signed_in(app, people["qa"]).get(f"/actions/{action.id}/evidence/{update_id}") as response:
        body = response.data
    assert response.status_code == 200 and body.startswith(b"date,attended")
    assert response.headers["Cache-Control"] == "no-store"
    assert 'attachment; filename=register.csv' in response.headers["Content-Disposition"]
    assert signed_in(app, people["north"]).get(f"/actions/{action.id}/evidence/{update_id}").status_code == 404


def test_team_managers_see_their_actions_overdue_first_with_the_count_in_the_navigation(app, audited):
    programme_id, cases, people = audited
    today = date.today()
    with app.app_context():
        later = raise_for(programme_id, cases["B1"], people["qa"], description="Due later", due=today + timedelta(days=30))
        sooner = raise_for(programme_id, cases["B1"], people["qa"], description="Due sooner", due=today + timedelta(days=2))
        late = raise_for(programme_id, cases["B1"], people["qa"], description="Overdue one", due=today)
        db.session.get(Action, late.id).due_date = today - timedelta(days=3)
        db.session.commit()
        raise_for(programme_id, cases["B2"], people["qa"], team="North", description="North only")
    manager = signed_in(app, people["compass"])
    home = manager.get("/").get_data(as_text=True)
    assert home.index("Overdue one") < home.index("Due sooner") < home.index("Due later")
    assert "North only" not in home and "Actions (1 overdue)" in home
    filtered = manager.get(f"/actions/?status=overdue&programme={programme_id}").get_data(as_text=True)
    assert "Overdue one" in filtered and "Due sooner" not in filtered
    due_by = manager.get("/actions/", query_string={"due_by": date_boxes(today + timedelta(days=5))}
                         ).get_data(as_text=True)
    assert "Due sooner" in due_by and "Due later" not in due_by
    qa_page = signed_in(app, people["qa"]).get("/actions/").get_data(as_text=True)
    assert "By team and agency" in qa_page and "Team North" in qa_page
    del later, sooner


def test_the_per_team_table_counts_closed_on_time_and_late(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        on_time = raise_for(programme_id, cases["B1"], people["qa"])
        late = raise_for(programme_id, cases["B1"], people["qa"])
        for action in (on_time, late):
            actions.change_status(action.id, "done", user=people["compass"])
            actions.change_status(action.id, "closed", user=people["qa"])
        db.session.get(Action, late.id).due_date = date.today() - timedelta(days=1)
        db.session.commit()
        [row] = action_lists.tally_by_owner(people["qa"])
        assert (row.owner, row.closed_on_time, row.closed_late, row.open) == ("Team Compass", 1, 1, 0)


def test_the_cli_lists_actions_as_json_with_overdue_judged_today(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        late = raise_for(programme_id, cases["B1"], people["qa"], owner_id=people["compass"].id)
        db.session.get(Action, late.id).due_date = date.today() - timedelta(days=1)
        db.session.commit()
        raise_for(programme_id, None, people["qa"], team="North")
    runner = app.test_cli_runner()
    rows = json.loads(runner.invoke(args=["actions", "list", "--json"]).output)
    assert [r["id"] for r in rows] == [late.id, late.id + 1]
    first = rows[0]
    assert set(first) == {"id", "programme_id", "case_audit_id", "team", "agency", "owner", "description", "due",
                          "status", "overdue"}
    assert (first["team"], first["owner"], first["overdue"], first["case_audit_id"]) == (
        "Compass", "Compass Manager", True, cases["B1"])
    assert rows[1]["case_audit_id"] is None and rows[1]["overdue"] is False
    north = json.loads(runner.invoke(args=["actions", "list", "--team", "North", "--json"]).output)
    assert [r["team"] for r in north] == ["North"]
    overdue = json.loads(runner.invoke(args=["actions", "list", "--overdue", "--json"]).output)
    assert [r["id"] for r in overdue] == [late.id]


def test_the_reminder_digest_goes_to_owners_and_managers_once_a_day_without_case_content(app, audited):
    programme_id, cases, people = audited
    sink = SMTPSink(connections=2)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, MAIL_FROM="qa@council.example",
                      PUBLIC_URL="https://casefile.council.example")
    with app.app_context():
        late = raise_for(programme_id, cases["B1"], people["qa"], description="Secret case detail",
                         owner_id=people["police"].id)
        db.session.get(Action, late.id).due_date = date.today() - timedelta(days=2)
        db.session.commit()
        raise_for(programme_id, cases["B1"], people["qa"], due=date.today() + timedelta(days=60))  # not yet
    runner = app.test_cli_runner()
    result = runner.invoke(args=["actions", "remind"])
    assert "Reminders sent: 2" in result.output
    sink.thread.join(10)
    assert len(sink.messages) == 2
    emails = [email.message_from_string(m) for m in sink.messages]
    to_manager = next(e for e in emails if e["To"] == people["compass"].email).get_payload(decode=True).decode()
    assert f"Action {late.id}" in to_manager and "Overdue (1)" in to_manager
    assert f"https://casefile.council.example/actions/{late.id}" in to_manager
    assert "Secret case detail" not in to_manager and "C1" not in to_manager
    assert {e["To"] for e in emails} == {people["compass"].email, people["police"].email}
    again = runner.invoke(args=["actions", "remind"])
    assert "Reminders sent: 0; already sent today: 2" in again.output
    with app.app_context():
        assert len(db.session.scalars(db.select(ActionReminder)).all()) == 2


def test_reminders_are_not_recorded_when_the_mail_server_is_down(app, audited):
    programme_id, cases, people = audited
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens there
    with app.app_context():
        raise_for(programme_id, cases["B1"], people["qa"], due=date.today())
        run = action_reminders.send_reminders(date.today())
        assert run.failed == [people["compass"].email] and run.sent == []
        assert db.session.scalars(db.select(ActionReminder)).all() == []


def test_an_action_can_answer_only_a_question_the_case_answered_weakly(app, audited):
    programme_id, cases, people = audited
    client = signed_in(app, people["auditor"])
    form = client.get(f"/actions/new?case_audit={cases['B1']}").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([a-z_]*)"', form[form.index('name="question_id"'):
                                                                 form.index('name="finding"')]))
    assert offered == {"", "earlier_threshold_right", "early_help_offered", "consent", "overall_grade"}
    assert "Was the earlier decision right on the threshold matrix, given what was known then?: No" in form
    assert "Not evidenced on file" in form and ": Requires improvement to be good" in form
    # A programme-wide action may answer any met or graded question.
    lead = signed_in(app, people["qa"])
    form = lead.get(f"/actions/new?programme={programme_id}").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([a-z_]*)"', form[form.index('name="question_id"'):
                                                                 form.index('name="finding"')]))
    assert {"earlier_threshold_right", "referrer_feedback", "consent", "overall_grade"} <= offered


def test_the_per_team_table_counts_every_state_for_each_owner(app, audited):
    programme_id, cases, people = audited
    today = date.today()
    with app.app_context():
        def raised(state, due=SOON, **owner):
            action = raise_for(programme_id, cases["B1"], people["qa"], **owner)
            if state in ("in_progress", "done", "closed"):
                actions.change_status(action.id, "in_progress", user=people["compass"])
            if state in ("done", "closed"):
                actions.change_status(action.id, "done", user=people["compass"])
            if state == "closed":
                actions.change_status(action.id, "closed", user=people["qa"])
            if state == "cancelled":
                actions.change_status(action.id, "cancelled", reason="Raised twice", user=people["qa"])
            db.session.get(Action, action.id).due_date = due
            db.session.commit()
        raised("open", due=today - timedelta(days=1))  # overdue
        raised("open")
        raised("in_progress", due=today - timedelta(days=3))  # overdue
        raised("done", due=today - timedelta(days=3))  # awaiting verification, not overdue
        raised("closed")  # on time
        raised("closed", due=today - timedelta(days=1))  # late
        raised("cancelled", team="North")  # North has only a cancelled action: a row of noughts
        police = actions.raise_action(programme_id, cases["B1"], actions.NewAction(
            "Share the log", "Late sharing", SOON, team=None, agency="police"), people["qa"])
        assert police.agency == "police"
        rows = [(r.owner, r.open, r.overdue, r.awaiting_verification, r.closed_on_time, r.closed_late)
                for r in action_lists.tally_by_owner(people["qa"], on=today)]
    assert rows == [("Police", 1, 0, 0, 0, 0), ("Team Compass", 3, 2, 1, 1, 1), ("Team North", 0, 0, 0, 0, 0)]


def test_the_overdue_count_in_the_navigation_opens_the_overdue_actions(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        late = raise_for(programme_id, cases["B1"], people["qa"], description="Overdue one")
        raise_for(programme_id, cases["B1"], people["qa"], description="Not yet due")
        db.session.get(Action, late.id).due_date = date.today() - timedelta(days=3)
        db.session.commit()
    manager = signed_in(app, people["compass"])
    home = manager.get("/").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*>\s*Actions \(1 overdue\)', home)
    assert link, "the navigation names the overdue count"
    listed = manager.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Overdue one" in listed and "Not yet due" not in listed


def test_the_qa_lead_home_counts_actions_awaiting_verification_and_links_to_them(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        for description in ("First done", "Second done", "Still open"):
            action = raise_for(programme_id, cases["B1"], people["qa"], description=description)
            if description != "Still open":
                actions.change_status(action.id, "done", user=people["compass"])
    home = signed_in(app, people["qa"]).get("/").get_data(as_text=True)
    link = re.search(r'<a class="govuk-link" href="([^"]+)">2 actions await your verification</a>', home)
    assert link
    listed = signed_in(app, people["qa"]).get(link.group(1)).get_data(as_text=True)
    assert "First done" in listed and "Second done" in listed and "Still open" not in listed


def test_a_returned_action_shows_its_reason_at_the_top_and_in_the_lists(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"], description="Train the front door")
        actions.change_status(action.id, "done", user=people["compass"])
        action = db.session.get(Action, action.id)
        actions.change_status(action.id, "returned", reason="No attendance list", user=people["qa"])
    manager = signed_in(app, people["compass"])
    page = manager.get(f"/actions/{action.id}").get_data(as_text=True)
    top = page[:page.index("What must be done")]
    assert "Returned by QA Lead" in top and "No attendance list" in top
    for listing in ("/", "/actions/"):
        row = manager.get(listing).get_data(as_text=True).split(f'data-action-id="{action.id}"')[1].split("</tr>")[0]
        assert "No attendance list" in row
