"""Moderation of submitted case audits, and immediate safeguarding concerns raised by auditors."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import stored_as_value, utcnow
from qa_app.models.programmes import CaseAudit
from qa_app.models.user import User


class ModerationOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the case audit becomes moderated
    RETURNED = "returned"  # back to the lead auditor as a draft, with comments


class Moderation(db.Model):
    """A QA lead's check of one case audit: their grade beside the auditor's, with reasons."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # {question id: {"auditor": grade, "moderator": grade, "reason": text or null}}
    grades: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[ModerationOutcome] = mapped_column(stored_as_value(ModerationOutcome, 20))
    comments: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case_audit: Mapped[CaseAudit] = relationship()
    moderator: Mapped[User | None] = relationship()


class SafeguardingConcern(db.Model):
    """An immediate safeguarding concern an auditor found in a case: goes at once to the team
    manager of the case's team and to the QA leads, and must be acknowledged."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"))
    team: Mapped[str | None] = mapped_column(String(100))  # the case's team when raised
    details: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledgement: Mapped[str | None] = mapped_column(Text)  # what the manager is doing

    case_audit: Mapped[CaseAudit] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
