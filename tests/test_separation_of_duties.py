"""Separation of duties: nobody who did a piece of work checks it, whatever route they take;
reassigning finished work is refused; agency actions are worked only by their own agency; team
visibility of actions belongs to team managers and children's social care staff."""
from datetime import date, timedelta

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Action, AuditProgramme, CaseAudit, Role
from qa_app.services import actions, moderation, programmes, queries
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in, submit_case_audit

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}
SOON = date.today() + timedelta(days=20)


@pytest.fixture
def one_audit(app, tmp_path):
    """One re-referral audit in team North, assigned to a person holding every role."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        everything = make_user(*Role, teams=["North"], name="Holds Every Role")
        other_auditor = make_user(Role.AUDITOR, name="Other Auditor")
        other_lead = make_user(Role.QA_LEAD, name="Other QA Lead")
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [everything.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
    return {"programme": programme.id, "audit": audit.id, "everything": everything,
            "other_auditor": other_auditor, "other_lead": other_lead}


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def test_a_submitted_audit_cannot_be_reassigned_and_its_author_never_moderates_it(app, one_audit):
    me, audit_id = one_audit["everything"], one_audit["audit"]
    with app.app_context():
        audit = db.session.get(CaseAudit, audit_id)
        save_part(audit_id, LEAD, ANSWERS, audit.version, submit=True, user=me)
    client = signed_in(app, me)
    page = post_form(client, f"/programmes/case-audits/{audit_id}/assignment",
                     {"lead_auditor_id": str(one_audit["other_auditor"].id)}).get_data(as_text=True)
    assert "reopen it first" in page
    with app.app_context():
        assert db.session.get(CaseAudit, audit_id).lead_auditor_id == me.id
        # Reopened (logged) and given to someone else, who submits it: the first author still
        # wrote part of it, so may not moderate it.
        moderation.reopen(audit_id, LEAD, "Wrong auditor", one_audit["other_lead"])
        programmes.reassign(audit_id, lead_auditor_id=one_audit["other_auditor"].id, section_auditors={},
                            due_date=None, user=one_audit["other_lead"])
        audit = db.session.get(CaseAudit, audit_id)
        save_part(audit_id, LEAD, ANSWERS, audit.version, submit=True, user=one_audit["other_auditor"])
        audit = db.session.get(CaseAudit, audit_id)
        assert me.id in moderation.auditors_of(audit)
    refused = post_form(client, f"/moderation/{audit_id}", {"overall_grade": "Good", "outcome": "accepted"})
    assert moderation.OWN_WORK in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CaseAudit, audit_id).status == "submitted"
        assert moderation.agreement_for(db.session.get(AuditProgramme, one_audit["programme"])).overall.pairs == 0


def test_an_author_of_any_part_never_reopens_the_audit(app, one_audit):
    """Issue 19: who saved or submitted any part may not reopen it (nor moderate or return it),
    even after it was given to someone else."""
    me, audit_id = one_audit["everything"], one_audit["audit"]
    with app.app_context():
        audit = db.session.get(CaseAudit, audit_id)
        save_part(audit_id, LEAD, ANSWERS, audit.version, submit=True, user=me)
    page = post_form(signed_in(app, me), f"/moderation/{audit_id}/reopen",
                     {"part": "lead", "reason": "Reopening my own work"}).get_data(as_text=True)
    assert moderation.OWN_WORK_REOPEN in page and "Reopening my own work" in page
    with app.app_context():
        assert db.session.get(CaseAudit, audit_id).status == "submitted"
        with pytest.raises(moderation.ModerationError):
            moderation.reopen(audit_id, LEAD, "Again", me)
        moderation.reopen(audit_id, LEAD, "Wrong auditor", one_audit["other_lead"])
        assert db.session.get(CaseAudit, audit_id).status == "draft"


def test_who_saved_and_who_submitted_each_part_is_recorded(app, one_audit):
    me, audit_id = one_audit["everything"], one_audit["audit"]
    with app.app_context():
        audit = db.session.get(CaseAudit, audit_id)
        save_part(audit_id, LEAD, ANSWERS, audit.version, submit=False, user=me)
        audit = db.session.get(CaseAudit, audit_id)
        assert [(a.part, a.user_id, a.did) for a in audit.authors] == [(LEAD, me.id, "saved")]
        save_part(audit_id, LEAD, ANSWERS, audit.version, submit=True, user=me)
        audit = db.session.get(CaseAudit, audit_id)
        db.session.refresh(audit)
        assert sorted((a.part, a.user_id, a.did) for a in audit.authors) == [
            (LEAD, me.id, "saved"), (LEAD, me.id, "submitted")]


def _done_action(app, one_audit, worker):
    with app.app_context():
        action = actions.raise_action(one_audit["programme"], None, actions.NewAction(
            "Train the front door", "Threshold not applied", SOON, team="North"), one_audit["other_lead"])
        actions.record_progress(action.id, note="Training booked", user=worker)
        actions.change_status(action.id, "done", user=worker)
    return action.id


@pytest.mark.parametrize("to_status", ["closed", "returned"])
def test_whoever_worked_an_action_never_verifies_or_returns_it(app, one_audit, to_status):
    me = one_audit["everything"]
    action_id = _done_action(app, one_audit, me)
    client = signed_in(app, me)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Verify and close it" not in page
    post_form(client, f"/actions/{action_id}/status", {"version": "4", "to_status": to_status,
                                                        "reason": "Not enough"})
    with app.app_context():
        assert db.session.get(Action, action_id).status == "done"
        with pytest.raises(actions.ActionError):
            actions.change_status(action_id, to_status, reason="Not enough", user=me)
        actions.change_status(action_id, to_status, reason="Not enough", user=one_audit["other_lead"])
        assert db.session.get(Action, action_id).status == to_status


def test_an_agency_action_is_worked_only_by_its_own_agency(app, one_audit):
    with app.app_context():
        police = make_user(Role.AUDITOR, agency="police")
        health = make_user(Role.AUDITOR, agency="health")
        action = actions.raise_action(one_audit["programme"], None, actions.NewAction(
            "Share the log", "Police checks late", SOON, agency="police"), one_audit["other_lead"])
        everything = one_audit["everything"]  # a QA lead and a children's social care auditor
        for outsider in (everything, health):
            assert not actions.can_work(outsider, action)
            with pytest.raises(actions.ActionError):
                actions.record_progress(action.id, note="Not mine", user=outsider)
        assert actions.can_work(police, action)
        actions.record_progress(action.id, note="Log shared", user=police)


def test_a_partner_auditor_in_a_team_does_not_see_that_teams_actions(app, one_audit):
    with app.app_context():
        police_in_north = make_user(Role.AUDITOR, agency="police", teams=["North"])
        csc_worker_in_north = make_user(Role.AUDITOR, teams=["North"])
        action = actions.raise_action(one_audit["programme"], None, actions.NewAction(
            "North team work", "Threshold not applied", SOON, team="North"), one_audit["other_lead"])
    police = signed_in(app, police_in_north)
    assert police.get(f"/actions/{action.id}").status_code == 404
    assert "North team work" not in police.get("/actions/").get_data(as_text=True)
    worker = signed_in(app, csc_worker_in_north)
    assert worker.get(f"/actions/{action.id}").status_code == 200


# Every POST route of the areas where audits are graded, moderated and actions worked, by what it
# does: "work" (doing the audit or the action), "check" (moderating an audit, verifying or
# returning an action), or "other". A new route there fails the test below until it is placed.
ROUTE_KINDS = {
    "audits.complete": "work", "audits.raise_concern": "other",
    # Reopening sends an audit back and undoes its moderation: a check, walked below (issue 19).
    "moderation.moderate": "check", "moderation.reopen": "check", "moderation.acknowledge": "other",
    "actions.raise_action": "other", "actions.record_progress": "work", "actions.change_status": "work and check",
    "programmes.reassign": "other", "programmes.assign": "other",
    # Queries on a question (issue 26): opening and closing one is part of the check; writing to
    # one is the author's answer (work) or the moderator's reply (check).
    "queries.open_query": "check", "queries.close": "check", "queries.write": "work and check",
    "audits.check_answers": "work",  # issue 24: submitting from check your answers
}


def test_every_route_that_grades_moderates_or_moves_an_action_is_placed(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods
             and rule.endpoint.split(".")[0] in ("audits", "moderation", "actions", "queries")}
    found |= {"programmes.reassign", "programmes.assign"}
    assert found == set(ROUTE_KINDS), "place each new route in ROUTE_KINDS and in the walk below"


@pytest.mark.parametrize("roles", [(role,) for role in Role] + [tuple(Role)],
                         ids=[role.value for role in Role] + ["every role"])
def test_nobody_both_does_a_piece_of_work_and_checks_it(app, tmp_path, roles):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        person = make_user(*roles, teams=["North"])
        auditor = make_user(Role.AUDITOR)
        manager = make_user(Role.TEAM_MANAGER, teams=["North"])
        qa = make_user(Role.QA_LEAD)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        lead = person if person.has_role(Role.AUDITOR) else auditor
        programmes.assign_round_robin(programme.id, [lead.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        action = actions.raise_action(programme.id, None, actions.NewAction(
            "North team work", "Threshold not applied", SOON, team="North"), qa)
    client = signed_in(app, person)
    # The work, through the routes, by the person wherever their roles let them.
    worker = client if lead is person else signed_in(app, auditor)
    assert submit_case_audit(worker, f"/audits/{audit.id}/lead", ANSWERS).status_code == 302
    with app.app_context():
        action_worker = person if actions.can_work(person, db.session.get(Action, action.id)) else manager
    working = client if action_worker is person else signed_in(app, action_worker)
    post_form(working, f"/actions/{action.id}/progress", {"version": "1", "note": "Training booked"})
    post_form(working, f"/actions/{action.id}/status", {"version": "2", "to_status": "done"})
    # The checks, through the routes, by the same person: a query on an answer, opened and closed
    # (issue 26), then the moderation.
    post_form(client, f"/queries/new/{audit.id}/lead/overall_grade", {"note": "Why Good?"})
    with app.app_context():
        opened = [q.id for q in queries.queries_on(db.session.get(CaseAudit, audit.id))]
    for query_id in opened:
        post_form(client, f"/queries/{query_id}/close", {})
    post_form(client, f"/moderation/{audit.id}", {"overall_grade": "Good", "outcome": "accepted"})
    post_form(client, f"/actions/{action.id}/status", {"version": "3", "to_status": "closed"})
    with app.app_context():
        audit = db.session.get(CaseAudit, audit.id)
        action = db.session.get(Action, action.id)
        assert action.status in ("done", "closed"), "the work was not done, so the walk proves nothing"
        assert audit.status in ("submitted", "moderated")
        if audit.status == "moderated":
            [check] = moderation.moderations_of(audit)
            assert check.moderator_id not in moderation.auditors_of(audit)
            assert person.has_role(Role.QA_LEAD) and lead is not person
        for query in queries.queries_on(audit):
            assert {query.opened_by_id, query.closed_by_id} - {None} <= {qa.id, person.id} - moderation.auditors_of(audit)
        assert bool(queries.queries_on(audit)) == (Role.QA_LEAD in roles and roles != tuple(Role))
        closers = {u.user_id for u in action.updates if u.to_status == "closed"}
        assert not closers & {u.user_id for u in action.updates if u.kind in ("note", "evidence")
                              or u.to_status in ("in_progress", "done")}
        if roles == tuple(Role):
            assert audit.status == "submitted" and action.status == "done"
        elif Role.QA_LEAD in roles:
            assert audit.status == "moderated" and action.status == "closed"  # an independent check
        before, authors = audit.status, moderation.auditors_of(audit)
    # Reopening is a check too: whoever wrote any part of the audit never reopens it.
    post_form(client, f"/moderation/{audit.id}/reopen", {"part": "lead", "reason": "Look again"})
    with app.app_context():
        after = db.session.get(CaseAudit, audit.id)
        if person.id in authors:
            assert after.status == before, "an author reopened their own audit"
        elif person.has_role(Role.QA_LEAD):
            assert after.status == "draft"  # an independent QA lead may reopen it
