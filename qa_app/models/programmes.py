"""Audit programmes, their samples, and the case audits each sampled case becomes."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.user import User


class ProgrammeStatus(enum.StrEnum):
    DRAFT = "draft"
    SAMPLING = "sampling"
    IN_AUDIT = "in_audit"
    MODERATION = "moderation"
    REPORTED = "reported"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AuditProgramme(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    theme: Mapped[str] = mapped_column(String(200))
    questionnaire_id: Mapped[str] = mapped_column(String(60))
    questionnaire_version: Mapped[int]  # kept for the programme's life, whatever is added later
    questionnaire_title: Mapped[str] = mapped_column(String(200), default="")
    frame_kind: Mapped[str] = mapped_column(String(40))  # audit_tools.sampling.FRAMES
    period_label: Mapped[str] = mapped_column(String(60))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # team, decision, source, category
    previous_decisions: Mapped[list] = mapped_column(JSON, default=list)
    agencies: Mapped[list] = mapped_column(JSON, default=list)  # Agency values with a section each
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ProgrammeStatus.DRAFT.value)
    # What goes to the moderation queue: {"inadequate": bool, "flagged": bool,
    # "new_auditor_first": n, "random_percent": p, "seed": s}. See services.moderation.
    moderation_policy: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]  # findings agreed; auditors may then read them

    sample: Mapped["Sample | None"] = relationship(back_populates="programme", uselist=False)
    case_audits: Mapped[list["CaseAudit"]] = relationship(back_populates="programme",
                                                          order_by="CaseAudit.id")

    @property
    def status_label(self) -> str:
        return ProgrammeStatus(self.status).label

    @property
    def questionnaire_label(self) -> str:
        return f"{self.questionnaire_title or self.questionnaire_id}, version {self.questionnaire_version}"


class Sample(db.Model):
    """One draw for a programme, with everything needed to draw it again and check it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a second tab drawing for the same programme at once fails here, not silently.
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))  # census, random, stratified
    requested_size: Mapped[int | None]
    requested_percent: Mapped[float | None]
    stratify_by: Mapped[str | None] = mapped_column(String(40))
    minimum_per_stratum: Mapped[int] = mapped_column(default=0)
    exclude_audited_months: Mapped[int] = mapped_column(default=12)
    seed: Mapped[int]
    algorithm_version: Mapped[str] = mapped_column(String(40))
    frame_definition: Mapped[dict] = mapped_column(JSON)
    frame_size: Mapped[int]  # eligible cases after exclusions
    frame_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the sorted eligible ids
    frame_ids: Mapped[list] = mapped_column(JSON)  # snapshot of the eligible ids, sorted
    excluded: Mapped[dict] = mapped_column(JSON, default=dict)  # {"case ids": [...], "children": n}
    drawn_ids: Mapped[list] = mapped_column(JSON)  # in the order drawn
    allocation: Mapped[dict] = mapped_column(JSON, default=dict)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[AuditProgramme] = relationship(back_populates="sample")
    changes: Mapped[list["SampleChange"]] = relationship(order_by="SampleChange.id")
    drawn_by: Mapped[User | None] = relationship()


class SampleChange(db.Model):
    """A case added to or removed from a sample by hand, with the reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id"))
    case_id: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(10))  # "added" or "removed"
    reason: Mapped[str] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class CaseAuditStatus(enum.StrEnum):
    UNASSIGNED = "unassigned"
    ASSIGNED = "assigned"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MODERATED = "moderated"
    REMOVED = "removed"  # taken out of the sample by hand; kept for the record


class CaseAudit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"))
    case_id: Mapped[str] = mapped_column(String(64))  # referral id or plan id
    child_id: Mapped[str] = mapped_column(String(64))
    lead_auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CaseAuditStatus.UNASSIGNED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The lead auditor's answers (every section that is not an agency's), by question id.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped by every save; a save made from an older version is a conflict, never an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]

    programme: Mapped[AuditProgramme] = relationship(back_populates="case_audits")
    lead_auditor: Mapped[User | None] = relationship()
    sections: Mapped[list["CaseAuditSection"]] = relationship(back_populates="case_audit",
                                                               order_by="CaseAuditSection.agency")

    __table_args__ = (UniqueConstraint("programme_id", "case_id", name="uq_case_audit_programme_case"),)


class CaseAuditSection(db.Model):
    """One agency's part of a case audit, with the auditor who completes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"))
    agency: Mapped[str] = mapped_column(String(40))
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default=CaseAuditStatus.UNASSIGNED.value)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]

    case_audit: Mapped[CaseAudit] = relationship(back_populates="sections")
    auditor: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("case_audit_id", "agency", name="uq_case_audit_section_agency"),)
