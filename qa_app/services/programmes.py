"""Audit programmes: their frames, reproducible samples, manual changes and assignment (an
auditor's own list of what is assigned to them is services/my_audits.py)."""
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError

from audit_tools.periods import Period, add_months, parse_period
from audit_tools.sampling import (FRAMES, REFERRAL_FRAMES, Filters, FrameDefinition, SampleError,
                                  SampleRequest, apply_exclusions, build_frame, draw_sample,
                                  frame_hash, with_age_bands)
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (FINISHED, Agency, AuditProgramme, CaseAudit, CaseAuditSection, CaseAuditStatus, Child,
                           CPPlan, IllegalTransition, Referral, Sample, SampleChange, SampleChangeKind)
from qa_app.models.base import utcnow
from qa_app.services import accounts, questionnaires
from qa_app.services.audit_trail import record_event
from qa_app.services.people import auditors
from qa_app.services.case_data import plan_records, referral_records

DEFAULT_EXCLUDE_MONTHS = 12
# Every Inadequate and every flagged case, a new auditor's first two audits, and one in five of
# the rest, chosen with a seed recorded on the programme.
DEFAULT_MODERATION_POLICY = {"inadequate": True, "flagged": True, "new_auditor_first": 2, "random_percent": 20}


class ProgrammeError(ValueError):
    def __init__(self, message, field=None, offer_census=False):
        super().__init__(message)
        self.field = field
        self.offer_census = offer_census


@contextmanager
def refused_as_programme_error(field=None):
    """A step the programme's or the case audit's state does not allow, told like any other refusal."""
    try:
        yield
    except IllegalTransition as refused:
        raise ProgrammeError(str(refused), field) from None


def new_seed() -> int:
    return secrets.randbelow(10 ** 9)


# --- programmes ---------------------------------------------------------------------------

def create_programme(*, name, theme, questionnaire_id, frame_kind, period_text, filters=None,
                     previous_decisions=(), agencies=(), due_date=None, user=None,
                     questionnaire_version=None) -> AuditProgramme:
    """questionnaire_version defaults to the latest; the programme keeps it for its life."""
    name = (name or "").strip()
    if not name:
        raise ProgrammeError("Enter a name for the programme", "name")
    questionnaire_version = questionnaire_version or questionnaires.latest_version(questionnaire_id)
    if (questionnaire_id, questionnaire_version) not in questionnaires.available():
        raise ProgrammeError("Select a questionnaire", "questionnaire_id")
    title = questionnaires.get(questionnaire_id, questionnaire_version).title
    if frame_kind not in FRAMES:
        raise ProgrammeError("Select which cases the programme samples", "frame_kind")
    try:
        period = parse_period(period_text or "")
    except ValueError as error:
        raise ProgrammeError(str(error), "period") from None
    unknown = set(agencies) - {a.value for a in Agency}
    if unknown:
        raise ProgrammeError("Select agencies from the list", "agencies")
    team = (filters or {}).get("team")
    if team and team not in accounts.known_team_names():
        # A typo here made an empty frame without a word: teams are chosen from a list.
        raise ProgrammeError(f"{team[:100]} is not a team we know: choose a team from the list", "team")
    answering = questionnaires.get(questionnaire_id, questionnaire_version).agencies_answering()
    unanswered = [Agency(a).label for a in sorted(set(agencies)) if a not in answering]
    if unanswered:
        offered = ", ".join(Agency(a).label for a in answering) or "none"
        raise ProgrammeError(f"The questionnaire \u2018{title}\u2019 has no questions for {', '.join(unanswered)}: "
                             f"choose only agencies it has a section for ({offered})", "agencies")
    with write_transaction():
        if db.session.scalars(select(AuditProgramme).filter_by(name=name)).first():
            raise ProgrammeError("A programme with this name already exists", "name")
        programme = AuditProgramme(
            name=name, theme=(theme or "").strip() or FRAMES[frame_kind],
            questionnaire_id=questionnaire_id, questionnaire_version=questionnaire_version,
            questionnaire_title=title,
            frame_kind=frame_kind, period_label=period.label, period_start=period.start,
            period_end=period.end, filters={k: v for k, v in (filters or {}).items() if v},
            previous_decisions=list(previous_decisions), agencies=sorted(set(agencies)),
            due_date=due_date, created_by_id=user.id if user else None,
            moderation_policy={**DEFAULT_MODERATION_POLICY, "seed": new_seed()})
        db.session.add(programme)
        db.session.flush()
        record_event("programme_created", actor=user, object_type="audit_programme",
                     object_id=programme.id, details={"name": name, "frame": frame_kind,
                                                      "period": period.label})
    return programme


