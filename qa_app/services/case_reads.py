"""Who read which child's record: one audit-trail event per view of a case-level page or export.

Pages and exports that show named children call record_case_read(). A page about one case names
its child ids; a list of many children names its filter instead (the programme, or the measure
and period), so a list page costs one row however long the list is. The admin page "Who looked at
this child" (reads_of_child) finds both: events naming the child, through an indexed table, and
list views whose filter could have shown the child.
"""
import logging
from dataclasses import dataclass
from datetime import date

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_app.db import in_write_transaction
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditEventChild, AuditProgramme, CaseAudit, Child, CPPlan, Referral
from qa_app.services.audit_trail import build_event
from qa_app.uk_time import uk_day

# Lists of children opened from the measures, with the rows each can show. A child was on such
# a list only if one of their referrals or plans falls in the list's period.
MEASURE_LISTS = ("re-referral list", "repeat plan list")

log = logging.getLogger(__name__)


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
    if has_request_context() and g.get("database_busy"):
        # The form is being shown again because the database could not take its save for the
        # whole lock timeout (qa_app/errors.py): a write now would wait as long and lose the
        # typed page too. The page was read, and logged, when it was first drawn; this showing
        # goes to the application log, naming who and which children, instead of the trail.
        log.warning("case read not written to the audit trail (database busy): %s, user %s, children %s, %s",
                    what, event.user_id, ids, list_filter or "")
        return
    if in_write_transaction():
        _add(db.session, event, ids)
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
class ReadGroup:
    """Repeated reads of one thing by one person on one day, told once with a count."""
    user: str
    role: str
    day: date
    what: str  # in plain words: "the case audit of child C1 in programme Re-referrals Q1"
    count: int
    first: object  # datetime of the first read that day
    last: object
    detail: str = ""  # a list's filter, or the address it was read from


@dataclass
class ChildReads:
    child_id: str
    direct: list  # events naming the child
    lists: list  # list views that showed (or, for measures, could have shown) the child
    known: bool = True  # the child is in the loaded data (or in an audit)

    @property
    def direct_groups(self) -> list[ReadGroup]:
        return group_reads(self.direct, self.child_id)

    @property
    def list_groups(self) -> list[ReadGroup]:
        return group_reads(self.lists, self.child_id, filters=True)


FILTER_WORDS = {"programme": "programme", "period": "period", "previous_decision": "earlier decision",
                "within_two_years": "within two years"}


def _programme_names(ids) -> dict[str, str]:
    numbers = [int(i) for i in ids if str(i).isdigit()]
    if not numbers:
        return {}
    return {str(p.id): p.name for p in db.session.scalars(select(AuditProgramme).where(AuditProgramme.id.in_(numbers)))}


def plain_words(event, child_id: str, programmes: dict, case_audits: dict) -> str:
    """What was read, as a person would say it, not as the audit trail stores it."""
    what = (event.details or {}).get("what") or "a page"
    kind, key = event.object_type, str(event.object_id or "")
    if kind == "case_audit" and key in case_audits:
        case_id, programme = case_audits[key]
        return f"{what}: the case audit of child {child_id} (case {case_id}) in programme {programme}"
    if kind == "audit_programme":
        return f"{what}: programme {programmes.get(key, key)}"
    if kind == "measure_list":
        return f"{what} from the measures"
    # Anything else by its kind and number: "action: action 9", "child's history: child C1".
    return what if not kind else f"{what}: {kind.replace('_', ' ')} {key}".strip()


def group_reads(events, child_id: str, filters: bool = False) -> list[ReadGroup]:
    audit_ids = [int(e.object_id) for e in events if e.object_type == "case_audit" and str(e.object_id).isdigit()]
    case_audits = {str(c.id): (c.case_id, c.programme.name) for c in db.session.scalars(
        select(CaseAudit).where(CaseAudit.id.in_(audit_ids)))} if audit_ids else {}
    programmes = _programme_names({e.object_id for e in events if e.object_type == "audit_programme"}
                                  | {str((e.details.get("list_filter") or {}).get("programme", "")) for e in events})
    groups: dict[tuple, ReadGroup] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.id)):
        if filters:
            parts = []
            for key, value in (event.details.get("list_filter") or {}).items():
                shown = programmes.get(str(value), value) if key == "programme" else value
                parts.append(f"{FILTER_WORDS.get(key, key.replace('_', ' '))}: {shown}")
            detail = "; ".join(parts)
        else:
            detail = event.ip_address or ""
        what = plain_words(event, child_id, programmes, case_audits)
        key = (event.user_email or "anonymous", uk_day(event.occurred_at), what, detail if filters else "")
        group = groups.get(key)
        if group is None:
            groups[key] = ReadGroup(key[0], event.role or "", key[1], what, 1, event.occurred_at, event.occurred_at, detail)
        else:
            group.count += 1
            group.last = event.occurred_at
            if detail and detail not in group.detail.split(", "):
                group.detail = f"{group.detail}, {detail}" if group.detail else detail
    return sorted(groups.values(), key=lambda g: (g.last, g.user), reverse=True)


def child_is_known(child_id: str) -> bool:
    return any(db.session.scalar(select(model.child_id).filter_by(child_id=child_id).limit(1)) is not None
               for model in (Child, Referral, CPPlan, CaseAudit))


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
    return ChildReads(child_id, direct, lists[:limit], known=bool(direct or lists) or child_is_known(child_id))
