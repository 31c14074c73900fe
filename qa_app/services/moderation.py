"""Moderation: which submitted audits a QA lead checks, the moderator's grades beside the
auditor's, returning or accepting, reopening, and agreement statistics."""
import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from audit_tools.findings import OFSTED_GRADES, agreement
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (CASE_AUDIT_TRANSITIONS, AuditProgramme, CaseAudit, CaseAuditStatus, IllegalTransition,
                           Moderation, ModerationOutcome, SafeguardingConcern, User)
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import LEAD, audit_part, sections_for


class ModerationError(ValueError):
    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def graded_questions(case_audit: CaseAudit):
    """(question, the auditor's grade) for every grade question in the lead's part."""
    return [(q, case_audit.answers.get(q.id)) for s in sections_for(case_audit, LEAD)
            for q in s.questions if q.type == "grade"]


def _random_pick(seed, case_audit_id, percent) -> bool:
    digest = hashlib.sha256(f"{seed}:{case_audit_id}".encode()).hexdigest()
    return int(digest, 16) % 10_000 < percent * 100


def queue_reasons(case_audit: CaseAudit) -> list[str]:
    """Why the programme's moderation policy sends this submitted audit to the queue."""
    policy = case_audit.programme.moderation_policy or {}
    reasons = []
    if policy.get("inadequate") and "Inadequate" in {grade for _, grade in graded_questions(case_audit)}:
        reasons.append("Graded Inadequate")
    if policy.get("flagged") and db.session.scalar(
            select(SafeguardingConcern.id).filter_by(case_audit_id=case_audit.id).limit(1)):
        reasons.append("Safeguarding concern raised")
    first = policy.get("new_auditor_first") or 0
    if first and case_audit.lead_auditor_id:
        earlier = db.session.scalars(
            select(CaseAudit.id).where(CaseAudit.lead_auditor_id == case_audit.lead_auditor_id,
                                       CaseAudit.submitted_at.is_not(None))
            .order_by(CaseAudit.submitted_at, CaseAudit.id).limit(first)).all()
        if case_audit.id in earlier:
            reasons.append(f"One of the auditor's first {first} audits")
    if policy.get("random_percent") and _random_pick(policy.get("seed", 0), case_audit.id, policy["random_percent"]):
        reasons.append(f"Chosen at random ({policy['random_percent']}%, seed {policy.get('seed', 0)})")
    return reasons


OWN_WORK = "You audited this case, so another QA lead must moderate it"
OWN_WORK_REOPEN = "You audited this case, so another QA lead must reopen it"


def auditors_of(case_audit: CaseAudit) -> set[int]:
    """Everyone who is auditing, or ever saved or submitted, any part of the case: none of them
    may moderate it, and a moderation by one of them is left out of the agreement figures."""
    ids = {section.auditor_id for section in case_audit.sections} | {case_audit.lead_auditor_id}
    ids |= {author.user_id for author in case_audit.authors}
    return {i for i in ids if i is not None}


def is_own_work(case_audit: CaseAudit, user) -> bool:
    return user.id in auditors_of(case_audit)


@dataclass
class QueueItem:
    case_audit: CaseAudit
    reasons: list[str]


def moderation_queue() -> list[QueueItem]:
    submitted = db.session.scalars(select(CaseAudit).where(CaseAudit.status == CaseAuditStatus.SUBMITTED)
                                   .order_by(CaseAudit.submitted_at)).all()
    items = [QueueItem(c, queue_reasons(c)) for c in submitted]
    return [item for item in items if item.reasons]


def next_in_queue(user) -> CaseAudit | None:
    """The oldest audit in the queue that this moderator may moderate (not their own work)."""
    return next((item.case_audit for item in moderation_queue() if not is_own_work(item.case_audit, user)), None)


