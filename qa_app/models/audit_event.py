from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db
from qa_app.models.base import utcnow


class AuditEvent(db.Model):
    """One line of the audit trail. Append-only: database triggers refuse UPDATE and DELETE.

    Details say what happened (ids, field names, before/after values of settings) but never
    case content such as a child's details or an auditor's free text.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)  # no FK: events outlive accounts
    user_email: Mapped[str | None] = mapped_column(String(254))
    # Roles the actor held at the time, space-separated.
    role: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20), default="success")  # success/failure/denied
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # When retention removed the event's free text (its details then keep ids only). The
    # database allows that one change, once, and no other (migration 0022).
    redacted_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class AuditEventChild(db.Model):
    """A child a read event names, so "who looked at this child" is an indexed lookup on both
    databases rather than a search through every event's details. Append-only like the trail."""

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_audit_event_child_child_id", "child_id", "event_id"),)
