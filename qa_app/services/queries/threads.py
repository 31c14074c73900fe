"""Opening, answering and closing queries, and the lists that show them. Every step is one
write with its audit-trail event; the events name the query, its question and who was told,
never the words of the thread (they are case content and stay in the query)."""
from dataclasses import dataclass

from sqlalchemy import select

from audit_tools.questionnaires import Question
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (AnswerQuery, AnswerQueryMessage, CaseAudit, CaseAuditSection, CaseAuditStatus, MessageKind,
                           QueryStatus, Role)
from qa_app.models.base import utcnow
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import audit_part
from qa_app.services.queries import notices
from qa_app.services.queries.rules import answerers_of, may_answer, may_moderate, may_read

NOTE_MAX = 5000
SUGGESTED_MAX = 2000
NOT_YOURS = "This query is not one for you to answer"
OWN_WORK = "You audited this case, so another QA lead must query its answers"
NOT_SUBMITTED = "Only a submitted audit's answers can be queried, before it is moderated"


class QueryRefused(ValueError):
    """Not done; `problems` says why, by form field ("_state" for the query as a whole)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def question_of(case_audit: CaseAudit, part: str, question_id: str) -> Question | None:
    current = audit_part(case_audit, part)
    if current is None:
        return None
    return next((q for s in current.sections for q in s.questions if q.id == question_id), None)


def current_answer(query: AnswerQuery):
    current = audit_part(query.case_audit, query.part)
    return (current.record.answers or {}).get(query.question_id) if current else None


def _check_suggested(question: Question, suggested: str | None) -> str | None:
    if question.choices and suggested not in {value for value, _ in question.choices}:
        return "Choose one of the question's answers, or none"
    if len(suggested) > SUGGESTED_MAX:
        return f"The answer you suggest must be {SUGGESTED_MAX:,} characters or fewer"
    return None


def why_not_open(case_audit: CaseAudit, part: str, user) -> str | None:
    """Why this user may not query this part's answers now; None when they may."""
    if not user.has_role(Role.QA_LEAD):
        return "Only a QA lead can query an answer"
    if not may_moderate(case_audit, user):
        return OWN_WORK
    current = audit_part(case_audit, part)
    if case_audit.status != CaseAuditStatus.SUBMITTED or current is None or not current.submitted:
        return NOT_SUBMITTED
    return None


def open_query(case_audit_id: int, part: str, question_id: str, note: str, suggested: str | None,
               user) -> AnswerQuery:
    note, suggested = (note or "").strip(), (suggested or "").strip() or None
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        question = question_of(case_audit, part, question_id) if case_audit is not None else None
        if question is None:
            raise QueryRefused({"_state": "There is no such question in this audit"})
        if refusal := why_not_open(case_audit, part, user):
            raise QueryRefused({"_state": refusal})
        current = audit_part(case_audit, part)
        problems = {}
        if not note:
            problems["note"] = "Enter what you want to ask the auditor about this answer"
        elif len(note) > NOTE_MAX:
            problems["note"] = f"Your note must be {NOTE_MAX:,} characters or fewer"
        if suggested is not None and (problem := _check_suggested(question, suggested)):
            problems["suggested"] = problem
        if problems:
            raise QueryRefused(problems)
        query = AnswerQuery(case_audit_id=case_audit.id, part=part, question_id=question.id,
                            answer_when_opened=(current.record.answers or {}).get(question.id),
                            suggested_answer=suggested, opened_by_id=user.id, status=QueryStatus.OPEN)
        db.session.add(query)
        db.session.flush()
        db.session.add(AnswerQueryMessage(query_id=query.id, author_id=user.id, kind=MessageKind.OPENED, text=note))
        told = answerers_of(case_audit, part)
        record_event("answer_query_opened", actor=user, object_type="answer_query", object_id=query.id,
                     details={"case_audit": case_audit.id, "part": part, "question": question.id,
                              "suggested_answer": suggested is not None, "notified": [u.id for u in told]})
        query_id = query.id
    notices.tell_authors(query_id, told, user)
    return get(query_id)


def get(query_id: int) -> AnswerQuery | None:
    return db.session.get(AnswerQuery, query_id)


