"""Rules a deliberate break once slipped past (issue 22), each tested as the rule, not as one
example: every POST route refuses a missing CSRF token, every case-level page records who read
which child, the action transition table as a whole, team actions worked only by the team's
managers, a stale progress note refused with 409, and the repeat-plans list's two-year filter.

The fixture `audited` (tests/test_actions.py) gives two submitted re-referral audits (children
C1 in team Compass and C2 in North), a lead auditor, team managers, a QA lead and partner
auditors."""
import re

import pytest
from sqlalchemy import func, select

from qa_app.extensions import db
from qa_app.models import (TRANSITIONS, Action, ActionStatus, ActionUpdate, AuditEvent, AuditEventChild,
                           CaseAudit, ImportBatch, Role)
from qa_app.services import actions, queries, safeguarding
from tests.case_data_helpers import PLAN_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token_from, make_user, post_form
from tests.test_actions import audited, raise_for, signed_in  # noqa: F401  (audited is a fixture)

ALL_ROLES = (Role.AUDITOR, Role.QA_LEAD, Role.TEAM_MANAGER, Role.ADMIN)


def _real_ids(app, audited):  # noqa: F811
    """A real id for every kind of path parameter a route takes, so a POST without a token
    would reach real rows if the token were not checked."""
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
        concern = safeguarding.raise_concern(cases["B1"], "Bruising seen on a visit", people["auditor"])
        batch_id = db.session.scalar(select(func.max(ImportBatch.id)))
        update_id = db.session.scalar(select(func.max(ActionUpdate.id)).filter_by(action_id=action.id))
        family = _family_feedback(cases["B1"], people["auditor"])
        # Issue 26: a calibration exercise (a case study, so no child is read through it).
        from qa_app.services import calibration
        exercise_id = calibration.create_case_study(title="Rules", questionnaire="re-referral-audit:1",
                                                    case_text="A case study.", user=people["qa"]).id
        query = queries.open_query(cases["B1"], "lead", "overall_grade", "Why Good?", None, people["qa"])  # issue 26
    return {**family, "exercise_id": exercise_id, "attachment_id": 1,
            "action_id": action.id, "case_audit_id": cases["B1"], "programme_id": programme_id,
            "batch_id": batch_id, "user_id": people["auditor"].id, "concern_id": concern.id,
            "update_id": update_id, "part": "lead", "kind": "overlapping-plans",
            "questionnaire_id": "re-referral-audit", "version": 1, "filename": "govuk/govuk-frontend.min.js",
            "query_id": query.id, "question_id": "overall_grade"}


def _family_feedback(case_audit_id, auditor) -> dict:
    """Issue 25: a family's letter and answer on the case, for the families' routes."""
    from datetime import date

    from qa_app.services.participation import families
    families.record_consent(case_audit_id, families.ConsentAnswers(True, "parent_carer", date(2026, 1, 5), "phone",
                                                                   True, ""), auditor)
    made = families.make_invitation(case_audit_id, "parent_carer", auditor)
    families.save_answers(made.invitation_id, {"understood_why": "yes", "listened": "yes", "things_better": "same",
                                               "anything_else": "Words"})
    return {"invitation_id": made.invitation_id, "feedback_id": families.submit(made.invitation_id).id,
            "token": made.token}


def _url(rule, ids) -> str:
    missing = set(rule.arguments) - set(ids)
    assert not missing, f"{rule.rule}: give the test a real value for {sorted(missing)}"
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids[m.group(1)]), rule.rule)


# --- CSRF: every POST route --------------------------------------------------------------

def test_every_post_route_without_a_csrf_token_is_refused_with_400(app, audited):  # noqa: F811
    ids = _real_ids(app, audited)
    with app.app_context():
        everyone = make_user(*ALL_ROLES)
    client = signed_in(app, everyone)
    anonymous = app.test_client()
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) > 30  # the walk sees the whole app, not a part of it
    with app.app_context():
        events_before = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action != "case_read"))
    for rule in posts:
        url = _url(rule, ids)
        for who, browser in (("signed in", client), ("signed out", anonymous)):
            response = browser.post(url, data={"note": "x", "to_status": "cancelled", "reason": "x",
                                               "email": everyone.email, "password": "x"})
            if who == "signed out" and response.status_code == 302:
                continue  # sent to sign in first; the signed-in post shows the token is checked
            assert response.status_code == 400, f"{who} POST {rule.rule} answered {response.status_code}"
            assert "Your form could not be sent" in response.get_data(as_text=True), rule.rule
        assert client.get("/").status_code == 200, f"POST {rule.rule} without a token signed the user out"
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action != "case_read")) \
            == events_before, "a POST without a token changed something"
        assert db.session.get(Action, ids["action_id"]).status == "open"


