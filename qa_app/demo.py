"""Demo users and data for ``make run``. Never loaded in production."""
import csv
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from audit_tools.sampling import SampleRequest
from audit_tools.periods import financial_quarter, financial_year_label
from audit_tools.synthetic import POPULATION, REPORT_YEAR, demo_council_in_the_present, years_to_the_present
from qa_app.extensions import db
from qa_app.models import Action, Agency, AuditProgramme, CaseAudit, ImportStatus, Moderation, Referral, Role, User
from qa_app.services.identity import second_factor
from qa_app.services.participation import practitioners
from qa_app.services import (accounts, actions, case_audits, case_data, imports, moderation, programmes,
                             safeguarding)

# A demo-only password, printed by `make run`; demo data refuses to load in production.
DEMO_PASSWORD = "casefile-demo-2026"

DEMO_USERS = [
    ("auditor@demo.casefile.test", "Alex Auditor", [Role.AUDITOR], Agency.POLICE, ["North"]),
    ("health.auditor@demo.casefile.test", "Hana Health", [Role.AUDITOR], Agency.HEALTH, []),
    ("qa.lead@demo.casefile.test", "Quinn Lead", [Role.QA_LEAD], Agency.CHILDRENS_SOCIAL_CARE, []),
    ("team.manager@demo.casefile.test", "Tariq Manager", [Role.TEAM_MANAGER],
     Agency.CHILDRENS_SOCIAL_CARE, ["Compass"]),
    ("north.manager@demo.casefile.test", "Nia North", [Role.TEAM_MANAGER], Agency.CHILDRENS_SOCIAL_CARE, ["North"]),
    ("admin@demo.casefile.test", "Ada Admin", [Role.ADMIN], Agency.CHILDRENS_SOCIAL_CARE, []),
    ("multi.role@demo.casefile.test", "Morgan Multi", [Role.QA_LEAD, Role.TEAM_MANAGER, Role.AUDITOR],
     Agency.CHILDRENS_SOCIAL_CARE, ["Compass", "North"]),
    # Issue 25: a social worker whose case was audited, invited to reflect on it.
    ("practitioner@demo.casefile.test", "Priya Practitioner", [Role.PRACTITIONER], Agency.CHILDRENS_SOCIAL_CARE, []),
]


# A demo account with an authenticator app already set up, so the code step can be tried: add
# DEMO_TOTP_SECRET to an authenticator app (`make run` prints it). Development only, like all
# demo data; a published secret is no secret.
DEMO_SECOND_FACTOR_USER = ("second.factor@demo.casefile.test", "Sasha Second-Factor", [Role.AUDITOR],
                           Agency.CHILDRENS_SOCIAL_CARE, [])
DEMO_TOTP_SECRET = "CASEFILEDEMOTOTPKEYFORMAKERUN234"


def seed_demo_users() -> list[User]:
    """Create the demo users if there are no users at all; returns those created."""
    if db.session.scalar(db.select(db.func.count(User.id))):
        return []
    created = [
        accounts.create_user(email=email, display_name=name, password=DEMO_PASSWORD, roles=roles,
                             agency=agency.value, team_names=teams, demo_password=True, new_teams=teams)
        for email, name, roles, agency, teams in DEMO_USERS
    ]
    email, name, roles, agency, teams = DEMO_SECOND_FACTOR_USER
    user = accounts.create_user(email=email, display_name=name, password=DEMO_PASSWORD, roles=roles,
                                agency=agency.value, team_names=teams, demo_password=True)
    second_factor.set_up_for_demo(user, DEMO_TOTP_SECRET)
    return created + [user]


