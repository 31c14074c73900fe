"""Second security review, point 7: after retention the audit trail keeps the deleted
programme's events but not their free-text reasons (return, cancel, reopen): ids only, as
retention claims. The trail stays append-only for everything else: the database refuses any
other change to an event, and lets retention remove an event's free text once."""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import Action, AuditEvent, CaseAudit, Role
from qa_app.services import actions, retention
from qa_app.services.audit_trail import record_event
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user
from tests.test_retention import ROWS, closed_programme

RETURN_REASON = "Mother said the family moved to Anyshire after the assault"
CANCEL_REASON = "Child now placed with grandparents in Borsetshire"
REOPEN_REASON = "Auditor missed the police disclosure about the uncle"
KEPT_REASON = "Recent programme's reason, still within retention"


def _reasons_for(app, programme_id, qa, manager, words):
    """A returned then cancelled action, and a reopened case audit, each with its reason."""
    with app.app_context():
        action = db.session.scalars(select(Action).where(Action.programme_id == programme_id)).first()
        if action is not None:
            action = actions.change_status(action.id, "done", version=action.version, user=manager)
            action = actions.change_status(action.id, "returned", reason=words[0], version=action.version, user=qa)
            actions.change_status(action.id, "cancelled", reason=words[1], version=action.version, user=qa)
        case_audit_id = db.session.scalars(select(CaseAudit.id).where(CaseAudit.programme_id == programme_id)).first()
        with write_transaction():  # as moderation.reopen records it
            record_event("case_audit_reopened", actor=qa, object_type="case_audit", object_id=case_audit_id,
                         details={"part": "lead", "reason": words[2]})
        return case_audit_id


def _trail_text(app) -> str:
    with app.app_context():
        return " ".join(str(details) for details in db.session.scalars(select(AuditEvent.details)))


def test_retention_removes_the_free_text_reasons_of_deleted_programmes_and_keeps_their_events_ids(app, tmp_path):
    app.config["RETENTION_YEARS"] = 6
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, ROWS))
        auditor, qa = make_user(Role.AUDITOR), make_user(Role.QA_LEAD)
        manager = make_user(Role.TEAM_MANAGER, teams=["Compass"])
        old = closed_programme("Old", 7, auditor, action_by=(qa, manager))
        recent = closed_programme("Recent", 5, auditor)
    old_case = _reasons_for(app, old, qa, manager, (RETURN_REASON, CANCEL_REASON, REOPEN_REASON))
    _reasons_for(app, recent, qa, manager, (None, None, KEPT_REASON))
    with app.app_context():
        events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    for reason in (RETURN_REASON, CANCEL_REASON, REOPEN_REASON, KEPT_REASON):
        assert reason in _trail_text(app)

    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    # The three reasons, and the programme's name as typed when it was created.
    assert "Audit-trail events with free text removed: 4" in result.output

    trail = _trail_text(app)
    for reason in (RETURN_REASON, CANCEL_REASON, REOPEN_REASON):
        assert reason not in trail
    assert KEPT_REASON in trail
    with app.app_context():
        # Every event is still there (and one more saying what retention did), with its ids.
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before + 1
        reopened = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "case_audit_reopened", AuditEvent.object_id == str(old_case))).one()
        assert reopened.details == {"part": "lead", "removed_by_retention": ["reason"]}
        assert reopened.redacted_at is not None
        moves = [e.details for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "action_status_changed").order_by(AuditEvent.id))]
        assert [(m["before"], m["after"], m.get("removed_by_retention")) for m in moves] == [
            ("open", "in_progress", None), ("in_progress", "done", None), ("done", "returned", ["reason"]),
            ("returned", "cancelled", ["reason"])]
        created = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "programme_created", AuditEvent.object_id == str(old))).one()
        assert "name" not in created and created["frame"] == "re-referrals"


def test_the_trail_refuses_every_change_but_retentions_one_removal_of_free_text(app):
    with app.app_context():
        with write_transaction():
            event = record_event("case_audit_reopened", object_type="case_audit", object_id=1,
                                 details={"part": "lead", "reason": REOPEN_REASON})
            db.session.flush()
            event_id = event.id
    refused = [
        "UPDATE audit_event SET outcome = 'denied'",
        "UPDATE audit_event SET details = '{}'",  # free text removed without saying so
        "UPDATE audit_event SET details = '{}', redacted_at = CURRENT_TIMESTAMP, object_id = '2'",
        "UPDATE audit_event SET details = '{}', redacted_at = CURRENT_TIMESTAMP, action = 'login'",
        "DELETE FROM audit_event",
    ]
    for statement in refused:
        with app.app_context():
            with pytest.raises(DatabaseError, match="append-only"):
                with write_transaction():
                    db.session.execute(text(statement))
    with app.app_context():
        assert db.session.get(AuditEvent, event_id).details["reason"] == REOPEN_REASON
        with write_transaction():
            assert retention.redact_events([event_id]) == 1
        assert db.session.get(AuditEvent, event_id).details == {"part": "lead", "removed_by_retention": ["reason"]}
    with app.app_context():  # once: a redacted event is as fixed as any other
        with pytest.raises(DatabaseError, match="append-only"):
            with write_transaction():
                db.session.execute(text("UPDATE audit_event SET details = '{}', redacted_at = CURRENT_TIMESTAMP"))
