"""Actions raised by audits: who may read and work them, raising, progress and evidence,
changes of state checked against one table of transitions. The lists are in action_lists.

Every change bumps the action's version and writes an audit-trail event in the same
transaction; a change made from an out-of-date page is refused, never applied over another's.
"""
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select

from audit_tools.evidence import CONTENT_TYPES, check_evidence_file, evidence_type
from audit_tools.programme_findings import NOT_EVIDENCED, RI_OR_INADEQUATE
from audit_tools.questionnaires import MET_ANSWERS
from audit_tools.readers import FileRejected
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (OUTSTANDING, TRANSITIONS, Action, ActionPriority, ActionStatus, ActionUpdate, Agency,
                           AuditProgramme, CaseAudit, Role, User)
from qa_app.models.base import utcnow
from qa_app.services import accounts, people
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import questionnaire_for_programme

DESCRIPTION_MAX = 2000
NOTE_MAX = 5000
DUE_SOON_DAYS = 7
# Answers that make a question a finding worth acting on.
WEAK_ANSWERS = {"partly", "no", NOT_EVIDENCED, *RI_OR_INADEQUATE}


class ActionError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ActionConflict(ActionError):
    """The action changed since the page was loaded."""


def today() -> date:
    return utcnow().date()


# --- who may do what ---------------------------------------------------------------------

def _sees_everything(user) -> bool:
    return user.has_role(Role.QA_LEAD, Role.ADMIN)


def _partner_auditor(user) -> bool:
    return user.has_role(Role.AUDITOR) and user.agency != Agency.CHILDRENS_SOCIAL_CARE


def works_actions(user) -> bool:
    """Team managers and partner-agency auditors: their outstanding actions are on their home page."""
    return user.has_role(Role.TEAM_MANAGER) or _partner_auditor(user)


def reads_actions(user) -> bool:
    """Whether the Actions page is in the user's navigation."""
    return _sees_everything(user) or works_actions(user)


def _sees_team_actions(user) -> bool:
    """Team-based visibility: a team's managers, and children's social care staff in the team.
    A partner agency's auditor who is also listed in a team sees only their agency's actions."""
    return user.has_role(Role.TEAM_MANAGER) or user.agency == Agency.CHILDRENS_SOCIAL_CARE


def visibility_clause(user):
    """Who sees which actions, the one rule every list, count and page uses (README, "Who sees
    and does what"): QA leads and admins every one; anyone else the actions they own, the
    actions of their teams if they are a team manager or children's social care staff, and
    (auditors of a partner agency) their agency's. No user (the command line) reads every action."""
    if user is None or _sees_everything(user):
        return None
    clauses = [Action.owner_id == user.id]
    team_ids = [team.id for team in user.teams] if _sees_team_actions(user) else []
    if team_ids:
        clauses.append(Action.team_id.in_(team_ids))
    if _partner_auditor(user):
        clauses.append(Action.agency == user.agency)
    return or_(*clauses)


def can_read(user, action: Action) -> bool:
    """The same rule as visibility_clause, asked of one action."""
    clause = visibility_clause(user)
    if clause is None:
        return True
    return db.session.scalar(select(Action.id).where(Action.id == action.id, clause)) is not None


def can_work(user, action: Action) -> bool:
    """Record progress and mark done: the named owner, a manager of the owning team, or an
    auditor of the owning partner agency. Reading every action (a QA lead) is not enough."""
    if action.owner_id == user.id:
        return True
    if action.team_id is not None:
        return user.has_role(Role.TEAM_MANAGER) and action.team_id in {t.id for t in user.teams}
    return _partner_auditor(user) and action.agency == user.agency


# The owners' own moves (the rest are QA leads' checks and cancelling).
OWNERS_MOVES = frozenset(to for (_, to), who in TRANSITIONS.items() if who == "team")
OWN_WORK = "You worked on this action, so another QA lead must verify or return it"
# Moves that check the owners' work: whoever did that work never makes them.
CHECKS = frozenset({ActionStatus.CLOSED, ActionStatus.RETURNED})


