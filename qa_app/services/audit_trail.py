"""The audit trail: declared events with fixed fields.

record_event() adds the event to the current unit of work, so the event is committed with the
change it describes, or not at all.
"""
import unicodedata
from datetime import date, datetime, time

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from qa_app.extensions import db
from qa_app.models import AuditEvent

# Every action the trail may hold; a typo in a caller fails loudly rather than writing an
# event nobody can filter for.
ACTIONS = {
    "login": "Sign in",
    "logout": "Sign out",
    "account_locked": "Account locked",
    "access_denied": "Access denied",
    "session_expired": "Session expired",
    "password_changed": "Password changed",
    "user_created": "User created",
    "user_updated": "User updated",
    "team_added": "Team added",  # issue 19: teams are chosen from a list; a new one is added on purpose
    "user_disabled": "User disabled",
    "user_enabled": "User enabled",
    "one_time_password_set": "One-time password set",
    "second_factor_enrolled": "Second factor set up",
    "second_factor_reset": "Second factor reset by an admin",
    "recovery_code_used": "Recovery code used to sign in",
    "import_uploaded": "Case data file uploaded",
    "import_succeeded": "Case data imported",
    "import_failed": "Case data import refused",
    "population_set": "Child population set",
    "benchmarks_imported": "Benchmarks imported",
    "programme_created": "Audit programme created",
    "sample_drawn": "Sample drawn",
    "sample_draw_refused": "Sample draw refused",
    "sample_checked": "Sample checked",
    "sample_case_added": "Case added to sample",
    "sample_case_removed": "Case removed from sample",
    "case_audits_assigned": "Case audits assigned",
    "case_audit_reassigned": "Case audit reassigned",
    "case_audit_saved": "Case audit saved",
    "case_audit_submitted": "Case audit submitted",
    "case_audit_save_conflict": "Case audit save refused: changed by someone else",
    "case_audit_moderated": "Case audit moderated and accepted",
    "case_audit_returned": "Case audit returned to the auditor",
    "case_audit_reopened": "Case audit reopened",
    "safeguarding_concern_raised": "Immediate safeguarding concern raised",
    "safeguarding_concern_acknowledged": "Safeguarding concern acknowledged",
    "safeguarding_email_failed": "Safeguarding concern email could not be sent",
    "questionnaire_uploaded": "Questionnaire version uploaded",
    "moderation_policy_changed": "Moderation policy changed",
    "questionnaire_refused": "Questionnaire upload refused",
    "programme_closed": "Audit programme closed",
    "action_raised": "Action raised",
    "action_progress_recorded": "Action progress or evidence recorded",
    "action_status_changed": "Action status changed",
    "action_evidence_downloaded": "Action evidence downloaded",
    "action_reminders_sent": "Action reminders sent",
    "action_reminder_failed": "Action reminder could not be sent",
    "findings_exported": "Findings workbook exported",
    "board_pack_exported": "Board pack exported",
    "target_set": "Measure target set",
    "partnership_name_set": "Partnership name set",
    "case_read": "Case record read",
    "retention_applied": "Records past retention deleted",
    "legal_hold_placed": "Legal hold placed on a programme",
    "legal_hold_released": "Legal hold released",
    "subject_access_export": "Subject access export made",
    # Families' feedback (issue 25).
    "family_consent_recorded": "Family asked for feedback (or why not) recorded",
    "family_invitation_made": "Family feedback invitation made",
    "family_invitation_withdrawn": "Family feedback invitation withdrawn",
    "family_feedback_saved": "Family feedback saved by the family",
    "family_feedback_submitted": "Family feedback sent by the family",
    "family_feedback_reviewed": "Family feedback reviewed",
    # Practitioners taking part in the audit of their case (issue 25).
    "practitioners_take_part_set": "How practitioners take part in a programme set",
    "practitioner_invited": "Practitioner named for a case audit",
    "practitioner_review_shared": "Lead part shared with the practitioner",
    "practitioner_email_failed": "Practitioner invitation email could not be sent",
    "practitioner_reflection_recorded": "Practitioner's reflection recorded",
    "practitioner_usefulness_rated": "Practitioner rated how useful the audit was",
    "practitioner_learning_recorded": "Agreed learning recorded",
    "practitioner_learning_signed_off": "Agreed learning signed off",
    "practitioner_learning_added_to": "Signed-off learning added to",
    # Issue 26: calibration exercises
    "calibration_exercise_created": "Calibration exercise created",
    "calibration_exercise_edited": "Calibration case or reference answers edited",
    "calibration_invited": "Auditors invited to a calibration exercise",
    "calibration_answered": "Calibration answers saved or submitted",
    "calibration_closed": "Calibration exercise closed",
    "calibration_exported": "Calibration report exported",
    "calibration_attachment_downloaded": "Calibration case attachment downloaded",
    # Queries on a question (issue 26)
    "answer_query_opened": "Query opened on an audit answer",
    "answer_query_answered": "Query on an audit answer answered by its author",
    "answer_query_replied": "Moderator added to a query on an audit answer",
    "answer_query_closed": "Query on an audit answer closed",
    "answer_query_email_failed": "Query email could not be sent",
}

OUTCOMES = ("success", "failure", "denied")


def events_page(number: int, per_page: int = 50, *, action: str | None = None, outcome: str | None = None,
                user_email: str | None = None, date_from: date | None = None, date_to: date | None = None):
    """One page of the trail, newest first, narrowed by whichever filters are given (the email
    by any part of it, the dates inclusive)."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.filter(AuditEvent.action == action)
    if outcome:
        query = query.filter(AuditEvent.outcome == outcome)
    if user_email:
        query = query.filter(AuditEvent.user_email.contains(unicodedata.normalize("NFKC", user_email).strip().lower(), autoescape=True))
    if date_from:
        query = query.filter(AuditEvent.occurred_at >= datetime.combine(date_from, time.min))
    if date_to:
        query = query.filter(AuditEvent.occurred_at <= datetime.combine(date_to, time.max))
    return db.paginate(query, page=number, per_page=per_page, error_out=False)


def _request_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record_event(action, *, outcome="success", object_type=None, object_id=None,
                 details=None, actor=None) -> AuditEvent:
    event = build_event(action, outcome=outcome, object_type=object_type, object_id=object_id,
                        details=details, actor=actor)
    db.session.add(event)
    return event


def build_event(action, *, outcome="success", object_type=None, object_id=None,
                details=None, actor=None) -> AuditEvent:
    """The event, not yet added to any unit of work."""
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit-trail action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"Unknown outcome {outcome!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        user_email=actor.email if actor is not None else None,
        role=" ".join(sorted(r.value for r in actor.roles)) if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip_address=_request_ip(),
        outcome=outcome,
        details=details or {},
    )
    return event