def team_choices() -> list[str]:
    """The teams a programme may be narrowed to: the known teams (see accounts.known_team_names)."""
    return accounts.known_team_names()


def agency_sections_offered() -> tuple[list[str], str]:
    """The agencies some questionnaire has questions for (the new-programme page offers only
    these), and a sentence per questionnaire saying which agencies it has a section for."""
    offered, said = set(), []
    for questionnaire in questionnaires.available().values():
        answering = questionnaire.agencies_answering()
        offered |= set(answering)
        name = f"{questionnaire.title} (version {questionnaire.version})"
        if not answering:
            said.append(f"{name} has no agency sections")
        elif set(answering) == {a.value for a in Agency}:
            said.append(f"{name} has a section for every agency")
        else:
            said.append(f"{name} has sections for " + ", ".join(Agency(a).label for a in answering))
    return [a.value for a in Agency if a.value in offered], ". ".join(said) + "."


def programme_period(programme: AuditProgramme) -> Period:
    return Period(programme.period_start, programme.period_end, programme.period_label)


def frame_definition(programme: AuditProgramme) -> FrameDefinition:
    return FrameDefinition(programme.frame_kind, programme_period(programme),
                           Filters(**programme.filters), tuple(programme.previous_decisions))


def frame_for(definition: FrameDefinition):
    """Every eligible case for a frame definition, from the data as it is now, with everything a
    stratum can use (birth dates for age bands included). The one frame path: the programme pages,
    "Check this sample" and the sample command with or without --programme all come here."""
    referrals = referral_records(definition.period.start, definition.period.end)
    plans = plan_records(definition.period.end)
    cases = build_frame(definition, referrals, plans)
    births = dict(db.session.execute(
        select(Child.child_id, Child.date_of_birth).where(
            Child.child_id.in_({c.child_id for c in cases}), Child.date_of_birth.is_not(None))).all()) if cases else {}
    return with_age_bands(cases, births)


def excluded_children(programme: AuditProgramme | None, months: int, today: date | None = None) -> set[str]:
    """Children with a case audit begun in the last `months` months in any programme, and
    children already in this one."""
    since = datetime.combine(add_months(today or utcnow().date(), -months), time.min)
    condition = CaseAudit.created_at >= since if months > 0 else false()  # 0 months: no window
    if programme is not None:
        condition = condition | (CaseAudit.programme_id == programme.id)
    recent = select(CaseAudit.child_id).where(CaseAudit.status != CaseAuditStatus.REMOVED, condition)
    return set(db.session.scalars(recent))


@dataclass
class FramePreview:
    cases: list
    eligible: list
    excluded: list


def preview_frame(programme: AuditProgramme, exclude_months=DEFAULT_EXCLUDE_MONTHS) -> FramePreview:
    cases = frame_for(frame_definition(programme))
    eligible, excluded = apply_exclusions(cases, excluded_children(programme, exclude_months))
    return FramePreview(cases, eligible, excluded)


def _empty_frame_message(programme: AuditProgramme) -> str:
    label = FRAMES[programme.frame_kind].lower()
    active = dict(programme.filters)
    if programme.previous_decisions:
        active["previous decision"] = ", ".join(programme.previous_decisions)
    if not active:
        return f"The frame is empty: there are no {label} in {programme.period_label}."
    return (f"The frame is empty: no {label} in {programme.period_label} with "
            + ", ".join(f"{k} '{v}'" for k, v in active.items())
            + ". These filters emptied it; edit the programme or choose another period.")


# --- drawing ------------------------------------------------------------------------------