def worked_on(user, action: Action) -> bool:
    """Recorded progress or evidence on the action, or moved it along as its owners do."""
    return any(u.user_id == user.id and (u.kind in ("note", "evidence")
                                         or (u.kind == "status" and TRANSITIONS.get((ActionStatus(u.from_status),
                                                                                     ActionStatus(u.to_status))) == "team"))
               for u in action.updates)


def may_move(user, action: Action, to_status: ActionStatus) -> bool:
    who = TRANSITIONS.get((action.state, to_status))
    if who == "qa":
        return user.has_role(Role.QA_LEAD) and not (to_status in CHECKS and worked_on(user, action))
    return who == "team" and can_work(user, action)


def next_states(user, action: Action) -> list[ActionStatus]:
    return [to for (frm, to) in TRANSITIONS if frm == action.state and may_move(user, action, to)]


def may_raise(user, programme: AuditProgramme, case_audit: CaseAudit | None) -> bool:
    """QA leads raise actions anywhere; a lead auditor raises them from their own case audit."""
    if user.has_role(Role.QA_LEAD):
        return True
    return case_audit is not None and case_audit.lead_auditor_id == user.id and user.has_role(Role.AUDITOR)


# --- raising -------------------------------------------------------------------------------

@dataclass
class NewAction:
    description: str
    finding: str
    due_date: date | None
    team: str | None = None  # a team's name, or
    agency: str | None = None  # a partner agency
    priority: str = ActionPriority.MEDIUM.value
    owner_id: int | None = None
    question_id: str | None = None
    answer: str | None = None


def possible_owners() -> list[User]:
    """People who can own an action: active team managers, and auditors of partner agencies."""
    return people.active_users(or_(people.holds(Role.TEAM_MANAGER), people.partner_auditor()))


def _validated(new: NewAction) -> NewAction:
    description = (new.description or "").strip()
    finding = (new.finding or "").strip()
    if not description:
        raise ActionError("Enter what must be done", "description")
    if len(description) > DESCRIPTION_MAX:
        raise ActionError(f"What must be done must be {DESCRIPTION_MAX:,} characters or fewer", "description")
    if not finding:
        raise ActionError("Enter the finding this action answers", "finding")
    if new.due_date is None:
        raise ActionError("Enter the date the action is due", "due_date")
    if new.due_date < today():
        raise ActionError("The due date must be today or in the future", "due_date")
    team = (new.team or "").strip() or None
    agency = new.agency or None
    if bool(team) == bool(agency):
        raise ActionError("Choose one team or one partner agency to own the action", "owner_kind")
    if agency and (agency not in Agency._value2member_map_ or agency == Agency.CHILDRENS_SOCIAL_CARE):
        raise ActionError("Choose a partner agency from the list", "agency")
    if new.priority not in ActionPriority._value2member_map_:
        raise ActionError("Choose the action's priority", "priority")
    return NewAction(description, finding[:DESCRIPTION_MAX], new.due_date, team, agency, new.priority,
                     new.owner_id, new.question_id, (new.answer or None) and str(new.answer)[:200])


def raise_action(programme_id: int, case_audit_id: int | None, new: NewAction, user) -> Action:
    new = _validated(new)
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id)
        case_audit = db.session.get(CaseAudit, case_audit_id) if case_audit_id else None
        if programme is None or (case_audit_id and (case_audit is None or case_audit.programme_id != programme.id
                                                    or case_audit.removed)):
            raise ActionError("The programme or case audit was not found")
        if not may_raise(user, programme, case_audit):
            raise ActionError("Only the case's lead auditor or a QA lead can raise an action here")
        team = None
        if new.team:
            # Only a known team (case data, or added by an admin on purpose): a typed name never
            # becomes a team here. A team with no manager is named on the QA leads' and admins'
            # home pages (safeguarding.teams_nobody_manages).
            team = accounts.known_team(new.team)
            if team is None:
                raise ActionError("Choose a team from the list", "team")
        if new.owner_id is not None:
            owner = db.session.get(User, new.owner_id)
            if owner is None or not owner.active:
                raise ActionError("Choose an owner from the list", "owner_id")
        action = Action(programme_id=programme.id, case_audit_id=case_audit.id if case_audit else None,
                        team_id=team.id if team else None, agency=new.agency, description=new.description,
                        finding=new.finding, question_id=new.question_id, answer=new.answer,
                        owner_id=new.owner_id, due_date=new.due_date, priority=new.priority,
                        status=ActionStatus.OPEN.value, raised_by_id=user.id)
        db.session.add(action)
        db.session.flush()
        db.session.add(ActionUpdate(action_id=action.id, kind="raised", to_status=ActionStatus.OPEN.value,
                                    user_id=user.id))
        record_event("action_raised", actor=user, object_type="action", object_id=action.id,
                     details={"programme": programme.id, "case_audit": action.case_audit_id,
                              "team": team.name if team else None, "agency": new.agency,
                              "due": new.due_date.isoformat(), "priority": new.priority,
                              "question": new.question_id})
    return action


