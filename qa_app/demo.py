"""Demo users and data for ``make run``. Never loaded in production."""
import csv
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from audit_tools.synthetic import POPULATION, demo_council
from qa_app.extensions import db
from qa_app.models import Agency, ImportStatus, Referral, Role, User
from qa_app.services import accounts, case_data, imports

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


# The background report's comparator tables (its "2014" and "2015" columns are 2013/14 and
# 2014/15). England's 2014/15 re-referral rate is DfE's published figure.
DEMO_BENCHMARKS = [
    ("referrals", "2013/14", "SN", 5901.8), ("referrals", "2014/15", "SN", 5459.1),
    ("referrals", "2013/14", "England", 657800), ("referrals", "2014/15", "England", 635600),
    ("referral_rate_per_10k", "2013/14", "SN", 525.1), ("referral_rate_per_10k", "2014/15", "SN", 538.7),
    ("referral_rate_per_10k", "2013/14", "England", 573.0),
    ("referral_rate_per_10k", "2014/15", "England", 548.3),
    ("re_referral_pct", "2014/15", "England", 24.0),
]


def write_house_csv(path, records, columns) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            writer.writerow(["" if getattr(record, c) is None else getattr(record, c) for c in columns])


def seed_demo_case_data(seed: int = 2015) -> str | None:
    """A synthetic council's referrals and plans, loaded through the same import code as a
    user's file. Does nothing if any case data is already loaded."""
    if db.session.scalar(select(func.count(Referral.id))):
        return None
    referrals, plans = demo_council(seed)
    with tempfile.TemporaryDirectory() as folder:
        referral_file = Path(folder) / "demo-referrals.csv"
        plan_file = Path(folder) / "demo-cp-plans.csv"
        write_house_csv(referral_file, referrals,
                        ["child_id", "referral_id", "referral_date", "decision", "source", "team"])
        write_house_csv(plan_file, plans,
                        ["child_id", "plan_id", "start_date", "end_date", "category", "team"])
        for kind, path in (("referrals", referral_file), ("cp-plans", plan_file)):
            batch = imports.run_import(imports.queue_import(kind, path, path.name).id)
            if batch.status != ImportStatus.SUCCEEDED:
                raise RuntimeError(f"demo {kind} did not import: {batch.errors[:3]}")
    for year, population in POPULATION.items():
        case_data.set_population(year, population)
    case_data.import_benchmarks(DEMO_BENCHMARKS, file_name="demo benchmarks")
    return f"Demo case data: {len(referrals):,} referrals and {len(plans):,} CP plans from 2011 to September 2015."
