"""Subject access: every record the app holds about one child, as a workbook, logged.

One sheet per kind of record, every column as stored (answers as JSON text). Samples are not
exported row by row: a sample lists many children's cases; the child's own case audits show
which of their cases were sampled. The export is written with audit_tools.safe_workbook, so no
text in it can run as a formula.
"""
import json
import os
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select

from audit_tools.safe_workbook import write_workbook
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (Action, ActionUpdate, AnswerQuery, AnswerQueryMessage, AuditEvent, CaseAudit,
                           CaseAuditSection, Child, CPPlan, Moderation, Referral, SafeguardingConcern, SampleChange)
from qa_app.models.families import FamilyConsent, FamilyFeedback
from qa_app.services.audit_trail import record_event
from qa_app.services.case_reads import record_case_read


class SubjectAccessError(ValueError):
    """The export could not be written (shown to the person running it)."""


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        return value
    return str(value)


def _sheet(title, model, condition):
    columns = list(model.__table__.columns)
    rows = db.session.execute(select(*columns).where(condition).order_by(*model.__table__.primary_key.columns))
    return title, [c.name for c in columns], [[_cell(v) for v in row] for row in rows]


def _answers(audit_ids):
    """Every answer on its own row, as the auditor typed it, so it reads without JSON."""
    rows = []
    for audit_id, answers in db.session.execute(
            select(CaseAudit.id, CaseAudit.answers).where(CaseAudit.id.in_(audit_ids)).order_by(CaseAudit.id)):
        rows += [[audit_id, "lead", question, _cell(answer)] for question, answer in sorted((answers or {}).items())]
    for audit_id, agency, answers in db.session.execute(
            select(CaseAuditSection.case_audit_id, CaseAuditSection.agency, CaseAuditSection.answers)
            .where(CaseAuditSection.case_audit_id.in_(audit_ids)).order_by(CaseAuditSection.id)):
        rows += [[audit_id, agency, question, _cell(answer)] for question, answer in sorted((answers or {}).items())]
    return "Answers", ["case_audit_id", "part", "question_id", "answer"], rows


def collect(child_id: str) -> list[tuple[str, list, list]]:
    referral_ids = select(Referral.referral_id).where(Referral.child_id == child_id)
    plan_ids = select(CPPlan.plan_id).where(CPPlan.child_id == child_id)
    audit_ids = select(CaseAudit.id).where(CaseAudit.child_id == child_id)
    action_ids = select(Action.id).where(Action.case_audit_id.in_(audit_ids))
    query_ids = select(AnswerQuery.id).where(AnswerQuery.case_audit_id.in_(audit_ids))  # issue 26
    ids_as_text = lambda query: [str(i) for i in db.session.scalars(query)]  # noqa: E731
    events = or_(
        (AuditEvent.object_type == "child") & (AuditEvent.object_id == child_id),
        (AuditEvent.object_type == "case_audit") & AuditEvent.object_id.in_(ids_as_text(audit_ids)),
        (AuditEvent.object_type == "action") & AuditEvent.object_id.in_(ids_as_text(action_ids)),
        (AuditEvent.object_type == "answer_query") & AuditEvent.object_id.in_(ids_as_text(query_ids)))
    return [
        _sheet("Child", Child, Child.child_id == child_id),
        _sheet("Referrals", Referral, Referral.child_id == child_id),
        _sheet("CP plans", CPPlan, CPPlan.child_id == child_id),
        _sheet("Case audits", CaseAudit, CaseAudit.child_id == child_id),
        _answers(audit_ids),
        _sheet("Agency sections", CaseAuditSection, CaseAuditSection.case_audit_id.in_(audit_ids)),
        _sheet("Moderation", Moderation, Moderation.case_audit_id.in_(audit_ids)),
        _sheet("Safeguarding concerns", SafeguardingConcern, SafeguardingConcern.case_audit_id.in_(audit_ids)),
        _sheet("Actions", Action, Action.case_audit_id.in_(audit_ids)),
        _sheet("Action updates", ActionUpdate, ActionUpdate.action_id.in_(action_ids)),
        _sheet("Queries on answers", AnswerQuery, AnswerQuery.id.in_(query_ids)),
        _sheet("Query messages", AnswerQueryMessage, AnswerQueryMessage.query_id.in_(query_ids)),
        _sheet("Sample changes", SampleChange,
               SampleChange.case_id.in_(referral_ids) | SampleChange.case_id.in_(plan_ids)),
        _sheet("Audit trail", AuditEvent, events),
        # Issue 25: whether the family was asked for feedback, and what they sent.
        _sheet("Family consent", FamilyConsent, FamilyConsent.case_audit_id.in_(audit_ids)),
        _sheet("Family feedback", FamilyFeedback, FamilyFeedback.case_audit_id.in_(audit_ids)),
    ]


def export(child_id: str, path, user) -> dict[str, int]:
    """Write the workbook to a new file and record the export. Returns rows per sheet."""
    child_id = (child_id or "").strip()
    if not child_id:
        raise SubjectAccessError("Give the child's id as the council's system holds it")
    path = Path(path)
    if path.exists():
        raise SubjectAccessError(f"{path} already exists: give a new file name")
    if not path.parent.is_dir():
        raise SubjectAccessError(f"{path.parent}: no such folder")
    sheets = collect(child_id)
    db.session.rollback()
    partial = path.with_name(path.name + ".partial")
    write_workbook(partial, sheets)
    os.chmod(partial, 0o600)  # a child's records
    counts = {title: len(rows) for title, _, rows in sheets}
    with write_transaction():
        record_event("subject_access_export", actor=user, object_type="child", object_id=child_id,
                     details={"rows": counts})
        record_case_read("subject access export", child_ids=[child_id], actor=user)
    os.replace(partial, path)
    return counts