def finding_choices(programme: AuditProgramme, case_audit: CaseAudit | None) -> tuple[list[tuple[str, str]], dict]:
    """The findings an action may answer, as (question id, label) choices: the questions this
    case answered weakly, or for a programme-wide action every met or graded question. With
    them the case's answers (the lead's, then each section's), so the action keeps the answer."""
    questionnaire = questionnaire_for_programme(programme)
    options = [("", "A recommendation, not one question")]
    answers = {}
    if case_audit is not None:
        answers = dict(case_audit.answers or {})
        for section in case_audit.sections:
            answers.update({k: v for k, v in (section.answers or {}).items() if k not in answers})
    for question in questionnaire.questions():
        if question.type not in ("met", "grade"):
            continue
        answer = answers.get(question.id)
        if case_audit is None:
            options.append((question.id, question.label))
        elif answer in WEAK_ANSWERS:
            options.append((question.id, f"{question.label}: {MET_ANSWERS.get(answer, answer)}"))
    return options, answers


def recommendations(case_audit: CaseAudit | None) -> list[str]:
    """The lead auditor's saved recommendations, one per line: each can become one action."""
    text = ((case_audit.answers or {}).get("recommendations") or "") if case_audit else ""
    return [line.strip(" -*\u2022\t") for line in text.splitlines() if line.strip(" -*\u2022\t")]


# --- working an action ---------------------------------------------------------------------

def _locked(action_id: int, version: int | None) -> Action:
    action = db.session.get(Action, action_id, with_for_update=True)
    if action is None:
        raise ActionError("The action was not found")
    if version is not None and version != action.version:
        raise ActionConflict("Someone else changed this action after you opened it. Your change was "
                             "not saved: read their change below, then make yours again.")
    return action


def evidence_dir() -> Path:
    path = Path(current_app.instance_path) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _checked_link(link: str | None) -> str | None:
    link = (link or "").strip()
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(link) > 500:
        raise ActionError("Enter the link to the case record as a web address starting https://", "link")
    return link


def _store_upload(stream, file_name: str) -> tuple[str, int]:
    """Write the upload to a random name, check it, and keep it only if it passes."""
    limit = current_app.config["EVIDENCE_MAX_MB"] * 1024 * 1024
    evidence_type(file_name)
    stored = secrets.token_hex(16)
    path = evidence_dir() / stored
    size = 0
    with open(path, "wb") as out:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    try:
        if size > limit:
            raise FileRejected(f"{file_name}: evidence files must be {current_app.config['EVIDENCE_MAX_MB']} MB or smaller")
        check_evidence_file(path, file_name, limit)
    except FileRejected:
        path.unlink(missing_ok=True)
        raise
    return stored, size


