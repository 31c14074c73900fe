"""Who read which child's record: one audit-trail event per view of a case-level page or export.

Pages and exports that show named children call record_case_read(). A page about one case names
its child ids; a list of many children names its filter instead (the programme, or the measure
and period), so a list page costs one row however long the list is. The admin page "Who looked at
this child" (reads_of_child) finds both: events naming the child, through an indexed table, and
list views whose filter could have shown the child.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_app.db import in_write_transaction, request_may_write, write_transaction
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditEventChild, CaseAudit, CPPlan, Referral
from qa_app.services.audit_trail import build_event

# Lists of children opened from the measures, with the rows each can show. A child was on such
# a list only if one of their referrals or plans falls in the list's period.
MEASURE_LISTS = ("re-referral list", "repeat plan list")


def record_case_read(what: str, *, child_ids=(), list_filter: dict | None = None,
                     object_type: str | None = None, object_id=None, actor=None) -> None:
    """Record that the signed-in user read children's records.

    what: the page or export, in words ("case audit", "programme findings export").
    child_ids: the children it names, when it names a few (one page per case: one id).
    list_filter: for a list or export of many children, what chose them, e.g.
    {"programme": 12} or {"period": "2014-04-01..2014-06-30"}; then give no child_ids.
    object_type/object_id: what was opened, e.g. ("audit_programme", 12); a programme's lists
    must give these, so that the admin page can find the children in that programme's sample.

    Inside a write transaction the event joins it; otherwise it is committed at once on its own
    connection, so that a page view never holds the write lock while it renders.
    """
    ids = sorted({str(child_id) for child_id in child_ids if child_id})
    details = {"what": what}
    if list_filter is not None:
        details["list_filter"] = list_filter
    event = build_event("case_read", object_type=object_type, object_id=object_id, details=details, actor=actor)
    if in_write_transaction():
        _add(db.session, event, ids)
    elif request_may_write() and db.session().in_transaction():
        with write_transaction() as session:  # a form post already holds the lock: use it
            _add(session, event, ids)
    else:
        with Session(db.engine) as session, session.begin():
            _add(session, event, ids)


def _add(session, event, child_ids) -> None:
    session.add(event)
    session.flush()
    session.add_all(AuditEventChild(event_id=event.id, child_id=child_id) for child_id in child_ids)


def children_in_import_warnings(warnings) -> list[str]:
    """The children an import's warnings name: "child X" in a finding's place, or the owners of
    the referral and plan ids a row's warning shows."""
    children, record_ids = set(), set()
    for warning in warnings or ():
        location = warning.get("location") or ""
        if location.startswith("child "):
            children.add(location.removeprefix("child "))
        record_ids.update(part.strip() for part in str(warning.get("value") or "").split(",") if part.strip())
    for column, table in ((Referral.referral_id, Referral), (CPPlan.plan_id, CPPlan)):
        wanted = sorted(record_ids)
        for start in range(0, len(wanted), 500):  # within any database's limit on parameters
            children.update(db.session.scalars(select(table.child_id).where(column.in_(wanted[start:start + 500]))))
    return sorted(children)


def period_filter(period) -> str:
    """How a list's period is kept in its filter: ISO dates, start..end."""
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


@dataclass
class ChildReads:
    child_id: str
    direct: list  # events naming the child
    lists: list  # list views that showed (or, for measures, could have shown) the child


def _child_dates(child_id: str) -> list[date]:
    referrals = select(Referral.referral_date).filter_by(child_id=child_id)
    plans = select(CPPlan.start_date).filter_by(child_id=child_id)
    return list(db.session.scalars(referrals)) + list(db.session.scalars(plans))


def _period_holds(text: str | None, dates: list[date]) -> bool:
    try:
        start, end = (date.fromisoformat(part) for part in (text or "").split(".."))
    except ValueError:
        return True  # an unreadable filter: show it rather than hide a possible read
    return any(start <= day <= end for day in dates)


def reads_of_child(child_id: str, limit: int = 500) -> ChildReads:
    child_id = child_id.strip()
    direct = db.session.scalars(
        select(AuditEvent).join(AuditEventChild, AuditEventChild.event_id == AuditEvent.id)
        .where(AuditEventChild.child_id == child_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    programme_ids = [str(i) for i in db.session.scalars(
        select(CaseAudit.programme_id).filter_by(child_id=child_id).distinct())]
    lists = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case_read", AuditEvent.object_type == "audit_programme",
                                 AuditEvent.object_id.in_(programme_ids))
        .order_by(AuditEvent.occurred_at.desc()).limit(limit))) if programme_ids else []
    dates = _child_dates(child_id)
    if dates:
        measure_views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_read", AuditEvent.object_type == "measure_list")
            .order_by(AuditEvent.occurred_at.desc()).limit(limit * 10))
        lists += [e for e in measure_views if _period_holds((e.details.get("list_filter") or {}).get("period"), dates)]
    lists.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
    return ChildReads(child_id, direct, lists[:limit])
