"""Completing case audits: the lead auditor's part and each agency's section.

Saves are optimistic: the form carries the version it was loaded from, and a save against a
newer version is refused with both sets of answers, so nobody overwrites anybody. The audit
trail records which questions changed, never the answers themselves (they are case content).
"""
from dataclasses import dataclass

from audit_tools.questionnaires import Questionnaire, Section, check_answers, visible_answers
from audit_tools.records import DECISION_ANSWERS
from qa_app.db import write_transaction
from qa_app.extensions import db
from sqlalchemy import select

from qa_app.models import Agency, CaseAudit, CaseAuditAuthor, CaseAuditSection, IllegalTransition
from qa_app.models.base import utcnow
from qa_app.services import questionnaires
from qa_app.services.audit_trail import record_event
from qa_app.services.case_lists import ChildHistory

LEAD = "lead"
# The key of the lead part's problem "the agency sections must be submitted first": not a question.
AGENCIES_WAITING = "_agencies"


class AuditRefused(ValueError):
    """The user may not do this to this audit; the message says why."""


class AnswersInvalid(ValueError):
    def __init__(self, problems: dict[str, str], saved_version: int | None = None):
        super().__init__("; ".join(problems.values()))
        self.problems = problems
        # A refused submit whose answers could still be kept: saved as a draft at this version.
        self.saved_version = saved_version


class SaveConflict(Exception):
    def __init__(self, saved_answers: dict, saved_version: int):
        super().__init__("saved by someone else since this page was loaded")
        self.saved_answers, self.saved_version = saved_answers, saved_version


def questionnaire_for(case_audit: CaseAudit) -> Questionnaire:
    return questionnaire_for_programme(case_audit.programme)


def questionnaire_for_programme(programme) -> Questionnaire:
    """The version the programme started with, whatever has been added since."""
    return questionnaires.get(programme.questionnaire_id, programme.questionnaire_version)


def sections_for(case_audit: CaseAudit, part: str) -> list[Section]:
    """The questionnaire sections one part of the audit answers: the lead's, or an agency's."""
    sections = questionnaire_for(case_audit).sections
    if part == LEAD:
        return [s for s in sections if s.agency is None]
    return [s for s in sections if s.agency in ("each", part)]


@dataclass
class AuditPart:
    case_audit: CaseAudit
    part: str  # LEAD or an Agency value
    record: CaseAudit | CaseAuditSection  # where the answers live
    sections: list[Section]

    @property
    def title(self) -> str:
        return "Lead auditor's part" if self.part == LEAD else f"{Agency(self.part).label} section"

    @property
    def submitted(self) -> bool:
        return self.record.submitted

    @property
    def owner_id(self):
        return self.case_audit.lead_auditor_id if self.part == LEAD else self.record.auditor_id


def audit_part(case_audit: CaseAudit, part: str) -> AuditPart | None:
    if part == LEAD:
        return AuditPart(case_audit, LEAD, case_audit, sections_for(case_audit, LEAD))
    section = next((s for s in case_audit.sections if s.agency == part), None)
    return AuditPart(case_audit, part, section, sections_for(case_audit, part)) if section else None


def parts_for(user, case_audit: CaseAudit) -> list[AuditPart]:
    parts = [audit_part(case_audit, LEAD)] if case_audit.lead_auditor_id == user.id else []
    parts += [audit_part(case_audit, s.agency) for s in case_audit.sections if s.auditor_id == user.id]
    return parts


def visible_agency_sections(user, case_audit: CaseAudit) -> list[AuditPart]:
    """Other agencies' submitted answers, shown only to someone who has submitted their own
    part (so nobody is anchored by another's answers), and to the lead and QA leads."""
    mine = parts_for(user, case_audit)
    may_see = case_audit.lead_auditor_id == user.id or (mine and all(p.submitted for p in mine))
    if not may_see:
        return []
    return [audit_part(case_audit, s.agency) for s in case_audit.sections
            if s.submitted and s.auditor_id != user.id]


def prefilled(case_audit: CaseAudit, history: ChildHistory) -> dict:
    """Answers the case data already gives, for questions that name a prefill."""
    facts = {}
    referrals = history.referrals
    for index, referral in enumerate(referrals):
        if referral.referral_id == case_audit.case_id and index:
            facts["previous_referral.decision"] = DECISION_ANSWERS.get(referrals[index - 1].decision)
    plans = history.plans
    for index, plan in enumerate(plans):
        if plan.plan_id == case_audit.case_id and index and plans[index - 1].end_date:
            facts["previous_plan.days"] = str((plans[index - 1].end_date - plans[index - 1].start_date).days)
    return {q.id: facts[q.prefill] for s in questionnaire_for(case_audit).sections for q in s.questions
            if q.prefill and facts.get(q.prefill) is not None}


