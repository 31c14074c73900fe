"""The lists people work actions from: what a user may read (filtered, overdue first), the
overdue count in the navigation, the QA lead's tally per owner, and a programme's or case
audit's actions. Who may read what is actions.visibility_clause, one rule for every list."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from qa_app.db import day_of
from qa_app.extensions import db
from qa_app.models import OUTSTANDING, Action, ActionStatus, Agency, Team
from qa_app.services.actions import today, visibility_clause


@dataclass
class ActionFilters:
    programme_id: int | None = None
    status: str | None = None  # an ActionStatus value, "outstanding" or "overdue"
    due_by: date | None = None
    team: str | None = None


def actions_for(user, filters: ActionFilters | None = None, on: date | None = None) -> list[Action]:
    """What the user may read, overdue first, then soonest due."""
    filters = filters or ActionFilters()
    on = on or today()
    query = select(Action)
    clause = visibility_clause(user)
    if clause is not None:
        query = query.where(clause)
    if filters.programme_id:
        query = query.where(Action.programme_id == filters.programme_id)
    if filters.status in ("outstanding", "overdue"):
        query = query.where(Action.status.in_([s.value for s in OUTSTANDING]))
    elif filters.status:
        query = query.where(Action.status == filters.status)
    if filters.due_by:
        query = query.where(Action.due_date <= filters.due_by)
    if filters.team:
        query = query.join(Team, Action.team_id == Team.id).where(Team.name == filters.team)
    actions = db.session.scalars(query.order_by(Action.due_date, Action.id)).all()
    if filters.status == "overdue":
        actions = [a for a in actions if a.overdue_on(on)]
    return sorted(actions, key=lambda a: (not a.overdue_on(on), a.state not in OUTSTANDING, a.due_date, a.id))


def overdue_count(user, on: date | None = None) -> int:
    """For the navigation on every page, so one COUNT query (the same rule as Action.overdue_on)."""
    waiting = [s.value for s in OUTSTANDING if s != ActionStatus.DONE]
    query = select(func.count(Action.id)).where(Action.status.in_(waiting), Action.due_date < (on or today()))
    clause = visibility_clause(user)
    return db.session.scalar(query if clause is None else query.where(clause))


def awaiting_verification_count(user) -> int:
    """Actions their teams say are done, waiting for a QA lead to verify or return them."""
    query = select(func.count(Action.id)).where(Action.status == ActionStatus.DONE.value)
    clause = visibility_clause(user)
    return db.session.scalar(query if clause is None else query.where(clause))


@dataclass
class OwnerTally:
    owner: str  # "Team Compass" or an agency's name
    open: int = 0  # outstanding, awaiting the team
    overdue: int = 0
    awaiting_verification: int = 0
    closed_on_time: int = 0
    closed_late: int = 0


def tally_by_owner(user, on: date | None = None) -> list[OwnerTally]:
    """Per team (and agency), of the actions the user may read: open, overdue, awaiting
    verification, closed on time or late. Counted by the database, one row per owner, with the
    same rules as Action.overdue_on; an owner with only cancelled actions has a row of noughts."""
    on = on or today()
    waiting = Action.status.in_([s.value for s in OUTSTANDING if s != ActionStatus.DONE])
    closed = Action.status == ActionStatus.CLOSED.value
    done_day = day_of(Action.done_at)

    def number(condition):
        return func.count(case((condition, 1)))

    query = (select(Team.name, Action.agency, number(waiting), number(waiting & (Action.due_date < on)),
                    number(Action.status == ActionStatus.DONE.value),
                    number(closed & (done_day <= Action.due_date)),
                    number(closed & or_(Action.done_at.is_(None), done_day > Action.due_date)))
             .select_from(Action).outerjoin(Team, Action.team_id == Team.id).group_by(Team.name, Action.agency))
    clause = visibility_clause(user)
    rows: dict[str, OwnerTally] = {}
    for team, agency, *counts in db.session.execute(query if clause is None else query.where(clause)):
        owner = f"Team {team}" if team else Agency(agency).label  # as Action.owned_by names it
        row = rows.setdefault(owner, OwnerTally(owner))
        for name, count in zip(("open", "overdue", "awaiting_verification", "closed_on_time", "closed_late"), counts):
            setattr(row, name, getattr(row, name) + count)
    return [rows[name] for name in sorted(rows)]


def as_json(action: Action, on: date) -> dict:
    """The shape `flask actions list --json` prints (README)."""
    return {"id": action.id, "programme_id": action.programme_id, "case_audit_id": action.case_audit_id,
            "team": action.team.name if action.team else None, "agency": action.agency,
            "owner": action.owner.display_name if action.owner else None, "description": action.description,
            "due": action.due_date.isoformat(), "status": action.status, "overdue": action.overdue_on(on)}


def actions_of_case_audit(case_audit_id: int) -> list[Action]:
    return db.session.scalars(select(Action).filter_by(case_audit_id=case_audit_id).order_by(Action.id)).all()


def actions_of_programme(programme_id: int) -> list[Action]:
    return db.session.scalars(select(Action).filter_by(programme_id=programme_id)
                              .order_by(Action.due_date, Action.id)).all()
