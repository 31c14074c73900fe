"""Actions that audits raise, owned by a team (and its managers) or a partner agency, and the
history of each: progress notes, evidence and every change of state."""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.programmes import AuditProgramme, CaseAudit
from qa_app.models.user import Agency, Team, User


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"  # the team says it is done; a QA lead has still to verify it
    CLOSED = "closed"  # verified by a QA lead
    RETURNED = "returned"  # a QA lead was not satisfied; back with the team, with a reason
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"open": "Open", "in_progress": "In progress", "done": "Done, awaiting verification",
                "closed": "Verified closed", "returned": "Returned", "cancelled": "Cancelled"}[self.value]

    @property
    def tag_colour(self) -> str:
        return {"open": "blue", "in_progress": "light-blue", "done": "yellow", "closed": "green",
                "returned": "red", "cancelled": "grey"}[self.value]


# Every state still waiting on the owning team or on a QA lead.
OUTSTANDING = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.RETURNED, ActionStatus.DONE)
# Who moves an action from one state to the next: "team" (its managers, owner, or the agency's
# auditors), or "qa" (QA leads). The services check every change against this table.
TRANSITIONS = {
    (ActionStatus.OPEN, ActionStatus.IN_PROGRESS): "team",
    (ActionStatus.RETURNED, ActionStatus.IN_PROGRESS): "team",
    (ActionStatus.OPEN, ActionStatus.DONE): "team",
    (ActionStatus.IN_PROGRESS, ActionStatus.DONE): "team",
    (ActionStatus.RETURNED, ActionStatus.DONE): "team",
    (ActionStatus.DONE, ActionStatus.CLOSED): "qa",
    (ActionStatus.DONE, ActionStatus.RETURNED): "qa",
    **{(state, ActionStatus.CANCELLED): "qa" for state in OUTSTANDING},
}


class ActionPriority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Action(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"), index=True)
    # None for a finding across the programme's cases.
    case_audit_id: Mapped[int | None] = mapped_column(ForeignKey("case_audit.id"), index=True)
    # Owned by exactly one team or one partner agency.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    agency: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)  # what must be done
    finding: Mapped[str] = mapped_column(Text)  # why: the finding it answers
    # The question and answer the finding came from, when it came from one.
    question_id: Mapped[str | None] = mapped_column(String(60))
    answer: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    priority: Mapped[str] = mapped_column(String(10), default=ActionPriority.MEDIUM.value)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.OPEN.value, index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]  # last marked done
    closed_at: Mapped[datetime | None]  # verified closed or cancelled
    # Bumped by every change, so two people changing one action never overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[AuditProgramme] = relationship()
    case_audit: Mapped[CaseAudit | None] = relationship()
    team: Mapped[Team | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    updates: Mapped[list["ActionUpdate"]] = relationship(back_populates="action", order_by="ActionUpdate.id")

    @property
    def state(self) -> ActionStatus:
        return ActionStatus(self.status)

    @property
    def owned_by(self) -> str:
        return f"Team {self.team.name}" if self.team else Agency(self.agency).label

    @property
    def return_update(self) -> "ActionUpdate | None":
        """While an action is back with its team, the QA lead's change that sent it back, whose
        text is the reason the team must act on."""
        if self.state != ActionStatus.RETURNED:
            return None
        return next((u for u in reversed(self.updates)
                     if u.kind == "status" and u.to_status == ActionStatus.RETURNED.value), None)

    def overdue_on(self, today: date) -> bool:
        return self.state in OUTSTANDING and self.state != ActionStatus.DONE and self.due_date < today


class ActionUpdate(db.Model):
    """One entry in an action's history: a note, a piece of evidence, or a change of state."""

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "raised", "note", "evidence", "status"
    text: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # the case-management record
    # Uploaded evidence, kept under the instance folder (outside the web root) by a random name.
    file_name: Mapped[str | None] = mapped_column(String(200))  # as the user named it
    stored_name: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None]
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[Action] = relationship(back_populates="updates")
    user: Mapped[User | None] = relationship()


class ActionReminder(db.Model):
    """A reminder digest sent to one person on one day: the reminder job is idempotent per day."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sent_on: Mapped[date] = mapped_column(Date)
    action_ids: Mapped[str] = mapped_column(Text)  # comma-separated, for the record
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "sent_on", name="uq_action_reminder_user_day"),)
