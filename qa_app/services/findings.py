"""A programme's findings from the database: case audits become plain records for
audit_tools.programme_findings, with the latest moderation's grades and, for the outcome link,
each child's later referrals or plans from the case data loaded since."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit_tools.programme_findings import (AuditRecord, CaseOutcome, ComparisonRow, OutcomeRow, ProgrammeFindings,
                                            case_outcome, compare, outcomes_by_grade, overall_grade_question,
                                            programme_findings)
from audit_tools.sampling import REFERRAL_FRAMES
from qa_app.extensions import db
from qa_app.models import (AuditProgramme, CaseAudit, CaseAuditStatus, CPPlan, Moderation, ModerationOutcome,
                           Referral, Role)
from qa_app.services.case_audits import questionnaire_for_programme
from qa_app.services.case_data import data_range


def readable_programme(programme_id: int, user) -> AuditProgramme | None:
    """The programme, if the user may read its findings: QA leads always, its own auditors (lead
    or section) once it is closed. None otherwise, so the page cannot tell them apart."""
    programme = db.session.get(AuditProgramme, programme_id)
    if programme is None or user.has_role(Role.QA_LEAD):
        return programme
    if programme.closed_at is not None and any(
            c.lead_auditor_id == user.id or any(s.auditor_id == user.id for s in c.sections)
            for c in programme.case_audits):
        return programme
    return None


def case_kind(programme: AuditProgramme) -> str:
    return "referral" if programme.frame_kind in REFERRAL_FRAMES else "plan"


def _case_dates(programme: AuditProgramme, case_ids) -> dict[str, date]:
    case_ids = list(case_ids)
    if not case_ids:
        return {}
    if case_kind(programme) == "referral":
        query = select(Referral.referral_id, Referral.referral_date).where(Referral.referral_id.in_(case_ids))
    else:
        query = select(CPPlan.plan_id, CPPlan.start_date).where(CPPlan.plan_id.in_(case_ids))
    return dict(db.session.execute(query).all())


def _case_teams(programme: AuditProgramme, case_ids) -> dict[str, str | None]:
    case_ids = list(case_ids)
    if not case_ids:
        return {}
    model, key = (Referral, Referral.referral_id) if case_kind(programme) == "referral" else (CPPlan, CPPlan.plan_id)
    return dict(db.session.execute(select(key, model.team).where(key.in_(case_ids))).all())


def _latest_moderated_grades(programme_id: int) -> dict[int, dict]:
    """{case audit id: {question id: moderator's grade}} from each audit's latest accepted moderation."""
    latest = {}
    for moderation in db.session.scalars(
            select(Moderation).join(CaseAudit).where(CaseAudit.programme_id == programme_id,
                                                     Moderation.outcome == ModerationOutcome.ACCEPTED)
            .order_by(Moderation.created_at, Moderation.id)):
        latest[moderation.case_audit_id] = {q: g["moderator"] for q, g in moderation.grades.items() if g.get("moderator")}
    return latest


def audit_records(programme: AuditProgramme) -> list[AuditRecord]:
    # Sections in one query, not one per audit: a programme can have thousands of audits.
    audits = db.session.scalars(select(CaseAudit).options(selectinload(CaseAudit.sections))
                                .where(CaseAudit.programme_id == programme.id,
                                       CaseAudit.status != CaseAuditStatus.REMOVED)
                                .order_by(CaseAudit.id)).all()
    dates = _case_dates(programme, (c.case_id for c in audits))
    teams = _case_teams(programme, (c.case_id for c in audits))
    moderated = _latest_moderated_grades(programme.id)
    kind = case_kind(programme)
    return [AuditRecord(
        case_audit_id=c.id, case_id=c.case_id, child_id=c.child_id, team=teams.get(c.case_id), status=c.status.value,
        lead_answers=dict(c.answers or {}) if c.submitted else {},
        agency_answers={s.agency: dict(s.answers or {}) for s in c.sections if s.submitted},
        moderated_grades=moderated.get(c.id, {}) if c.status == CaseAuditStatus.MODERATED else {},
        case_date=dates.get(c.case_id), audited_on=c.submitted_at.date() if c.submitted_at else None,
        case_kind=kind) for c in audits]


def findings_for(programme: AuditProgramme, records: list[AuditRecord] | None = None) -> ProgrammeFindings:
    records = audit_records(programme) if records is None else records
    return programme_findings(questionnaire_for_programme(programme), records, programme.agencies or [],
                              sampled=len(records))


def previous_programme(programme: AuditProgramme) -> AuditProgramme | None:
    """The latest earlier programme of the same questionnaire (any version): what a re-audit compares with."""
    return db.session.scalars(
        select(AuditProgramme).where(AuditProgramme.questionnaire_id == programme.questionnaire_id,
                                     AuditProgramme.id != programme.id,
                                     AuditProgramme.created_at <= programme.created_at)
        .order_by(AuditProgramme.created_at.desc(), AuditProgramme.id.desc()).limit(1)).first()


def reaudit_comparison(programme: AuditProgramme, current: ProgrammeFindings) -> tuple[AuditProgramme | None, tuple[ComparisonRow, ...]]:
    earlier = previous_programme(programme)
    if earlier is None:
        return None, ()
    return earlier, compare(findings_for(earlier), current)


@dataclass
class Outcomes:
    cases: list[CaseOutcome]
    by_grade: tuple[OutcomeRow, ...]
    data_until: date | None


def outcomes_for(programme: AuditProgramme, records: list[AuditRecord] | None = None) -> Outcomes:
    records = [r for r in (audit_records(programme) if records is None else records) if r.finished]
    children = sorted({r.child_id for r in records})
    later: dict[str, list[date]] = {child: [] for child in children}
    for start in range(0, len(children), 500):
        chunk = children[start:start + 500]
        if case_kind(programme) == "referral":
            query = select(Referral.child_id, Referral.referral_date).where(Referral.child_id.in_(chunk))
        else:
            query = select(CPPlan.child_id, CPPlan.start_date).where(CPPlan.child_id.in_(chunk))
        for child_id, day in db.session.execute(query):
            later[child_id].append(day)
    data_until = data_range()[1]
    grade_question = overall_grade_question(questionnaire_for_programme(programme))
    cases = [case_outcome(r, later.get(r.child_id, []), data_until, grade_question) for r in records]
    return Outcomes(cases, outcomes_by_grade(cases), data_until)
