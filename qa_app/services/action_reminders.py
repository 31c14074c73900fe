"""Daily reminder digests: each owner and team manager gets one email listing their overdue
actions and those due within a week. No case content goes by email: action numbers, due dates
and a link to sign in and read them. Sending is idempotent per person per day, so a scheduler
that runs the command twice sends nothing the second time."""
import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import OUTSTANDING, Action, ActionReminder, ActionStatus, User
from qa_app.services import people
from qa_app.services.actions import DUE_SOON_DAYS
from qa_app.services.audit_trail import record_event


@dataclass
class Digest:
    user: User
    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)

    @property
    def action_ids(self) -> list[int]:
        return [a.id for a in self.overdue + self.due_soon]


def digests(on: date) -> list[Digest]:
    """Who should hear about which actions today: the named owner and the owning team's managers."""
    soon = on + timedelta(days=DUE_SOON_DAYS)
    waiting = [s.value for s in OUTSTANDING if s != ActionStatus.DONE]
    actions = db.session.scalars(select(Action).where(Action.status.in_(waiting), Action.due_date <= soon)
                                 .order_by(Action.due_date, Action.id)).all()
    by_user: dict[int, Digest] = {}
    managers: dict[str, list[User]] = {}  # by team name: one query per team, not per action
    for action in actions:
        recipients = [action.owner] if action.owner and action.owner.active else []
        if action.team is not None:
            if action.team.name not in managers:
                managers[action.team.name] = people.team_managers(action.team.name)
            recipients += managers[action.team.name]
        for person in {p.id: p for p in recipients}.values():
            digest = by_user.setdefault(person.id, Digest(person))
            (digest.overdue if action.due_date < on else digest.due_soon).append(action)
    return [by_user[key] for key in sorted(by_user)]


def _already_sent(user_id: int, on: date) -> bool:
    return db.session.scalar(select(ActionReminder.id).filter_by(user_id=user_id, sent_on=on)) is not None


def _link(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def message_for(digest: Digest) -> EmailMessage:
    def lines(actions):
        return "".join(f"- Action {a.id}, {a.owned_by}, due {a.due_date:%d %b %Y}: {_link(f'/actions/{a.id}')}\n"
                       for a in actions)
    body = [f"Hello {digest.user.display_name},\n\n"]
    if digest.overdue:
        body.append(f"Overdue ({len(digest.overdue)}):\n{lines(digest.overdue)}\n")
    if digest.due_soon:
        body.append(f"Due in the next {DUE_SOON_DAYS} days ({len(digest.due_soon)}):\n{lines(digest.due_soon)}\n")
    body.append(f"Sign in to read and update them: {_link('/actions/')}\n")
    message = EmailMessage()
    message["Subject"] = (f"Casefile QA: {len(digest.overdue)} overdue and {len(digest.due_soon)} "
                          "soon-due audit actions")
    message["From"] = current_app.config.get("MAIL_FROM", "casefile-qa@localhost")
    message["To"] = digest.user.email
    message.set_content("".join(body))
    return message


@dataclass
class ReminderRun:
    sent: list[str] = field(default_factory=list)  # email addresses
    skipped: list[str] = field(default_factory=list)  # already sent today
    failed: list[str] = field(default_factory=list)


def send_reminders(on: date) -> ReminderRun:
    """Send today's digests that have not been sent. Without SMTP_HOST nothing is sent or recorded."""
    run = ReminderRun()
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return run
    for digest in digests(on):
        email = digest.user.email
        if _already_sent(digest.user.id, on):
            run.skipped.append(email)
            continue
        try:
            # Claim the day first, so two runs at once cannot both send; released if sending fails.
            with write_transaction():
                db.session.add(ActionReminder(user_id=digest.user.id, sent_on=on,
                                              action_ids=",".join(map(str, digest.action_ids))))
        except IntegrityError:
            run.skipped.append(email)
            continue
        try:
            with smtplib.SMTP(host, int(current_app.config.get("SMTP_PORT", 25)), timeout=10) as smtp:
                smtp.send_message(message_for(digest))
        except OSError as error:
            current_app.logger.warning("Action reminder to user %s failed: %s", digest.user.id, error)
            with write_transaction():
                db.session.execute(db.delete(ActionReminder).filter_by(user_id=digest.user.id, sent_on=on))
                record_event("action_reminder_failed", outcome="failure", object_type="user",
                             object_id=digest.user.id, details={"error": type(error).__name__})
            run.failed.append(email)
            continue
        run.sent.append(email)
    if run.sent:
        with write_transaction():
            record_event("action_reminders_sent", details={"on": on.isoformat(), "recipients": len(run.sent)})
    return run
