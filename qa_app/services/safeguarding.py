"""Immediate safeguarding concerns found during an audit: they reach the team manager of the
case's team and the QA leads at once, by their home pages and by email when SMTP is set up,
and must be acknowledged."""
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.mail import send_notice
from qa_app.models import (OUTSTANDING, Action, AuditEvent, CaseAudit, CPPlan, Referral, Role, SafeguardingConcern, Team,
                           User)
from qa_app.models.base import utcnow
from qa_app.services import people
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import parts_for


DETAILS_MAX = 5000
ACKNOWLEDGEMENT_MAX = 2000


class ConcernError(ValueError):
    pass


def case_team(case_audit: CaseAudit) -> str | None:
    referral = db.session.scalars(select(Referral.team).filter_by(referral_id=case_audit.case_id)).first()
    if referral is not None:
        return referral
    return db.session.scalars(select(CPPlan.team).filter_by(plan_id=case_audit.case_id)).first()


def recipients(team: str | None) -> list[User]:
    """Team managers of the case's team, and every QA lead; nobody else."""
    return people.qa_leads_and_team_managers(team)


def raise_concern(case_audit_id: int, details: str, user) -> SafeguardingConcern:
    details = (details or "").strip()
    if not details:
        raise ConcernError("Enter what the concern is and what needs to happen now")
    if len(details) > DETAILS_MAX:
        raise ConcernError(f"The concern must be {DETAILS_MAX:,} characters or fewer: shorten it and send it again")
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id)
        if not parts_for(user, case_audit):
            raise ConcernError("Only an auditor of this case can raise a concern about it")
        concern = SafeguardingConcern(case_audit_id=case_audit.id, team=case_team(case_audit),
                                      details=details, raised_by_id=user.id)
        db.session.add(concern)
        db.session.flush()
        people = recipients(concern.team)
        record_event("safeguarding_concern_raised", actor=user, object_type="safeguarding_concern",
                     object_id=concern.id, details={"case_audit": case_audit.id, "team": concern.team,
                                                    "notified": [u.id for u in people]})
    _email(concern, people, user)
    return concern


def _email(concern, people, user) -> None:
    """Email says only that there is a concern and where to read it: no case content by email."""
    send_notice("Casefile QA: an immediate safeguarding concern needs your acknowledgement",
                [u.email for u in people],
                f"An auditor has raised an immediate safeguarding concern about a case"
                f"{' in team ' + concern.team if concern.team else ''}.\n\nRead and acknowledge it here: "
                # The home page's path by hand, not url_for: a concern from a family's feedback is
                # emailed after its review commits, outside any request.
                f"{current_app.config['PUBLIC_URL'].rstrip('/')}/#safeguarding\n",
                user=user, failure_event="safeguarding_email_failed", object_type="safeguarding_concern",
                object_id=concern.id)


def concerns_for(user) -> list[SafeguardingConcern]:
    """What the user must see: QA leads see every concern, team managers their teams'."""
    concerns = db.session.scalars(select(SafeguardingConcern).order_by(
        SafeguardingConcern.acknowledged_at.is_not(None), SafeguardingConcern.raised_at.desc())).all()
    if user.has_role(Role.QA_LEAD):
        return concerns
    if user.has_role(Role.TEAM_MANAGER):
        return [c for c in concerns if c.team is not None and c.team in user.team_names]
    return []


def acknowledge(concern_id: int, note: str, user) -> None:
    note = (note or "").strip()
    if not note:
        raise ConcernError("Enter what is being done about the concern")
    if len(note) > ACKNOWLEDGEMENT_MAX:
        raise ConcernError(f"What is being done must be {ACKNOWLEDGEMENT_MAX:,} characters or fewer")
    with write_transaction():
        concern = db.session.get(SafeguardingConcern, concern_id, with_for_update=True)
        if concern is None or concern not in concerns_for(user):
            raise ConcernError("This concern is not one for you to acknowledge")
        if concern.acknowledged_at is not None:
            raise ConcernError("This concern has already been acknowledged")
        concern.acknowledged_by_id = user.id
        concern.acknowledged_at = utcnow()
        concern.acknowledgement = note
        record_event("safeguarding_concern_acknowledged", actor=user, object_type="safeguarding_concern",
                     object_id=concern.id, details={"case_audit": concern.case_audit_id})


@dataclass
class SentConcern:
    concern: SafeguardingConcern
    sent_to: list[str]  # who it reached when it was sent, as the audit trail recorded them


def concerns_on_case(case_audit: CaseAudit) -> list[SentConcern]:
    """The concerns raised on one case audit, with whom each was sent to, for its auditors."""
    concerns = db.session.scalars(select(SafeguardingConcern).filter_by(case_audit_id=case_audit.id)
                                  .order_by(SafeguardingConcern.raised_at)).all()
    events = {e.object_id: e for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "safeguarding_concern_raised",
                                 AuditEvent.object_type == "safeguarding_concern",
                                 AuditEvent.object_id.in_([str(c.id) for c in concerns])))} if concerns else {}
    sent = []
    for concern in concerns:
        event = events.get(str(concern.id))
        ids = (event.details or {}).get("notified", []) if event else []
        users = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name)).all() if ids else []
        names = [f"{u.display_name} ({'QA lead' if u.has_role(Role.QA_LEAD) else 'team manager'})" for u in users]
        sent.append(SentConcern(concern, names))
    return sent


@dataclass
class UnmanagedTeam:
    name: str
    concerns: int  # not yet acknowledged
    actions: int  # outstanding


def teams_nobody_manages() -> list[UnmanagedTeam]:
    """Teams with concerns waiting or actions outstanding and no active team manager: the QA
    leads see their concerns and actions already; these are shown to them and to admins, marked
    "no team manager for team X", until a manager exists."""
    concerns = Counter(db.session.scalars(select(SafeguardingConcern.team).where(
        SafeguardingConcern.acknowledged_at.is_(None), SafeguardingConcern.team.is_not(None))))
    actions = Counter(db.session.scalars(select(Team.name).join(Action, Action.team_id == Team.id).where(
        Action.status.in_([s.value for s in OUTSTANDING]))))
    return [UnmanagedTeam(name, concerns[name], actions[name]) for name in sorted(set(concerns) | set(actions))
            if not people.team_managers(name)]


def raise_from_family_feedback(case_audit_id: int, details: str, user) -> SafeguardingConcern:
    """A QA lead reviewing what a family wrote marks it as a safeguarding concern (issue 25): the
    same concern as an auditor's, to the same people, with the same email. Called inside the
    review's transaction; the email goes after it commits (see families.review)."""
    case_audit = db.session.get(CaseAudit, case_audit_id)
    concern = SafeguardingConcern(case_audit_id=case_audit.id, team=case_team(case_audit),
                                  details=details[:DETAILS_MAX], raised_by_id=user.id)
    db.session.add(concern)
    db.session.flush()
    notified = recipients(concern.team)
    record_event("safeguarding_concern_raised", actor=user, object_type="safeguarding_concern",
                 object_id=concern.id, details={"case_audit": case_audit.id, "team": concern.team,
                                                "notified": [u.id for u in notified], "from": "family feedback"})
    concern.notified = notified
    return concern


def email_concern(concern: SafeguardingConcern, user) -> None:
    _email(concern, getattr(concern, "notified", None) or recipients(concern.team), user)