def draw_programme_sample(programme_id: int, request: SampleRequest, *, seed: int | None = None,
                          exclude_months=DEFAULT_EXCLUDE_MONTHS, user=None) -> Sample:
    seed = new_seed() if seed is None else seed
    try:
        with write_transaction():
            programme = db.session.get(AuditProgramme, programme_id, with_for_update=True)
            with refused_as_programme_error():
                programme.check("draw_sample")
            preview = preview_frame(programme, exclude_months)
            if not preview.cases:
                raise ProgrammeError(_empty_frame_message(programme))
            if not preview.eligible:
                raise ProgrammeError(f"All {len(preview.cases)} cases in the frame are excluded: "
                                     f"their children were audited in the last {exclude_months} months.")
            try:
                drawn = draw_sample(preview.eligible, request, seed, random.Random)
            except SampleError as error:
                raise ProgrammeError(str(error), offer_census=error.offer_census) from None
            sample = Sample(
                programme=programme, method=drawn.method, requested_size=request.size,
                requested_percent=request.percent, stratify_by=request.stratify_by,
                minimum_per_stratum=request.minimum_per_stratum, exclude_audited_months=exclude_months,
                seed=seed, algorithm_version=drawn.algorithm_version,
                frame_definition=frame_definition(programme).describe(), frame_size=drawn.frame_size,
                frame_hash=drawn.frame_hash, frame_ids=sorted(c.case_id for c in preview.eligible),
                excluded={"case_ids": sorted(c.case_id for c in preview.excluded),
                          "children": len({c.child_id for c in preview.excluded})},
                drawn_ids=drawn.ids, allocation=drawn.allocation, drawn_by_id=user.id if user else None)
            db.session.add(sample)
            children = {c.case_id: c.child_id for c in preview.eligible}
            agencies = section_agencies(programme)
            for case_id in drawn.ids:
                _add_case_audit(programme, case_id, children[case_id], agencies)
            programme.sample_drawn()
            db.session.flush()
            record_event("sample_drawn", actor=user, object_type="audit_programme", object_id=programme.id,
                         details={"method": drawn.method, "size": len(drawn.ids), "seed": seed,
                                  "frame_size": drawn.frame_size, "frame_hash": drawn.frame_hash,
                                  "excluded": len(preview.excluded)})
    except IntegrityError:
        raise ProgrammeError("Another draw for this programme finished first; it has one sample.") from None
    except ProgrammeError as error:
        with write_transaction():
            record_event("sample_draw_refused", actor=user, outcome="failure",
                         object_type="audit_programme", object_id=programme_id,
                         details={"reason": str(error)[:300]})
        raise
    return sample


def section_agencies(programme: AuditProgramme) -> list[str]:
    """The programme's agencies that its questionnaire has questions for. A programme created
    before that rule may name others: they get no section, which could never be submitted."""
    answering = questionnaires.get(programme.questionnaire_id, programme.questionnaire_version).agencies_answering()
    return [agency for agency in programme.agencies if agency in answering]


def _add_case_audit(programme, case_id, child_id, agencies=None) -> CaseAudit:
    if agencies is None:  # before the new row exists: it may read the questionnaire
        agencies = section_agencies(programme)
    case_audit = CaseAudit(programme=programme, case_id=case_id, child_id=child_id,
                           due_date=programme.due_date)
    case_audit.sections = [CaseAuditSection(agency=agency) for agency in agencies]
    db.session.add(case_audit)
    return case_audit


@dataclass
class SampleCheck:
    matches: bool
    frame_unchanged: bool
    added_to_frame: list[str]
    removed_from_frame: list[str]
    redrawn_ids: list[str]


def check_sample(programme_id: int, user=None) -> SampleCheck:
    """Draw the sample again from today's data with the recorded inputs, and compare."""
    programme = db.session.get(AuditProgramme, programme_id)
    sample = programme.sample
    excluded = set(sample.excluded.get("case_ids", []))
    eligible = [c for c in frame_for(frame_definition(programme)) if c.case_id not in excluded]
    ids_now = {c.case_id for c in eligible}
    recorded = set(sample.frame_ids)
    request = SampleRequest(sample.method, sample.requested_size, sample.requested_percent,
                            sample.stratify_by, sample.minimum_per_stratum)
    try:
        redrawn = draw_sample(eligible, request, sample.seed, random.Random).ids
    except SampleError:
        redrawn = []
    result = SampleCheck(matches=redrawn == sample.drawn_ids,
                         frame_unchanged=frame_hash(ids_now) == sample.frame_hash,
                         added_to_frame=sorted(ids_now - recorded),
                         removed_from_frame=sorted(recorded - ids_now), redrawn_ids=redrawn)
    with write_transaction():
        record_event("sample_checked", actor=user, object_type="audit_programme", object_id=programme_id,
                     details={"matches": result.matches, "frame_unchanged": result.frame_unchanged,
                              "added": len(result.added_to_frame), "removed": len(result.removed_from_frame)})
    return result


# --- manual changes -----------------------------------------------------------------------