# The background report's comparator tables (its "2014" and "2015" columns are 2013/14 and
# 2014/15). England's 2014/15 re-referral rate is DfE's published figure. The demo loads them
# under the moved years (moved_benchmarks), as it does the council's data.
DEMO_BENCHMARKS = [
    ("referrals", "2013/14", "SN", 5901.8), ("referrals", "2014/15", "SN", 5459.1),
    ("referrals", "2013/14", "England", 657800), ("referrals", "2014/15", "England", 635600),
    ("referral_rate_per_10k", "2013/14", "SN", 525.1), ("referral_rate_per_10k", "2014/15", "SN", 538.7),
    ("referral_rate_per_10k", "2013/14", "England", 573.0),
    ("referral_rate_per_10k", "2014/15", "England", 548.3),
    ("re_referral_pct", "2014/15", "England", 24.0),
]


def moved_benchmarks(years: int) -> list[tuple]:
    return [(measure, financial_year_label(int(label[:4]) + years), group, value)
            for measure, label, group, value in DEMO_BENCHMARKS]


def write_house_csv(path, records, columns) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for record in records:
            writer.writerow(["" if getattr(record, c) is None else getattr(record, c) for c in columns])


def seed_demo_case_data(seed: int = 2015) -> str | None:
    """A synthetic council's referrals and plans, loaded through the same import code as a
    user's file, moved forward in whole years so its last complete financial year is the one
    before today's (the report's 2014/15) and its data runs to the end of last month. Does
    nothing if any case data is already loaded."""
    if db.session.scalar(select(func.count(Referral.id))):
        return None
    years, referrals, plans = demo_council_in_the_present(date.today(), seed)
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
        case_data.set_population(year + years, population)
    case_data.import_benchmarks(moved_benchmarks(years), file_name="demo benchmarks")
    last = max(r.referral_date for r in referrals)
    return (f"Demo case data: {len(referrals):,} referrals and {len(plans):,} CP plans from {2011 + years} to "
            f"{last:%B %Y}. The demo's {financial_year_label(REPORT_YEAR + years)} is the background "
            f"report's {financial_year_label(REPORT_YEAR)}.")


DEMO_RE_REFERRAL_ANSWERS = {
    "earlier_decision": "No further action", "earlier_threshold_right": "partly",
    "earlier_threshold_reason": "Demo: the school's second call was not weighed", "early_help_offered": "no",
    "referrer_feedback": "yes", "consent": "yes", "what_changed": "Demo: new concerns from school",
    "threshold_of_need": "yes", "threshold_document_used": "not_evidenced",
    "good_practice": "Demo: the social worker saw the child alone within a day",
    "areas_for_development": "Demo: the threshold document was not referred to",
    "recommendations": "Demo: refresh front-door training on the threshold document\n"
                       "Demo: review step-down to early help after every second NFA",
    "learning_themes": ["Threshold decisions", "Early help offer"],
}
DEMO_AGENCY_ANSWERS = {"involvement": "Demo: regular contact with the family", "information_shared": "yes",
                       "conferences_attended": "partly", "actions_completed": "yes"}


def _demo_user(email) -> User:
    return db.session.scalars(select(User).filter_by(email=email)).one()