def moderate(case_audit_id: int, grades: dict, reasons: dict, *, outcome: str, comments: str | None, user) -> Moderation:
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        try:
            case_audit.check("moderate")
        except IllegalTransition as refused:
            raise ModerationError({"_state": str(refused)}) from None
        if is_own_work(case_audit, user):
            raise ModerationError({"_state": OWN_WORK})
        problems, recorded = {}, {}
        for question, auditor_grade in graded_questions(case_audit):
            chosen = grades.get(question.id)
            reason = (reasons.get(question.id) or "").strip()
            if chosen not in OFSTED_GRADES:
                problems[question.id] = f"Select your grade for: {question.label}"
            elif chosen != auditor_grade and not reason:
                problems[f"{question.id}_reason"] = f"Enter why your grade differs from the auditor's for: {question.label}"
            recorded[question.id] = {"auditor": auditor_grade, "moderator": chosen, "reason": reason or None}
        if outcome not in {o.value for o in ModerationOutcome}:
            problems["_outcome"] = "Choose whether to accept the audit or return it"
        if outcome == ModerationOutcome.RETURNED and not (comments or "").strip():
            problems["comments"] = "Enter comments for the auditor when returning an audit"
        if outcome == ModerationOutcome.ACCEPTED and (waiting := _open_queries(case_audit)):
            problems["_queries"] = "Close the open queries before accepting this audit: " + "; ".join(waiting)
        if problems:
            raise ModerationError(problems)
        moderation = Moderation(case_audit_id=case_audit.id, moderator_id=user.id, grades=recorded,
                                outcome=ModerationOutcome(outcome), comments=(comments or "").strip() or None)
        db.session.add(moderation)
        if moderation.outcome == ModerationOutcome.ACCEPTED:
            case_audit.moderate()
        else:
            case_audit.return_to_auditor()
        changed = sorted(q for q, g in recorded.items() if g["auditor"] != g["moderator"])
        record_event("case_audit_moderated" if moderation.outcome == ModerationOutcome.ACCEPTED
                     else "case_audit_returned", actor=user,
                     object_type="case_audit", object_id=case_audit.id,
                     details={"grades_changed": changed, "questions": sorted(recorded)})
    return moderation


def _open_queries(case_audit: CaseAudit) -> list[str]:
    """The questions with an open query (issue 26), as the moderator knows them. Returning the
    audit is still allowed: that is how its author gets to change a queried answer."""
    # Imported here: the queries' rules use is_own_work above, so the two modules need each other.
    from qa_app.services.queries import open_queries_on, question_of
    named = []
    for query in open_queries_on(case_audit.id):
        question, part = question_of(case_audit, query.part, query.question_id), audit_part(case_audit, query.part)
        named.append(f"{question.label if question else query.question_id} ({part.title if part else query.part})")
    return named


def reopen(case_audit_id: int, part: str, reason: str, user) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError({"reason": "Enter why the audit is being reopened"})
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        if is_own_work(case_audit, user):
            # Reopening undoes a submission or a moderation: a check, never made on one's own work.
            raise ModerationError({"_state": OWN_WORK_REOPEN})
        current = audit_part(case_audit, part)
        if current is None:
            raise ModerationError({"_state": CASE_AUDIT_TRANSITIONS["reopen"].refusal})
        try:
            current.record.reopen()
        except IllegalTransition as refused:
            raise ModerationError({"_state": str(refused)}) from None
        record_event("case_audit_reopened", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"part": part, "reason": reason[:500]})


def set_policy(programme_id: int, *, inadequate: bool, flagged: bool, new_auditor_first: int,
               random_percent: int, user) -> None:
    if not 0 <= random_percent <= 100:
        raise ModerationError({"random_percent": "Enter a percentage from 0 to 100"})
    if not 0 <= new_auditor_first <= 50:
        raise ModerationError({"new_auditor_first": "Enter a number of audits from 0 to 50"})
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id, with_for_update=True)
        before = dict(programme.moderation_policy or {})
        programme.moderation_policy = {**before, "inadequate": inadequate, "flagged": flagged,
                                       "new_auditor_first": new_auditor_first, "random_percent": random_percent}
        record_event("moderation_policy_changed", actor=user, object_type="audit_programme",
                     object_id=programme.id, details={"before": before, "after": programme.moderation_policy})


@dataclass
class AgreementReport:
    overall: object
    by_question: dict
    by_auditor: dict


def agreement_for(programme: AuditProgramme) -> AgreementReport:
    """From the latest moderation of each case audit in the programme."""
    latest = {}
    for moderation in db.session.scalars(
            select(Moderation).join(CaseAudit).where(CaseAudit.programme_id == programme.id)
            .order_by(Moderation.created_at, Moderation.id)):
        latest[moderation.case_audit_id] = moderation
    pairs, by_question, by_auditor = [], {}, {}
    names = {u.id: u.display_name for u in db.session.scalars(select(User))}
    for moderation in latest.values():
        if moderation.moderator_id in auditors_of(moderation.case_audit):
            continue  # from before self-moderation was refused: not an independent check
        auditor = names.get(moderation.case_audit.lead_auditor_id, "Unknown")
        for question_id, grade in moderation.grades.items():
            if grade["auditor"] in OFSTED_GRADES and grade["moderator"] in OFSTED_GRADES:
                pair = (grade["auditor"], grade["moderator"])
                pairs.append(pair)
                by_question.setdefault(question_id, []).append(pair)
                by_auditor.setdefault(auditor, []).append(pair)
    return AgreementReport(agreement(pairs), {q: agreement(p) for q, p in by_question.items()},
                           {a: agreement(p) for a, p in sorted(by_auditor.items())})


def moderations_of(case_audit: CaseAudit) -> list[Moderation]:
    return db.session.scalars(select(Moderation).filter_by(case_audit_id=case_audit.id)
                              .order_by(Moderation.id)).all()