def add_case_by_hand(programme_id: int, case_id: str, reason: str, user=None) -> CaseAudit:
    case_id, reason = (case_id or "").strip(), (reason or "").strip()
    if not reason:
        raise ProgrammeError("Enter why the case is being added", "reason")
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id, with_for_update=True)
        if programme.sample is None:
            raise ProgrammeError("Draw a sample before adding cases by hand")
        model, column = (Referral, Referral.referral_id) if programme.frame_kind in REFERRAL_FRAMES \
            else (CPPlan, CPPlan.plan_id)
        record = db.session.scalars(select(model).where(column == case_id)).first()
        if record is None:
            raise ProgrammeError(f"There is no {'referral' if model is Referral else 'CP plan'} "
                                 f"with the id '{case_id}'", "case_id")
        existing = db.session.scalars(select(CaseAudit).filter_by(programme_id=programme.id, case_id=case_id)).first()
        if existing is not None:
            with refused_as_programme_error("case_id"):
                existing.restore_to_sample()
            case_audit = existing
        else:
            case_audit = _add_case_audit(programme, case_id, record.child_id)
        db.session.add(SampleChange(sample_id=programme.sample.id, case_id=case_id, change=SampleChangeKind.ADDED,
                                    reason=reason[:500], changed_by_id=user.id if user else None))
        db.session.flush()
        record_event("sample_case_added", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"programme": programme.id, "case_id": case_id})
    return case_audit


def remove_case_by_hand(case_audit_id: int, reason: str, user=None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ProgrammeError("Enter why the case is being removed", "reason")
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        with refused_as_programme_error():
            case_audit.remove_from_sample()
        db.session.add(SampleChange(sample_id=case_audit.programme.sample.id, case_id=case_audit.case_id,
                                    change=SampleChangeKind.REMOVED, reason=reason[:500],
                                    changed_by_id=user.id if user else None))
        record_event("sample_case_removed", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"programme": case_audit.programme_id, "case_id": case_audit.case_id})


# --- assignment ---------------------------------------------------------------------------

def active_case_audits(programme: AuditProgramme) -> list[CaseAudit]:
    order = {case_id: index for index, case_id in enumerate(programme.sample.drawn_ids)} if programme.sample else {}
    audits = [c for c in programme.case_audits if not c.removed]
    return sorted(audits, key=lambda c: (order.get(c.case_id, len(order)), c.id))


def case_number(case_audit: CaseAudit) -> int:
    """The case's number within its programme (1 for the first drawn), for text that must not
    carry the real referral or plan id."""
    return next(index for index, c in enumerate(active_case_audits(case_audit.programme) + [case_audit], 1)
                if c.id == case_audit.id)


def assign_round_robin(programme_id: int, auditor_ids: list[int], due_date: date | None, user=None,
                       section_auditor_ids: dict[str, list[int]] | None = None) -> dict:
    """Lead auditors in turn from auditor_ids; each agency section in turn to the auditors chosen
    for it in section_auditor_ids (issue 24: the assign form asks for the two apart), or, where
    that is not given, to the auditors of that agency among auditor_ids. Returns what could not
    be matched."""
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id, with_for_update=True)
        everyone = auditors()
        chosen = [u for u in everyone if u.id in set(auditor_ids)]
        if not chosen:
            raise ProgrammeError("Select at least one lead auditor", "lead_auditor_ids")
        # Only the agencies the questionnaire has questions for get a section (issue 19).
        if section_auditor_ids is None:
            by_agency = {agency: [u for u in chosen if u.agency == agency] for agency in section_agencies(programme)}
        else:
            by_agency = {}
            for agency in section_agencies(programme):
                people = [u for u in everyone if u.id in set(section_auditor_ids.get(agency) or [])]
                strangers = [u.display_name for u in people if u.agency != agency]
                if strangers:
                    raise ProgrammeError(f"{Agency(agency).label} sections go only to {Agency(agency).label} "
                                         f"auditors, not {', '.join(strangers)}", f"section_{agency}")
                by_agency[agency] = people
        unmatched = sorted(agency for agency, people in by_agency.items() if not people)
        with refused_as_programme_error():
            programme.audits_assigned()
        cases = active_case_audits(programme)
        for index, case_audit in enumerate(cases):
            # Finished work keeps its author (see _refuse_moving_finished_work).
            if not case_audit.submitted:
                case_audit.assign_lead(chosen[index % len(chosen)].id)
            if due_date:
                case_audit.due_date = due_date
            for section in case_audit.sections:
                people = by_agency.get(section.agency) or []
                if people and not section.submitted and not case_audit.submitted:
                    section.assign_auditor(people[index % len(people)].id)
        record_event("case_audits_assigned", actor=user, object_type="audit_programme", object_id=programme.id,
                     details={"case_audits": len(cases), "auditors": [u.id for u in chosen],
                              "section_auditors": {a: [u.id for u in p] for a, p in by_agency.items()},
                              "agencies_without_auditor": unmatched})
    return {"assigned": len(cases), "agencies_without_auditor": unmatched}