# --- read logging: every case-level page -------------------------------------------------

# Routes about one case that are downloads, not pages: each is recorded in the audit trail
# under its own event (action_evidence_downloaded), tested in tests/test_actions.py.
NOT_PAGES = {"actions.download_evidence"}


def _case_reads(app, child_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.id).join(AuditEventChild, AuditEventChild.event_id == AuditEvent.id)
            .where(AuditEvent.action == "case_read", AuditEventChild.child_id == child_id)).all()


def test_every_case_level_page_records_a_read_naming_the_cases_child(app, audited):  # noqa: F811
    ids = _real_ids(app, audited)
    programme_id, cases, people = audited
    readers = [signed_in(app, people["auditor"]), signed_in(app, people["qa"])]  # the lead auditor, a QA lead
    pages = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
             and {"case_audit_id", "action_id", "query_id"} & set(rule.arguments)]
    assert {rule.endpoint for rule in pages} >= {"audits.show", "audits.complete", "moderation.moderate",
                                                 "programmes.reassign", "actions.show_action"}
    for rule in pages:
        url = _url(rule, ids)
        before = _case_reads(app, "C1")
        answers = [reader.get(url).status_code for reader in readers]
        assert 200 in answers, f"nobody could open {url}: {answers}"
        after = _case_reads(app, "C1")
        assert len(after) == len(before) + answers.count(200), f"{rule.endpoint} ({url}) did not record its read"


# --- the action transition table, walked whole --------------------------------------------

S = ActionStatus
# Who may move an action from each state to each other, written out from the rules (DESIGN.md
# section 6 and docs): the team works and reports done; only a QA lead verifies, returns or
# cancels; closed and cancelled are final. Every pair not here is refused to everyone.
INTENDED = {
    (S.OPEN, S.IN_PROGRESS): "team", (S.OPEN, S.DONE): "team", (S.OPEN, S.CANCELLED): "qa",
    (S.IN_PROGRESS, S.DONE): "team", (S.IN_PROGRESS, S.CANCELLED): "qa",
    (S.RETURNED, S.IN_PROGRESS): "team", (S.RETURNED, S.DONE): "team", (S.RETURNED, S.CANCELLED): "qa",
    (S.DONE, S.CLOSED): "qa", (S.DONE, S.RETURNED): "qa", (S.DONE, S.CANCELLED): "qa",
}


def test_the_transition_table_is_the_intended_one(app):
    assert dict(TRANSITIONS) == INTENDED


def test_every_pair_of_states_is_allowed_or_refused_as_intended_for_each_kind_of_user(app, audited):  # noqa: F811
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
        movers = {"team": people["compass"], "qa": people["qa"]}
        for start in S:
            for target in S:
                for kind, user in movers.items():
                    db.session.get(Action, action.id).status = start.value
                    db.session.commit()
                    allowed = INTENDED.get((start, target)) == kind
                    try:
                        actions.change_status(action.id, target.value, reason="Because", user=user)
                        moved = True
                    except actions.ActionError:
                        moved = False
                    db.session.rollback()
                    now = db.session.get(Action, action.id).status
                    assert (moved, now) == (allowed, target.value if allowed else start.value), \
                        f"{kind} moving {start.value} -> {target.value}"
                    listed = target in actions.next_states(user, db.session.get(Action, action.id)) \
                        if not moved else None
                    assert listed in (None, False), f"{target.value} offered to {kind} from {start.value}"


# --- team actions: the team's managers, not any member --------------------------------------

