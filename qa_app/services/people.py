"""Who holds which role: "the QA leads", "the auditors of an agency", "a team's managers". Each
is one query on the user_role table, never a loop over every user."""
from sqlalchemy import and_, or_, select

from qa_app.extensions import db
from qa_app.models import Agency, Role, Team, User, UserRole


def holds(role: Role):
    """SQL: the user holds the role."""
    return User.role_grants.any(UserRole.role == role)


def in_team(team_name: str):
    return User.teams.any(Team.name == team_name)


def active_users(*conditions) -> list[User]:
    """Active users meeting every condition, by name."""
    return db.session.scalars(select(User).where(User.active.is_(True), *conditions)
                              .order_by(User.display_name, User.id)).all()


def qa_leads() -> list[User]:
    return active_users(holds(Role.QA_LEAD))


def auditors(agency: str | None = None) -> list[User]:
    """Active auditors, of one agency when it is given."""
    return active_users(holds(Role.AUDITOR), *([User.agency == agency] if agency else []))


def team_managers(team_name: str) -> list[User]:
    return active_users(holds(Role.TEAM_MANAGER), in_team(team_name))


def partner_auditor():
    """SQL: an auditor from an agency other than children's social care."""
    return and_(holds(Role.AUDITOR), User.agency != Agency.CHILDRENS_SOCIAL_CARE.value)


def qa_leads_and_team_managers(team_name: str | None) -> list[User]:
    """Every QA lead, and the managers of the team (when there is one)."""
    condition = holds(Role.QA_LEAD)
    if team_name is not None:
        condition = or_(condition, and_(holds(Role.TEAM_MANAGER), in_team(team_name)))
    return active_users(condition)
