"""An auditor's "My audits": their case audits and agency sections, each with where it stands."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from qa_app.extensions import db
from qa_app.models import (FINISHED, NOT_STARTED, Agency, CaseAudit, CaseAuditSection, CaseAuditStatus, Moderation,
                           ModerationOutcome, User)
from qa_app.models.base import utcnow


@dataclass
class Assignment:
    case_audit: CaseAudit
    part: str  # "Lead auditor" or the agency section's name
    due_date: date | None
    stage: str = "to_do"  # one of MY_AUDIT_STAGES
    status_label: str = "Not started"

    @property
    def overdue(self) -> bool:
        return self.stage in ("to_do", "in_progress", "returned") and self.due_date is not None \
            and self.due_date < utcnow().date()


# The filters of an auditor's "My audits", in the order they work through them.
MY_AUDIT_STAGES = {"to_do": "To do", "in_progress": "In progress", "returned": "Returned", "submitted": "Submitted"}


def _stage(work, returned: bool) -> tuple[str, str]:
    if work.status in NOT_STARTED:
        return "to_do", "Not started"
    if work.status == CaseAuditStatus.DRAFT:
        return ("returned", "Returned to you") if returned else ("in_progress", "In progress")
    if work.status == CaseAuditStatus.MODERATED:
        return "submitted", "Moderated"
    return "submitted", "Submitted"


def _returned_case_audits(ids) -> set[int]:
    """Case audits in draft whose latest moderation sent them back to their auditor."""
    latest = {}
    for row in db.session.scalars(select(Moderation).where(Moderation.case_audit_id.in_(ids))
                                  .order_by(Moderation.created_at, Moderation.id)):
        latest[row.case_audit_id] = row.outcome
    return {i for i, outcome in latest.items() if outcome == ModerationOutcome.RETURNED}


def my_assignments(user: User, stage: str | None = None) -> list[Assignment]:
    """The user's case audits and agency sections, each with where it stands, by due date
    (earliest first, so overdue work leads); `stage` keeps one of MY_AUDIT_STAGES only."""
    mine = CaseAuditStatus.ASSIGNED, CaseAuditStatus.DRAFT, CaseAuditStatus.UNASSIGNED, *FINISHED
    leads = db.session.scalars(select(CaseAudit).where(CaseAudit.lead_auditor_id == user.id,
                                                       CaseAudit.status.in_(mine))).all()
    sections = [s for s in db.session.scalars(select(CaseAuditSection).where(
        CaseAuditSection.auditor_id == user.id, CaseAuditSection.status.in_(mine))) if not s.case_audit.removed]
    returned = _returned_case_audits([c.id for c in leads])
    found = [Assignment(c, "Lead auditor", c.due_date, *_stage(c, c.id in returned)) for c in leads]
    found += [Assignment(s.case_audit, f"{Agency(s.agency).label} section", s.case_audit.due_date, *_stage(s, False))
              for s in sections]
    if stage in MY_AUDIT_STAGES:
        found = [a for a in found if a.stage == stage]
    far = date.max
    return sorted(found, key=lambda a: (a.due_date or far, a.case_audit.case_id, a.part))
