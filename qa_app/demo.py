"""Demo users and data for ``make run``. Never loaded in production."""
from qa_app.extensions import db
from qa_app.models import Agency, Role, User
from qa_app.services import accounts

# A demo-only password, printed by `make run`; demo data refuses to load in production.
DEMO_PASSWORD = "casefile-demo-2026"

DEMO_USERS = [
    ("auditor@demo.casefile.test", "Alex Auditor", [Role.AUDITOR], Agency.POLICE, ["North"]),
    ("health.auditor@demo.casefile.test", "Hana Health", [Role.AUDITOR], Agency.HEALTH, []),
    ("qa.lead@demo.casefile.test", "Quinn Lead", [Role.QA_LEAD], Agency.CHILDRENS_SOCIAL_CARE, []),
    ("team.manager@demo.casefile.test", "Tariq Manager", [Role.TEAM_MANAGER],
     Agency.CHILDRENS_SOCIAL_CARE, ["Compass"]),
    ("admin@demo.casefile.test", "Ada Admin", [Role.ADMIN], Agency.CHILDRENS_SOCIAL_CARE, []),
    ("multi.role@demo.casefile.test", "Morgan Multi", [Role.QA_LEAD, Role.TEAM_MANAGER, Role.AUDITOR],
     Agency.CHILDRENS_SOCIAL_CARE, ["Compass", "North"]),
]


def seed_demo_users() -> list[User]:
    """Create the demo users if there are no users at all; returns those created."""
    if db.session.scalar(db.select(db.func.count(User.id))):
        return []
    return [
        accounts.create_user(email=email, display_name=name, password=DEMO_PASSWORD, roles=roles,
                             agency=agency.value, team_names=teams)
        for email, name, roles, agency, teams in DEMO_USERS
    ]
