"""Retention: a closed programme's records are kept RETENTION_YEARS after it closes, then deleted,
unless an admin has placed a legal hold on it.

What is deleted is found from the schema: the programme and every row that refers to it, to
its case audits, or to their rows in turn (samples, sample changes, case audits, agency
sections, moderation, safeguarding concerns, actions and their updates with their evidence
files, and whatever later releases hang off them). The audit trail keeps its events (ids, never case content) and gains
one saying what was deleted; the deleted programme's events lose their free text (the reasons
given for returning, cancelling or reopening, a hold's reason), keeping their ids and codes, in
the one change to an event that the database allows (redact_events, migration 0022). Import reports (which quote values from the files) finished before
the same cut-off are cleared; their counts stay.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import Table, delete, select, update

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (Action, ActionUpdate, AuditEvent, AuditProgramme, CaseAudit, ImportBatch,
                           LegalHold, ProgrammeStatus, SafeguardingConcern)
from qa_app.models.base import utcnow
from qa_app.services.actions import evidence_dir
from qa_app.services.audit_trail import record_event


class RetentionError(ValueError):
    """A legal hold could not be placed or released (shown to the admin)."""


@dataclass
class ProgrammeDue:
    programme_id: int
    name: str
    closed_at: datetime
    hold: str | None = None  # the hold's reason, when held
    rows: dict = field(default_factory=dict)  # table -> rows deleted (or that would be)


@dataclass
class RetentionReport:
    years: int
    cutoff: datetime
    programmes: list[ProgrammeDue]
    import_reports: int
    applied: bool
    events_redacted: int = 0

    def lines(self) -> list[str]:
        verb = "deleted" if self.applied else "to delete"
        lines = [f"Retention: {self.years} years after a programme closes (RETENTION_YEARS). "
                 f"Cut-off: closed before {self.cutoff:%Y-%m-%d}."]
        due = [p for p in self.programmes if p.hold is None]
        held = [p for p in self.programmes if p.hold is not None]
        lines.append(f"Programmes {verb}: {len(due)}")
        for p in due:
            rows = ", ".join(f"{table} {count}" for table, count in sorted(p.rows.items()) if count)
            lines.append(f"  #{p.programme_id} {p.name} (closed {p.closed_at:%Y-%m-%d}): {rows}")
        lines.append(f"Programmes kept under a legal hold: {len(held)}")
        lines += [f"  #{p.programme_id} {p.name} (closed {p.closed_at:%Y-%m-%d}): {p.hold}" for p in held]
        lines.append(f"Import reports {'cleared' if self.applied else 'to clear'}: {self.import_reports}")
        lines.append(f"Audit-trail events with free text {'removed' if self.applied else 'to remove'}: "
                     f"{self.events_redacted}")
        if not self.applied:
            lines.append("Dry run: nothing was changed.")
        return lines


def cutoff_for(years: int, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def run(*, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    """Delete (or, dry run, count) what is past retention. Each programme is its own transaction."""
    years = current_app.config["RETENTION_YEARS"]
    cutoff = cutoff_for(years, now)
    candidates = db.session.execute(
        select(AuditProgramme.id, AuditProgramme.name, AuditProgramme.closed_at, LegalHold.reason)
        .outerjoin(LegalHold, LegalHold.programme_id == AuditProgramme.id)
        .where(AuditProgramme.status == ProgrammeStatus.CLOSED.value,
               AuditProgramme.closed_at.is_not(None), AuditProgramme.closed_at < cutoff)
        .order_by(AuditProgramme.closed_at, AuditProgramme.id)).all()
    db.session.rollback()
    programmes, events_redacted = [], 0
    for programme_id, name, closed_at, hold in candidates:
        due = ProgrammeDue(programme_id, name, closed_at, hold)
        programmes.append(due)
        if hold is not None:
            continue
        evidence = db.session.scalars(select(ActionUpdate.stored_name).join(Action).where(
            Action.programme_id == programme_id, ActionUpdate.stored_name.is_not(None))).all()
        with write_transaction() as session:
            redacted = redact_events(_events_of(programme_id))
            events_redacted += redacted
            due.rows = _delete_tree(AuditProgramme.__table__,
                                    select(AuditProgramme.id).where(AuditProgramme.id == programme_id))
            if dry_run:
                session.rollback()  # the counts are exact: the same deletes, undone
            else:
                due.rows["evidence files"] = len(evidence)
                record_event("retention_applied", object_type="audit_programme", object_id=programme_id,
                             details={"closed_at": closed_at.isoformat(), "years": years, "rows": due.rows,
                                      "events_redacted": redacted})
        if not dry_run:
            for stored_name in evidence:  # after the commit: a failed delete keeps the files
                (evidence_dir() / stored_name).unlink(missing_ok=True)
    with write_transaction() as session:
        cleared = _clear_import_reports(cutoff)
        if dry_run:
            session.rollback()
    return RetentionReport(years, cutoff, programmes, cleared, applied=not dry_run, events_redacted=events_redacted)


# Keys under which events keep what someone typed (a reason for returning, cancelling or
# reopening, a hold's reason, a programme's name or theme, a change's before and after): the
# whole value goes. Everything else in details is ids, counts, dates and codes, and stays. An
# event that records new free text puts it under one of these keys (docs/decisions.md).
FREE_TEXT_KEYS = frozenset({"reason", "name", "theme", "changes", "comment", "note", "text",
                            "description", "finding", "details", "problem"})
REDACTION_KEY = "removed_by_retention"


def _events_of(programme_id: int) -> list[int]:
    """The audit-trail events about the programme, its case audits, actions and concerns."""
    case_audits = select(CaseAudit.id).where(CaseAudit.programme_id == programme_id)
    objects = {
        "audit_programme": [programme_id],
        "case_audit": db.session.scalars(case_audits).all(),
        "action": db.session.scalars(select(Action.id).where(Action.programme_id == programme_id)).all(),
        "safeguarding_concern": db.session.scalars(select(SafeguardingConcern.id).where(
            SafeguardingConcern.case_audit_id.in_(case_audits))).all(),
    }
    found = []
    for object_type, ids in objects.items():
        wanted = [str(object_id) for object_id in ids]
        for start in range(0, len(wanted), 500):  # within any database's limit on parameters
            found += db.session.scalars(select(AuditEvent.id).where(
                AuditEvent.object_type == object_type, AuditEvent.object_id.in_(wanted[start:start + 500]),
                AuditEvent.redacted_at.is_(None))).all()
    return found


def redact_events(event_ids) -> int:
    """Remove the free text from these events' details, keeping ids, numbers and codes, with
    the names of what was removed; in the caller's write transaction. Events with no free text
    are left alone. Returns how many changed."""
    changed, now = 0, utcnow()
    event_ids = list(event_ids)
    for start in range(0, len(event_ids), 500):
        rows = db.session.execute(select(AuditEvent.id, AuditEvent.details).where(
            AuditEvent.id.in_(event_ids[start:start + 500]), AuditEvent.redacted_at.is_(None))).all()
        for event_id, details in rows:
            kept, removed = _without_free_text(details or {})
            if removed:
                kept[REDACTION_KEY] = removed
                db.session.execute(update(AuditEvent).where(AuditEvent.id == event_id)
                                   .values(details=kept, redacted_at=now))
                changed += 1
    return changed


def _without_free_text(details: dict) -> tuple[dict, list[str]]:
    removed = sorted(key for key, value in details.items() if key in FREE_TEXT_KEYS and value not in (None, ""))
    return {key: value for key, value in details.items() if key not in removed}, removed


def _clear_import_reports(cutoff: datetime) -> int:
    ids = [batch_id for batch_id, errors, warnings in db.session.execute(
        select(ImportBatch.id, ImportBatch.errors, ImportBatch.warnings)
        .where(ImportBatch.finished_at < cutoff)) if errors or warnings]
    if ids:
        db.session.execute(update(ImportBatch).where(ImportBatch.id.in_(ids))
                           .values(errors=[], warnings=[]))
    return len(ids)


def _delete_tree(table: Table, doomed) -> dict[str, int]:
    """Delete the rows of `table` whose primary key is in the `doomed` select, after deleting,
    depth first, every row of any table that refers to them."""
    counts: dict[str, int] = {}
    (key,) = table.primary_key.columns
    for child in db.metadata.sorted_tables:
        if child is table:
            continue
        for foreign_key in child.foreign_keys:
            if foreign_key.column.table is not table:
                continue
            referring = foreign_key.parent.in_(select(foreign_key.column).where(key.in_(doomed)))
            child_keys = list(child.primary_key.columns)
            if len(child_keys) == 1:
                found = _delete_tree(child, select(child_keys[0]).where(referring))
            else:  # an association table: nothing refers to it
                found = {child.name: db.session.execute(delete(child).where(referring)).rowcount}
            for name, count in found.items():
                counts[name] = counts.get(name, 0) + count
    counts[table.name] = counts.get(table.name, 0) + db.session.execute(
        delete(table).where(key.in_(doomed))).rowcount
    return counts


# -- legal holds ----------------------------------------------------------------------------

def programmes_by_name() -> list[AuditProgramme]:
    """Every programme, for choosing one to hold."""
    return db.session.scalars(select(AuditProgramme).order_by(AuditProgramme.name)).all()


def holds() -> dict[int, LegalHold]:
    return {hold.programme_id: hold for hold in db.session.scalars(select(LegalHold))}


def place_hold(programme_id: int, reason: str, user) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise RetentionError("Enter the reason for the hold, such as the case or inquiry it is for")
    with write_transaction():
        if db.session.get(AuditProgramme, programme_id) is None:
            raise RetentionError("There is no such programme")
        if db.session.scalar(select(LegalHold).where(LegalHold.programme_id == programme_id)):
            raise RetentionError("This programme is already under a legal hold")
        hold = LegalHold(programme_id=programme_id, reason=reason[:500], placed_by_id=user.id)
        db.session.add(hold)
        record_event("legal_hold_placed", actor=user, object_type="audit_programme",
                     object_id=programme_id, details={"reason": reason[:500]})
    return hold


def release_hold(programme_id: int, user) -> None:
    with write_transaction():
        hold = db.session.scalar(select(LegalHold).where(LegalHold.programme_id == programme_id))
        if hold is None:
            raise RetentionError("This programme is not under a legal hold")
        record_event("legal_hold_released", actor=user, object_type="audit_programme",
                     object_id=programme_id, details={"reason": hold.reason})
        db.session.delete(hold)
