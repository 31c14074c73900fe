"""Legal holds: an admin keeps a closed programme's records past the retention period."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.programmes import AuditProgramme
from qa_app.models.user import User


class LegalHold(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))  # e.g. the litigation or inquiry reference
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[AuditProgramme] = relationship()
    placed_by: Mapped[User | None] = relationship()