def seed_demo_programmes() -> str | None:
    """One programme of each kind, with audits in every state, so a new user sees a living app."""
    if db.session.scalar(select(func.count(AuditProgramme.id))):
        return None
    lead, auditor = _demo_user("qa.lead@demo.casefile.test"), _demo_user("auditor@demo.casefile.test")
    health, multi = _demo_user("health.auditor@demo.casefile.test"), _demo_user("multi.role@demo.casefile.test")
    # The report's years, moved as the case data is (seed_demo_case_data); due dates from today.
    years, today = years_to_the_present(date.today()), date.today()
    q1 = financial_quarter(REPORT_YEAR + years, 1).label
    re_referrals = programmes.create_programme(
        name=f"Re-referrals in {q1} after NFA or a professional conversation",
        theme="Was the decision on the earlier referral right, and was early help offered?",
        questionnaire_id="re-referral-audit", frame_kind="re-referrals", period_text=q1,
        previous_decisions=["nfa", "professional_conversation"], due_date=today + timedelta(days=52), user=lead)
    programmes.draw_programme_sample(re_referrals.id, SampleRequest("stratified", size=8, stratify_by="previous_decision"),
                                     seed=2014, user=lead)
    programmes.assign_round_robin(re_referrals.id, [auditor.id, multi.id], today + timedelta(days=52), user=lead)
    audits = _one_who_came_back_among_the_first_four(
        programmes.active_case_audits(db.session.get(AuditProgramme, re_referrals.id)))
    grades = ["Good", "Requires improvement to be good", "Inadequate", "Good"]
    for audit, grade in zip(audits[:4], grades):
        owner = db.session.get(User, audit.lead_auditor_id)
        case_audits.save_part(audit.id, case_audits.LEAD, {**DEMO_RE_REFERRAL_ANSWERS, "overall_grade": grade},
                              audit.version, submit=True, user=owner)
    moderation.moderate(audits[0].id, {"overall_grade": "Good"}, {}, outcome="accepted", comments=None, user=lead)
    moderation.moderate(audits[1].id, {"overall_grade": "Inadequate"},
                        {"overall_grade": "Demo: no early help was offered after two NFAs"},
                        outcome="accepted", comments=None, user=lead)
    _audited_soon_after_the_case(audits[:4])
    draft = audits[4]
    case_audits.save_part(draft.id, case_audits.LEAD, {"what_changed": "Demo: started, not finished"},
                          draft.version, submit=False, user=db.session.get(User, draft.lead_auditor_id))
    safeguarding.raise_concern(audits[2].id, "Demo: a sibling is named in a police log with no follow-up recorded.",
                               db.session.get(User, audits[2].lead_auditor_id))
    # Issue 25: the demo practitioner is invited to reflect on one submitted audit.
    practitioners.set_how_practitioners_take_part(re_referrals.id, "reflect_after", lead)
    practitioner = db.session.scalars(select(User).filter_by(email="practitioner@demo.casefile.test")).first()
    if practitioner is not None:  # demo users loaded before issue 25 have no practitioner
        shared_lead = db.session.get(User, audits[3].lead_auditor_id)
        practitioners.invite(audits[3].id, practitioner.id, shared_lead)
        practitioners.share(audits[3].id, shared_lead)

    earlier_year = financial_year_label(REPORT_YEAR - 1 + years)
    repeat = programmes.create_programme(
        name=f"Repeat child protection plans within two years, {earlier_year}",
        theme="Were plans SMART, partners engaged and the step-down robust?",
        questionnaire_id="repeat-cp-plan-audit", frame_kind="repeat-plans-2y", period_text=earlier_year,
        agencies=["police", "health"], due_date=today + timedelta(days=80), user=lead)
    programmes.draw_programme_sample(repeat.id, SampleRequest("census"), seed=2013, user=lead)
    programmes.assign_round_robin(repeat.id, [multi.id, auditor.id, health.id], today + timedelta(days=80), user=lead)
    for audit in programmes.active_case_audits(db.session.get(AuditProgramme, repeat.id))[:3]:
        for section in audit.sections:
            if section.auditor_id:
                case_audits.save_part(audit.id, section.agency, DEMO_AGENCY_ANSWERS, section.version,
                                      submit=True, user=db.session.get(User, section.auditor_id))
    seed_demo_actions(re_referrals.id, audits[:4], lead)
    return ("Demo programmes: re-referrals (8 cases: moderated, submitted, draft, assigned) and repeat plans "
            "(census); actions in every state for teams Compass and North and for the police.")


AUDITED_AFTER = timedelta(weeks=8)  # demo only: how long after its referral a case was audited


def _referral_date(referral_id: str) -> date | None:
    return db.session.scalars(select(Referral.referral_date).filter_by(referral_id=referral_id)).first()


