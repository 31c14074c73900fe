"""Audit programmes, their samples, and the case audits each sampled case becomes."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import Stateful, Transition, stored_as_value, utcnow
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


_SAMPLED = frozenset({ProgrammeStatus.SAMPLING, ProgrammeStatus.IN_AUDIT})
# The steps of a programme's life that change its state, checked by the methods below. Nothing
# moves a programme to MODERATION or REPORTED yet.
PROGRAMME_TRANSITIONS = {
    "draw_sample": Transition(frozenset({ProgrammeStatus.DRAFT}), ProgrammeStatus.SAMPLING,
                              "This programme already has a sample. Check it, or add and remove cases by hand."),
    "assign": Transition(_SAMPLED, ProgrammeStatus.IN_AUDIT,
                         "Case audits can be assigned once the sample is drawn and until the programme closes"),
    "close": Transition(_SAMPLED | {ProgrammeStatus.MODERATION, ProgrammeStatus.REPORTED},
                        ProgrammeStatus.CLOSED, "The programme is already closed"),
}


class AuditProgramme(Stateful, db.Model):
    TRANSITIONS = PROGRAMME_TRANSITIONS

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
    status: Mapped[ProgrammeStatus] = mapped_column(stored_as_value(ProgrammeStatus, 20),
                                                    default=ProgrammeStatus.DRAFT)
    # What goes to the moderation queue: {"inadequate": bool, "flagged": bool,
    # "new_auditor_first": n, "random_percent": p, "seed": s}. See services.moderation.
    moderation_policy: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]  # findings agreed; auditors may then read them
    # How practitioners take part (qa_app.models.practitioners.PractitionerTakesPart; issue 25).
    practitioners_take_part: Mapped[str] = mapped_column(String(30), default="not_at_all",
                                                         server_default="not_at_all")

    sample: Mapped["Sample | None"] = relationship(back_populates="programme", uselist=False)
    case_audits: Mapped[list["CaseAudit"]] = relationship(back_populates="programme",
                                                          order_by="CaseAudit.id")

    @property
    def status_label(self) -> str:
        return self.status.label

    def sample_drawn(self) -> None:
        self._take("draw_sample")

    def audits_assigned(self) -> None:
        self._take("assign")

    def close(self, at: datetime) -> None:
        """Findings agreed: auditors may then read them."""
        self._take("close")
        self.closed_at = at

    @property
    def practitioners_take_part_label(self) -> str:
        from qa_app.models.practitioners import PractitionerTakesPart  # it imports this module
        return PractitionerTakesPart(self.practitioners_take_part or "not_at_all").label

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


class SampleChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"


class SampleChange(db.Model):
    """A case added to or removed from a sample by hand, with the reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id"))
    case_id: Mapped[str] = mapped_column(String(64))
    change: Mapped[SampleChangeKind] = mapped_column(stored_as_value(SampleChangeKind, 10))
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


NOT_STARTED = frozenset({CaseAuditStatus.UNASSIGNED, CaseAuditStatus.ASSIGNED})
FINISHED = frozenset({CaseAuditStatus.SUBMITTED, CaseAuditStatus.MODERATED})
_STILL_OPEN = "This part has been submitted, so it can no longer be changed. A QA lead can reopen it."
# The steps of the audit workflow that change a case audit's state (the lead auditor's part) or
# an agency section's, checked by the methods of AuditWork below. Only a case audit is moderated,
# returned, removed or restored. Being given or losing an auditor is not a step: it moves work
# that has not started between unassigned and assigned, and leaves started work as it is.
CASE_AUDIT_TRANSITIONS = {
    "save": Transition(NOT_STARTED | {CaseAuditStatus.DRAFT}, CaseAuditStatus.DRAFT, _STILL_OPEN),
    "submit": Transition(NOT_STARTED | {CaseAuditStatus.DRAFT}, CaseAuditStatus.SUBMITTED, _STILL_OPEN),
    "moderate": Transition(frozenset({CaseAuditStatus.SUBMITTED}), CaseAuditStatus.MODERATED,
                           "Only a submitted audit can be moderated"),
    "return": Transition(frozenset({CaseAuditStatus.SUBMITTED}), CaseAuditStatus.DRAFT,
                         "Only a submitted audit can be moderated"),
    "reopen": Transition(FINISHED, CaseAuditStatus.DRAFT, "Only a submitted part can be reopened"),
    "remove": Transition(NOT_STARTED, CaseAuditStatus.REMOVED,
                         "An audit that has been started cannot be removed from the sample"),
    "restore": Transition(frozenset({CaseAuditStatus.REMOVED}), CaseAuditStatus.UNASSIGNED,
                          "That case is already in the sample"),
}


