"""Families taking part in the audit of their case (issue 25): whether they were asked for
feedback, the single-use invitations made for them, and what they answered."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.programmes import CaseAudit
from qa_app.models.user import User


class FamilyConsent(db.Model):
    """The auditor's record of whether the family was asked to give feedback: who, when and how,
    and their answer; or why they were not asked. One per case audit, changed in place (the audit
    trail keeps every version)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), unique=True)
    asked: Mapped[bool]
    who: Mapped[str | None] = mapped_column(String(20))  # parent_carer, child, both
    asked_on: Mapped[date | None] = mapped_column(Date)
    how: Mapped[str | None] = mapped_column(String(20))  # in_person, phone, letter, email, other
    consent: Mapped[bool | None]
    not_asked_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case_audit: Mapped[CaseAudit] = relationship()


class FamilyInvitation(db.Model):
    """One single-use link (and its short code) for a parent or carer, or a child. Only the
    SHA-256 of each is kept: the letter printed when it is made is the only copy."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # parent_carer or child
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # the feedback was sent: the link works no more
    withdrawn_at: Mapped[datetime | None]  # a new letter of the same kind replaced it
    # Answers saved on the way through the form, before the family sends them.
    draft_answers: Mapped[dict] = mapped_column(JSON, default=dict)

    case_audit: Mapped[CaseAudit] = relationship()
    made_by: Mapped[User | None] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.withdrawn_at is None and self.expires_at > now


class FamilyFeedback(db.Model):
    """What a family sent. The choice answers count at once; the free text waits for a QA lead's
    review, which keeps only the reviewed words (names and details taken out)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("family_invitation.id"), unique=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # the choice questions, by question id
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    free_text: Mapped[str | None] = mapped_column(Text)  # the family's own words, until reviewed
    reviewed_text: Mapped[str | None] = mapped_column(Text)  # what may be quoted, once approved
    # awaiting, nothing (no free text), approved, withheld, concern
    review: Mapped[str] = mapped_column(String(20), default="awaiting")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_concern.id"))

    invitation: Mapped[FamilyInvitation] = relationship()
    case_audit: Mapped[CaseAudit] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
