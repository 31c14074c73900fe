"""Queries on a question (issue 26): a moderator asks about one answer of a submitted case audit,
its author answers, and the moderator closes the query. Each keeps its thread."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import stored_as_value, utcnow
from qa_app.models.programmes import CaseAudit
from qa_app.models.user import User


class QueryStatus(enum.StrEnum):
    OPEN = "open"  # holds up accepting the audit
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MessageKind(enum.StrEnum):
    OPENED = "opened"  # the moderator's note that opens the query
    ANSWERED = "answered"  # the author's answer
    REPLIED = "replied"  # the moderator writing again before closing
    CLOSED = "closed"  # the moderator's closing note (may be empty)


class AnswerQuery(db.Model):
    """One moderator's query on one answer: which part of which case audit, which question, the
    answer as it stood when queried and, optionally, the answer the moderator thinks is right."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audit.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))  # "lead" or an Agency value
    question_id: Mapped[str] = mapped_column(String(80))
    # As it stood when queried (a list for several answers); the part may be changed later.
    answer_when_opened: Mapped[object | None] = mapped_column(JSON)
    suggested_answer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[QueryStatus] = mapped_column(stored_as_value(QueryStatus, 10), default=QueryStatus.OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]

    case_audit: Mapped[CaseAudit] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    messages: Mapped[list["AnswerQueryMessage"]] = relationship(order_by="AnswerQueryMessage.id",
                                                                back_populates="query")

    @property
    def is_open(self) -> bool:
        return self.status == QueryStatus.OPEN


class AnswerQueryMessage(db.Model):
    """One message of a query's thread: who wrote it, when, and what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("answer_query.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[MessageKind] = mapped_column(stored_as_value(MessageKind, 20))
    text: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime] = mapped_column(default=utcnow)

    query: Mapped[AnswerQuery] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