class AuditWork(Stateful):
    """What a case audit (the lead auditor's part) and an agency section share: answers that
    are saved, submitted and reopened, with a version bumped by every change."""

    TRANSITIONS = CASE_AUDIT_TRANSITIONS

    @property
    def submitted(self) -> bool:
        return self.status in FINISHED

    def save_draft(self) -> None:
        self._take("save")

    def submit(self, at: datetime) -> None:
        self._take("submit")
        self.submitted_at = at

    def reopen(self) -> None:
        self._take("reopen")
        self._back_to_draft()

    def _back_to_draft(self) -> None:
        self.submitted_at = None
        self.version += 1  # a form opened before the reopening must not save over it

    def _follow_assignment(self, assigned: bool) -> None:
        if self.status in NOT_STARTED:
            self.status = CaseAuditStatus.ASSIGNED if assigned else CaseAuditStatus.UNASSIGNED


class CaseAudit(AuditWork, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"))
    case_id: Mapped[str] = mapped_column(String(64))  # referral id or plan id
    child_id: Mapped[str] = mapped_column(String(64))
    lead_auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CaseAuditStatus] = mapped_column(stored_as_value(CaseAuditStatus, 20),
                                                    default=CaseAuditStatus.UNASSIGNED)
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
    authors: Mapped[list["CaseAuditAuthor"]] = relationship(order_by="CaseAuditAuthor.id")

    __table_args__ = (UniqueConstraint("programme_id", "case_id", name="uq_case_audit_programme_case"),)

    @property
    def removed(self) -> bool:
        return self.status == CaseAuditStatus.REMOVED

    def assign_lead(self, auditor_id: int | None) -> None:
        self.lead_auditor_id = auditor_id
        self._follow_assignment(auditor_id is not None)

    def section_saved(self) -> None:
        """An agency's answers are in: the case audit is under way, whoever it is assigned to."""
        if self.status in NOT_STARTED:
            self.status = CaseAuditStatus.DRAFT

    def moderate(self) -> None:
        """The QA lead accepts the audit."""
        self._take("moderate")

    def return_to_auditor(self) -> None:
        """The QA lead sends it back to the lead auditor to change."""
        self._take("return")
        self._back_to_draft()

    def remove_from_sample(self) -> None:
        self._take("remove")

    def restore_to_sample(self) -> None:
        """Added back by hand after being removed: it starts again unassigned."""
        self._take("restore")


class CaseAuditSection(AuditWork, db.Model):
    """One agency's part of a case audit, with the auditor who completes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"))
    agency: Mapped[str] = mapped_column(String(40))
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Never "removed" or "moderated": those belong to the case audit.
    status: Mapped[CaseAuditStatus] = mapped_column(stored_as_value(CaseAuditStatus, 20),
                                                    default=CaseAuditStatus.UNASSIGNED)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]

    case_audit: Mapped[CaseAudit] = relationship(back_populates="sections")
    auditor: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("case_audit_id", "agency", name="uq_case_audit_section_agency"),)

    def may(self, step: str) -> bool:
        """A section of a case audit taken out of the sample is out of the workflow with it."""
        return not self.case_audit.removed and super().may(step)

    def assign_auditor(self, auditor_id: int | None) -> None:
        self.auditor_id = auditor_id
        self._follow_assignment(auditor_id is not None)


class CaseAuditAuthor(db.Model):
    """Someone who saved or submitted a part of a case audit (the lead's or an agency's), kept
    whoever the part is later assigned to: nobody who ever wrote any part moderates the audit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))  # "lead" or an Agency value
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    did: Mapped[str] = mapped_column(String(20))  # "saved" or "submitted"
    first_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("case_audit_id", "part", "user_id", "did",
                                       name="uq_case_audit_author"),)