def save_part(case_audit_id: int, part: str, answers: dict, version: int, *, submit: bool, user) -> AuditPart:
    try:
        return _save_part(case_audit_id, part, answers, version, submit, user)
    except SaveConflict as conflict:
        with write_transaction():
            record_event("case_audit_save_conflict", actor=user, outcome="failure", object_type="case_audit",
                         object_id=case_audit_id, details={"part": part, "form_version": version,
                                                           "saved_version": conflict.saved_version})
        raise


def _record_author(case_audit: CaseAudit, part: str, user, did: str) -> None:
    """Kept for good, whoever the part is later given to (see moderation.auditors_of)."""
    known = db.session.scalar(select(CaseAuditAuthor.id).filter_by(case_audit_id=case_audit.id, part=part,
                                                                   user_id=user.id, did=did))
    if known is None:
        db.session.add(CaseAuditAuthor(case_audit_id=case_audit.id, part=part, user_id=user.id, did=did))


def _save_part(case_audit_id, part, answers, version, submit, user) -> AuditPart:
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        current = audit_part(case_audit, part)
        if current is None or current.owner_id != user.id:
            raise AuditRefused("This part of the audit is not assigned to you")
        step = "submit" if submit else "save"
        try:
            current.record.check(step)
        except IllegalTransition as refused:
            raise AuditRefused(str(refused)) from None
        if version != current.record.version:
            conflict = SaveConflict(dict(current.record.answers), current.record.version)
            # Recorded in a transaction of its own below: this one is rolled back by the raise.
            raise conflict
        kept = {}
        for section in current.sections:
            kept.update(visible_answers(section, answers))
        problems = {}
        for section in current.sections:
            problems.update(check_answers(section, kept, submitting=submit))
        if submit:
            problems.update(_sections_waiting(case_audit, part))
        if problems and not (submit and _keep_as_draft(current, kept)):
            raise AnswersInvalid(problems)
        _store(case_audit, current, part, kept, submit=submit and not problems, user=user)
    if problems:
        # Committed above as a draft: the submit is refused, but nothing typed is lost.
        raise AnswersInvalid(problems, saved_version=current.record.version)
    return current


def _sections_waiting(case_audit: CaseAudit, part: str) -> dict:
    if part != LEAD:
        return {}
    # A section with no questions (a programme made before agencies were checked against its
    # questionnaire) can never be submitted, so it keeps nobody waiting.
    waiting = [Agency(s.agency).label for s in case_audit.sections
               if not s.submitted and sections_for(case_audit, s.agency)]
    if not waiting:
        return {}
    return {AGENCIES_WAITING: "The agency sections must be submitted before the lead part: " + ", ".join(waiting)}


def save_for_checking(case_audit_id: int, part: str, answers: dict, version: int, *, user) -> AuditPart:
    """Saves the answers as a draft on the way to the check-your-answers page, and refuses to go
    there while something would stop the submit: the check page then only asks "are these right?"."""
    current = save_part(case_audit_id, part, answers, version, submit=False, user=user)
    problems = {}
    for section in current.sections:
        problems.update(check_answers(section, current.record.answers, submitting=True))
    problems.update(_sections_waiting(current.case_audit, part))
    if problems:
        raise AnswersInvalid(problems, saved_version=current.record.version)
    return current


def submit_checked(case_audit_id: int, part: str, version: int, *, user) -> AuditPart:
    """Submits the answers as saved when the check page was drawn; a save since then (another tab)
    is a conflict, so nothing unseen is submitted."""
    case_audit = db.session.get(CaseAudit, case_audit_id)
    current = audit_part(case_audit, part)
    if current is None:
        raise AuditRefused("This part of the audit is not assigned to you")
    return save_part(case_audit_id, part, dict(current.record.answers or {}), version, submit=True, user=user)


def _keep_as_draft(current: AuditPart, kept: dict) -> bool:
    """A refused submit is saved as a draft when a draft of those answers would be accepted."""
    problems = {}
    for section in current.sections:
        problems.update(check_answers(section, kept, submitting=False))
    return not problems and current.record.may("save")


def _store(case_audit, current, part, kept, *, submit, user) -> None:
    before = current.record.answers or {}
    changed = sorted(k for k in set(before) | set(kept) if before.get(k) != kept.get(k))
    record = current.record
    record.answers = kept
    record.version += 1
    if submit:
        record.submit(utcnow())
    else:
        record.save_draft()
    if part != LEAD:
        case_audit.section_saved()
    _record_author(case_audit, part, user, "submitted" if submit else "saved")
    record_event("case_audit_submitted" if submit else "case_audit_saved", actor=user,
                 object_type="case_audit", object_id=case_audit.id,
                 details={"part": part, "changed_questions": changed, "version": record.version})
