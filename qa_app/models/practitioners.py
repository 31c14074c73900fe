"""A practitioner taking part in the audit of their own case (issue 25)."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.programmes import CaseAudit
from qa_app.models.user import User


class PractitionerTakesPart(enum.StrEnum):
    """How a programme's practitioners take part: a programme setting."""
    NOT_AT_ALL = "not_at_all"
    REFLECT_AFTER = "reflect_after"
    JOINT_CONVERSATION = "joint_conversation"

    @property
    def label(self) -> str:
        return {"not_at_all": "Not at all",
                "reflect_after": "Invited to reflect after the audit",
                "joint_conversation": "A joint audit conversation"}[self.value]


class PractitionerReview(db.Model):
    """The practitioner named for one case audit, and what they and the lead auditor recorded.

    Their view sits beside the audit's grades and never changes one: only a moderator does."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), unique=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Until the lead auditor shares the lead part, the practitioner sees nothing of the audit.
    shared_at: Mapped[datetime | None]
    went_well: Mapped[str | None] = mapped_column(Text)
    do_differently: Mapped[str | None] = mapped_column(Text)
    # {question id: {"agrees": bool, "why": text}} for each graded judgement.
    agreement: Mapped[dict] = mapped_column(JSON, default=dict)
    reflected_at: Mapped[datetime | None]
    usefulness: Mapped[int | None]  # 1 (not at all useful) to 5 (very useful)
    usefulness_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    agreed_learning: Mapped[str | None] = mapped_column(Text)
    learning_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    learning_recorded_at: Mapped[datetime | None]
    # Each side's own confirmation. Once either has signed, the learning is fixed: only addenda.
    auditor_signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    auditor_signed_off_at: Mapped[datetime | None]
    practitioner_signed_off_at: Mapped[datetime | None]

    case_audit: Mapped[CaseAudit] = relationship()
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    auditor_signed_off_by: Mapped[User | None] = relationship(foreign_keys=[auditor_signed_off_by_id])
    addenda: Mapped[list["LearningAddendum"]] = relationship(order_by="LearningAddendum.id")

    @property
    def shared(self) -> bool:
        return self.shared_at is not None

    @property
    def took_part(self) -> bool:
        return self.reflected_at is not None

    @property
    def signed_off(self) -> bool:
        """By both sides."""
        return self.auditor_signed_off_at is not None and self.practitioner_signed_off_at is not None

    @property
    def learning_fixed(self) -> bool:
        return self.auditor_signed_off_at is not None or self.practitioner_signed_off_at is not None


class LearningAddendum(db.Model):
    """Something added to signed-off learning. Never changed or removed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("practitioner_review.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
