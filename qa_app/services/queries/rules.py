"""Who takes part in a query: the separation of duties of moderation, applied to one answer.

A query is opened, written to as moderator and closed only by a QA lead who may moderate the
audit (never someone who wrote any part of it). It is answered only by an author of the part
queried who can still see the audit (its current auditor, or an earlier author still holding a
part of it). Nobody else reads it: a part reassigned since takes the query to its new auditor."""
from sqlalchemy import select

from qa_app.extensions import db
from qa_app.models import AnswerQuery, CaseAudit, CaseAuditAuthor, Role, User
from qa_app.services import moderation as moderation_rules
from qa_app.services.case_audits import audit_part, parts_for


def may_moderate(case_audit: CaseAudit, user) -> bool:
    return user.has_role(Role.QA_LEAD) and not moderation_rules.is_own_work(case_audit, user)


def answerers_of(case_audit: CaseAudit, part: str) -> list[User]:
    """The part's current auditor, and whoever saved or submitted it who still holds a part of
    the audit: those are its authors who may see it."""
    current = audit_part(case_audit, part)
    ids = set(db.session.scalars(select(CaseAuditAuthor.user_id).filter_by(case_audit_id=case_audit.id, part=part)))
    if current is not None and current.owner_id is not None:
        ids.add(current.owner_id)
    users = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all() if ids else []
    return [u for u in users if u.active and u.has_role(Role.AUDITOR) and parts_for(u, case_audit)]


def may_answer(query: AnswerQuery, user) -> bool:
    return any(u.id == user.id for u in answerers_of(query.case_audit, query.part))


def may_read(query: AnswerQuery, user) -> bool:
    """QA leads read every query (they read every audit); an auditor only the ones they answer."""
    return user.has_role(Role.QA_LEAD) or may_answer(query, user)