def test_only_the_teams_managers_work_a_team_action_not_other_members_of_the_team(app, audited):  # noqa: F811
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])  # team Compass, no named owner
        member = people["compass_worker"]  # an auditor in team Compass, not its manager
        police_member = make_user(Role.AUDITOR, agency="police", teams=["Compass"])
        other_manager = people["north"]
        for user in (member, police_member, other_manager):
            assert not actions.can_work(user, db.session.get(Action, action.id)), user.display_name
            with pytest.raises(actions.ActionError):
                actions.record_progress(action.id, note="Done it", user=user)
            with pytest.raises(actions.ActionError):
                actions.change_status(action.id, "done", user=user)
        assert db.session.get(Action, action.id).status == "open"
        assert actions.can_work(people["compass"], db.session.get(Action, action.id))
    worker = signed_in(app, member)
    page = worker.get(f"/actions/{action.id}")
    refused = worker.post(f"/actions/{action.id}/progress", data={
        "csrf_token": csrf_token_from(worker.get("/change-password").get_data(as_text=True)),
        "version": "1", "note": "I did it"})
    assert page.status_code in (200, 404) and refused.status_code != 302
    manager = signed_in(app, people["compass"])
    assert post_form(manager, f"/actions/{action.id}/progress", {"version": "1", "note": "Booked"}).status_code == 302
    with app.app_context():
        notes = db.session.scalars(select(ActionUpdate.text).filter_by(action_id=action.id, kind="note")).all()
    assert notes == ["Booked"]


# --- a progress note from an out-of-date page ----------------------------------------------

def test_a_progress_note_from_an_out_of_date_page_is_refused_with_409_and_not_saved(app, audited):  # noqa: F811
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
    manager = signed_in(app, people["compass"])
    page = manager.get(f"/actions/{action.id}").get_data(as_text=True)
    with app.app_context():
        actions.record_progress(action.id, note="Someone else's note", version=1, user=people["compass"])
    stale = manager.post(f"/actions/{action.id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "1", "note": "My note from the old page"},
        content_type="multipart/form-data")
    assert stale.status_code == 409
    assert "Someone else changed this action" in stale.get_data(as_text=True)
    with app.app_context():
        notes = db.session.scalars(select(ActionUpdate.text).filter_by(action_id=action.id, kind="note")).all()
    assert notes == ["Someone else's note"]
    fresh = manager.post(f"/actions/{action.id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "2", "note": "My note, again"},
        content_type="multipart/form-data")
    assert fresh.status_code == 302


# --- the repeat-plans list: "within two years" ---------------------------------------------

def test_the_repeat_plans_list_within_two_years_leaves_out_every_other_repeat(app, client, login_as, tmp_path):
    """2014/15's plans: child W's earlier plan ended 24 months before to the day (within two
    years), B's 24 months and a day before (a repeat, beyond two years), O's is still open (an
    overlap: a repeat, not within), N has one plan (no repeat). Within two years lists W only."""
    with app.app_context():
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["W", "W1", "2011-01-01", "2012-09-01", "NEG", ""], ["W", "W2", "2014-09-01", "", "NEG", ""],
            ["B", "B1", "2011-01-01", "2012-08-31", "NEG", ""], ["B", "B2", "2014-09-01", "", "NEG", ""],
            ["O", "O1", "2014-01-01", "", "NEG", ""], ["O", "O2", "2014-10-01", "", "NEG", ""],
            ["N", "N1", "2014-06-01", "", "NEG", ""]]))
    login_as(Role.QA_LEAD)

    def children_listed(url):
        html = client.get(url).get_data(as_text=True)
        cells = re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">([^<]+)</td>', html)
        return sorted(set(cells) & {"W", "B", "O", "N"})  # the first cell of a plan's row: its child

    assert children_listed("/measures/repeat-plans?period=2014/15") == ["B", "O", "W"]
    assert children_listed("/measures/repeat-plans?period=2014/15&within=2y") == ["W"]


# --- the subject-access workbook: risky text keeps its quote prefix ---------------------------

def test_the_subject_access_workbook_keeps_the_quote_prefix_on_every_risky_text(app, audited, tmp_path):  # noqa: F811
    from openpyxl import load_workbook

    from audit_tools.workbooks.safe import is_risky
    from qa_app.services import subject_access
    programme_id, cases, people = audited
    hostile = ['=HYPERLINK("http://evil.example","click")', "+44 20 7946 0000", "@SUM(A1)", "-2 weeks late"]
    with app.app_context():
        audit = db.session.get(CaseAudit, cases["B1"])
        for number, text in enumerate(hostile):
            raise_for(programme_id, cases["B1"], people["qa"], description=text, finding=f"Finding {number}")
        admin = make_user(Role.ADMIN)
        subject_access.export(audit.child_id, tmp_path / "sar.xlsx", admin)
    workbook = load_workbook(tmp_path / "sar.xlsx")
    texts = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    risky = [cell for cell in texts if is_risky(cell.value)]
    assert set(hostile) <= {cell.value for cell in risky}
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in risky), \
        [cell.value for cell in risky if not cell.quotePrefix]
    assert not any(cell.quotePrefix for cell in texts if not is_risky(cell.value))