def readable(query_id: int, user) -> AnswerQuery | None:
    """The query, when this user may read it; None as for one that does not exist."""
    query = get(query_id)
    return query if query is not None and may_read(query, user) else None


def write(query_id: int, text: str, user) -> AnswerQueryMessage:
    """An author's answer, or the moderator writing again; the query stays open."""
    text = (text or "").strip()
    with write_transaction():
        query = db.session.get(AnswerQuery, query_id, with_for_update=True)
        if query is None or not may_read(query, user):
            raise QueryRefused({"_state": NOT_YOURS})
        if may_answer(query, user):
            kind, field_name = MessageKind.ANSWERED, "Enter your answer to the query"
        elif may_moderate(query.case_audit, user):
            kind, field_name = MessageKind.REPLIED, "Enter what you want to add"
        else:
            raise QueryRefused({"_state": NOT_YOURS})
        if not query.is_open:
            raise QueryRefused({"_state": "This query is closed"})
        if not text:
            raise QueryRefused({"text": field_name})
        if len(text) > NOTE_MAX:
            raise QueryRefused({"text": f"Your message must be {NOTE_MAX:,} characters or fewer"})
        message = AnswerQueryMessage(query_id=query.id, author_id=user.id, kind=kind, text=text)
        db.session.add(message)
        db.session.flush()
        record_event(f"answer_query_{kind.value}", actor=user, object_type="answer_query", object_id=query.id,
                     details={"case_audit": query.case_audit_id, "question": query.question_id,
                              "message": message.id})
    return message


def close(query_id: int, note: str, user) -> None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise QueryRefused({"note": f"Your closing note must be {NOTE_MAX:,} characters or fewer"})
    with write_transaction():
        query = db.session.get(AnswerQuery, query_id, with_for_update=True)
        if query is None or not may_moderate(query.case_audit, user):
            raise QueryRefused({"_state": "Only a QA lead who may moderate this audit can close its queries"})
        if not query.is_open:
            raise QueryRefused({"_state": "This query is already closed"})
        query.status, query.closed_by_id, query.closed_at = QueryStatus.CLOSED, user.id, utcnow()
        db.session.add(AnswerQueryMessage(query_id=query.id, author_id=user.id, kind=MessageKind.CLOSED, text=note))
        record_event("answer_query_closed", actor=user, object_type="answer_query", object_id=query.id,
                     details={"case_audit": query.case_audit_id, "question": query.question_id,
                              "answer_changed": current_answer(query) != query.answer_when_opened})


def queries_on(case_audit: CaseAudit) -> list[AnswerQuery]:
    return db.session.scalars(select(AnswerQuery).filter_by(case_audit_id=case_audit.id)
                              .order_by(AnswerQuery.id)).all()


def open_queries_on(case_audit_id: int) -> list[AnswerQuery]:
    return db.session.scalars(select(AnswerQuery).filter_by(case_audit_id=case_audit_id, status=QueryStatus.OPEN)
                              .order_by(AnswerQuery.id)).all()


def waiting_for(user) -> list[AnswerQuery]:
    """Open queries this user answers, for their home page: on the audits they hold a part of."""
    held = select(CaseAudit.id).where(CaseAudit.lead_auditor_id == user.id).union(
        select(CaseAuditSection.case_audit_id).where(CaseAuditSection.auditor_id == user.id))
    candidates = db.session.scalars(select(AnswerQuery).where(AnswerQuery.status == QueryStatus.OPEN,
                                                              AnswerQuery.case_audit_id.in_(held))
                                    .order_by(AnswerQuery.opened_at, AnswerQuery.id)).all()
    return [q for q in candidates if may_answer(q, user)]


@dataclass
class QuerySummary:
    """A query as pages list it: with its question's label and the part's title."""
    query: AnswerQuery
    question_label: str
    part_title: str


def described(listed: list[AnswerQuery]) -> list[QuerySummary]:
    summaries = []
    for query in listed:
        question = question_of(query.case_audit, query.part, query.question_id)
        part = audit_part(query.case_audit, query.part)
        summaries.append(QuerySummary(query, question.label if question else query.question_id,
                                      part.title if part else query.part))
    return summaries