def record_progress(action_id: int, *, note: str | None, link: str | None = None, upload=None,
                    upload_name: str | None = None, version: int | None = None, mark_done: bool = False,
                    user) -> Action:
    """A progress note, a link to the case record, or an uploaded file, and optionally "done":
    at least one of them, all in one change so nothing typed is lost to another form."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ActionError(f"The note must be {NOTE_MAX:,} characters or fewer", "note")
    link = _checked_link(link)
    if not (note or link or upload_name or mark_done):
        raise ActionError("Enter a progress note, a link to the case record, or choose a file", "note")
    stored = size = None
    if upload_name:
        try:
            stored, size = _store_upload(upload, Path(upload_name).name[:200])
        except FileRejected as error:
            raise ActionError(str(error), "evidence") from None
    try:
        with write_transaction():
            action = _locked(action_id, version)
            if not can_work(user, action):
                raise ActionError("Only the owning team's managers, the owner or the agency can record progress")
            if action.state not in OUTSTANDING or action.state == ActionStatus.DONE:
                raise ActionError(f"The action is {action.state.label.lower()}, so progress can no longer be recorded")
            kind = "evidence" if (link or stored) else "note"
            if note or link or stored:
                db.session.add(ActionUpdate(action_id=action.id, kind=kind, text=note or None, link=link,
                                            file_name=Path(upload_name).name[:200] if stored else None,
                                            stored_name=stored, file_size=size, user_id=user.id))
                if action.state in (ActionStatus.OPEN, ActionStatus.RETURNED) and not mark_done:
                    _move(action, ActionStatus.IN_PROGRESS, user, None)
            if mark_done:
                if not may_move(user, action, ActionStatus.DONE):
                    raise ActionError("This action cannot be marked done by you", "mark_done")
                _move(action, ActionStatus.DONE, user, None)
            action.version += 1
            record_event("action_progress_recorded", actor=user, object_type="action", object_id=action.id,
                         details={"kind": kind, "file": bool(stored), "link": bool(link), "done": mark_done,
                                  "version": action.version})
    except Exception:
        if stored:
            (evidence_dir() / stored).unlink(missing_ok=True)
        raise
    return action


def _move(action: Action, to_status: ActionStatus, user, reason: str | None) -> None:
    before = action.status
    action.status = to_status.value
    now = utcnow()
    if to_status == ActionStatus.DONE:
        action.done_at = now
    if to_status in (ActionStatus.CLOSED, ActionStatus.CANCELLED):
        action.closed_at = now
    db.session.add(ActionUpdate(action_id=action.id, kind="status", text=reason, from_status=before,
                                to_status=to_status.value, user_id=user.id))
    record_event("action_status_changed", actor=user, object_type="action", object_id=action.id,
                 details={"before": before, "after": to_status.value, "reason": (reason or "")[:500] or None})


def change_status(action_id: int, to_status: str, *, reason: str | None = None, version: int | None = None,
                  user) -> Action:
    try:
        target = ActionStatus(to_status)
    except ValueError:
        raise ActionError("Choose what to do with the action", "to_status") from None
    reason = (reason or "").strip()
    if target in (ActionStatus.RETURNED, ActionStatus.CANCELLED) and not reason:
        verb = "returned" if target == ActionStatus.RETURNED else "cancelled"
        raise ActionError(f"Enter why the action is being {verb}", "reason")
    with write_transaction():
        action = _locked(action_id, version)
        if target in CHECKS and user.has_role(Role.QA_LEAD) and worked_on(user, action):
            raise ActionError(OWN_WORK, "to_status")
        if not may_move(user, action, target):
            raise ActionError(f"An action that is {action.state.label.lower()} cannot be marked "
                              f"{target.label.lower()} by you")
        _move(action, target, user, reason[:NOTE_MAX] or None)
        action.version += 1
    return action


def evidence_download(action: Action, update_id: int, user) -> tuple[Path, ActionUpdate] | None:
    """The stored file of one piece of evidence, with the download recorded in the audit trail."""
    update = next((u for u in action.updates if u.id == update_id and u.stored_name), None)
    if update is None or not (evidence_dir() / update.stored_name).is_file():
        return None
    with write_transaction():
        record_event("action_evidence_downloaded", actor=user, object_type="action", object_id=action.id,
                     details={"update": update.id})
    return evidence_dir() / update.stored_name, update


def evidence_content_type(file_name: str) -> str:
    try:
        return CONTENT_TYPES[evidence_type(file_name)]
    except FileRejected:
        return "application/octet-stream"