def reassign(case_audit_id: int, *, lead_auditor_id: int | None, section_auditors: dict[str, int | None],
             due_date: date | None, user=None) -> None:
    agencies = {u.id: u.agency for u in auditors()}
    eligible = set(agencies)
    with write_transaction():
        case_audit = db.session.get(CaseAudit, case_audit_id, with_for_update=True)
        before = _assignment(case_audit)
        if lead_auditor_id is not None and lead_auditor_id not in eligible:
            raise ProgrammeError("Choose an active auditor as the lead", "lead_auditor_id")
        if lead_auditor_id != case_audit.lead_auditor_id:
            _refuse_moving_finished_work(case_audit, "The lead part")
        case_audit.assign_lead(lead_auditor_id)
        case_audit.due_date = due_date
        for section in case_audit.sections:
            if section.agency in section_auditors:
                chosen = section_auditors[section.agency]
                if chosen != section.auditor_id:
                    _refuse_moving_finished_work(section, f"The {Agency(section.agency).label} section")
                if chosen is not None and chosen not in eligible:
                    raise ProgrammeError("Choose active auditors for the sections")
                if chosen is not None and agencies[chosen] != section.agency:
                    raise ProgrammeError(f"Choose an auditor from {Agency(section.agency).label} for the "
                                         f"{Agency(section.agency).label} section")
                section.assign_auditor(chosen)
        after = _assignment(case_audit)
        record_event("case_audit_reassigned", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"changes": {k: {"before": before[k], "after": after[k]}
                                          for k in before if before[k] != after[k]}})


def _refuse_moving_finished_work(part, name: str) -> None:
    """Submitted or moderated work stays with whoever did it: moving it would let its author
    become its moderator. Reopening it first is logged, with a reason."""
    if part.submitted or part.status == CaseAuditStatus.MODERATED or (
            isinstance(part, CaseAuditSection) and part.case_audit.status == CaseAuditStatus.MODERATED):
        raise ProgrammeError(f"{name} has been submitted, so it cannot be given to someone else: "
                             "a QA lead must reopen it first (the reopening is logged, with its reason)")


def _assignment(case_audit) -> dict:
    return {"lead": case_audit.lead_auditor_id,
            "due": case_audit.due_date.isoformat() if case_audit.due_date else None,
            **{f"section {s.agency}": s.auditor_id for s in case_audit.sections}}


def programmes() -> list[AuditProgramme]:
    return db.session.scalars(select(AuditProgramme).order_by(AuditProgramme.created_at.desc())).all()



def what_keeps_open(programme: AuditProgramme) -> str | None:
    """Why the programme cannot close yet, in words for its page; None when it can."""
    if programme.sample is None:
        return "Draw and audit a sample before closing the programme"
    if not programme.may("close"):
        return "The programme is already closed"
    unfinished = [c for c in active_case_audits(programme) if c.status not in FINISHED]
    if unfinished:
        names = ", ".join(c.case_id for c in unfinished[:5]) + (" and more" if len(unfinished) > 5 else "")
        return (f"{len(unfinished)} case audit{'s are' if len(unfinished) != 1 else ' is'} not submitted yet "
                f"({names}); remove them from the sample or finish them first")
    return None


def close_programme(programme_id: int, user) -> AuditProgramme:
    """Findings agreed: the programme closes, and its auditors may then read its findings."""
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id, with_for_update=True)
        if programme.sample is None:
            raise ProgrammeError("Draw and audit a sample before closing the programme")
        with refused_as_programme_error():
            programme.check("close")
        still_open = what_keeps_open(programme)
        if still_open:
            raise ProgrammeError(still_open)
        programme.close(utcnow())
        record_event("programme_closed", actor=user, object_type="audit_programme", object_id=programme.id)
    return programme