def _one_who_came_back_among_the_first_four(audits: list) -> list:
    """The first four audits are submitted. If none of their children was referred again after
    the audit, swap in a later case whose child was (same lead auditor, so each auditor's
    audits keep their states), so the outcomes show one who came back."""
    def came_back(audit):
        audited = _referral_date(audit.case_id) + AUDITED_AFTER
        return db.session.scalar(select(func.count(Referral.id)).where(
            Referral.child_id == audit.child_id, Referral.referral_date > audited)) > 0
    audits = list(audits)
    if len(audits) < 5 or any(came_back(a) for a in audits[:4]):
        return audits
    for later in range(4, len(audits)):
        if came_back(audits[later]):
            same_auditor = [i for i in range(4) if audits[i].lead_auditor_id == audits[later].lead_auditor_id]
            if same_auditor:
                audits[same_auditor[-1]], audits[later] = audits[later], audits[same_auditor[-1]]
                break
    return audits


def _audited_soon_after_the_case(audits) -> None:
    """Demo only: the submitted audits dated eight weeks after their referral, in the last
    complete financial year, so (from October on) a year's window after each audit has passed
    within the loaded data and the programme's outcomes say who came back and who did not."""
    for audit in audits:
        row = db.session.get(CaseAudit, audit.id)
        referral_date = _referral_date(row.case_id)
        if referral_date is None or row.submitted_at is None:
            continue
        audited = datetime.combine(referral_date + AUDITED_AFTER, time(11))
        row.submitted_at = audited
        for check in db.session.scalars(select(Moderation).filter_by(case_audit_id=row.id)):
            check.created_at = audited + timedelta(days=7)
    db.session.commit()


# (team or agency, what, days until due, the moves made, by whom: "team" or "qa")
DEMO_ACTIONS = [
    ("Compass", "Demo: refresh front-door training on the threshold document", 30, []),
    ("Compass", "Demo: review step-down to early help after every second NFA", 10, [("in_progress", "team")]),
    ("Compass", "Demo: add the threshold document to the referral recording template", 5,
     [("done", "team")]),
    ("Compass", "Demo: audit feedback to referrers for a month", 20, [("done", "team"), ("closed", "qa")]),
    ("Compass", "Demo: record consent conversations on the contact form", 15,
     [("done", "team"), ("returned", "qa")]),
    ("Compass", "Demo: duplicate of the training action", 40, [("cancelled", "qa")]),
    ("Compass", "Demo: chase the school for the second referral's details", -6, []),
    ("North", "Demo: legal planning meeting for children on a plan 15 months or more", -3, [("in_progress", "team")]),
    ("North", "Demo: dip-sample NFA decisions with the team", 25, []),
    ("police", "Demo: share the police log with the front door the same day", 12, []),
]


def seed_demo_actions(programme_id: int, audits, lead: User) -> None:
    """Actions in every state for two teams and the police, two of them overdue."""
    managers = {"Compass": _demo_user("team.manager@demo.casefile.test"),
                "North": _demo_user("north.manager@demo.casefile.test")}
    today = date.today()
    for index, (owner, what, days, moves) in enumerate(DEMO_ACTIONS):
        is_team = owner in managers
        action = actions.raise_action(programme_id, audits[index % len(audits)].id, actions.NewAction(
            what, "Demo: from the overall recommendations", today + timedelta(days=max(days, 1)),
            team=owner if is_team else None, agency=None if is_team else owner,
            owner_id=managers[owner].id if is_team else None), lead)
        for status, who in moves:
            reason = "Demo: no evidence the template changed" if status == "returned" else (
                "Demo: raised twice" if status == "cancelled" else None)
            actions.change_status(action.id, status, reason=reason, user=managers[owner] if who == "team" else lead)
        if days < 0:  # demo only: an action that has fallen overdue since it was raised
            db.session.get(Action, action.id).due_date = today + timedelta(days=days)
            db.session.commit()
