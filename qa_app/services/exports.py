"""Excel exports: the findings workbook of a programme. Gathers the data, hands it to
audit_tools.workbooks, and records every export in the audit trail (who exported what, and
whether it was identifiable)."""
import os
import secrets
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from audit_tools.records import DECISION_LABELS
from audit_tools.sampling import FRAMES
from audit_tools.workbooks.findings_workbook import ActionRow, FindingsExport, write_findings_workbook
from audit_tools.workbooks.layout import LayoutError, check_marking, file_name
from audit_tools.workbooks.pseudonyms import Identifiable, Pseudonymiser, id_candidates, scrub_ids
from qa_app.db import read_transaction, write_transaction
from qa_app.extensions import db
from qa_app.models import (Action, AuditProgramme, CaseAudit, Child, CPPlan, ImportBatch, PartnershipSetting, Referral,
                           Role, User)
from qa_app.models.actions import OUTSTANDING
from qa_app.services import findings, moderation, queries
from qa_app.services.case_audits import questionnaire_for_programme
from qa_app.services.audit_trail import record_event
from qa_app.services.case_reads import record_case_read
from qa_app.services.participation import practitioners as practitioner_reviews

APP_VERSION = "0.9"
IDENTIFIABLE_LINE = "IDENTIFIABLE: this workbook shows real child and case ids. Keep it to those who need them."
PSEUDONYMISED_LINE = ("Pseudonymised: child and case ids are replaced by stable pseudonyms (the same child always "
                      "has the same pseudonym in this installation's exports), in free text too: any child, "
                      "referral or plan id the case data holds is replaced wherever it is written. Other "
                      "details in free text are included as written.")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportError(ValueError):
    pass


def pseudonym_key() -> str:
    """PSEUDONYM_KEY, or (outside production) a random key kept in the instance folder."""
    key = current_app.config.get("PSEUDONYM_KEY")
    if key:
        return key
    if current_app.config.get("ENV_NAME") == "production":
        raise ExportError("PSEUDONYM_KEY is not set")
    path = Path(current_app.instance_path) / "pseudonym_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def pseudonymiser(identifiable: bool):
    return Identifiable() if identifiable else Pseudonymiser(pseudonym_key())


def check_may_export(user, identifiable: bool) -> None:
    if user is not None and not user.has_role(Role.QA_LEAD):
        raise ExportError("Only QA leads can export findings")
    if identifiable and (user is None or not user.has_role(Role.QA_LEAD)):
        raise ExportError("Only QA leads can export identifiable findings")


# --- ids in free text ----------------------------------------------------------------------

_LOOKUP_CHUNK = 500


def _known(column, candidates: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(candidates), _LOOKUP_CHUNK):
        chunk = candidates[start:start + _LOOKUP_CHUNK]
        found.update(db.session.scalars(select(column).where(column.in_(chunk))))
    return found


class IdScrubber:
    """Replaces, in free text bound for a pseudonymised export, every child, referral or plan id
    the database knows (and every id a case audit names) by its pseudonym. Ids are looked up
    from the words of the text itself, so a million loaded referrals cost nothing extra."""

    def __init__(self, pseudonyms, texts):
        self.pseudonyms = pseudonyms
        candidates = sorted(set().union(*(id_candidates(t) for t in texts if isinstance(t, str))) if texts else set())
        self.children = _known(Child.child_id, candidates) | _known(CaseAudit.child_id, candidates)
        self.cases = (_known(Referral.referral_id, candidates) | _known(CPPlan.plan_id, candidates)
                      | _known(CaseAudit.case_id, candidates))

    def __call__(self, text):
        if isinstance(text, list):
            return [self(t) for t in text]
        return scrub_ids(text, children=self.children, cases=self.cases, pseudonyms=self.pseudonyms)


def _free_texts(records, rows, lines) -> list[str]:
    texts = list(lines)
    for record in records:
        for answers in [record.lead_answers, *record.agency_answers.values()]:
            for value in answers.values():
                texts.extend(value if isinstance(value, list) else [value])
    for row in rows:
        texts += [row.description, row.finding, row.latest_progress]
    return [t for t in texts if isinstance(t, str)]


def scrub_free_text(records, rows, cover, pseudonyms) -> tuple[list, list, list]:
    """The records' answers, the action rows and the cover's lines with real ids replaced,
    before anything reaches a workbook writer. An identifiable export passes through."""
    if isinstance(pseudonyms, Identifiable):
        return records, rows, cover
    scrub = IdScrubber(pseudonyms, _free_texts(records, rows, [line for _, lines in cover for line in lines]))
    records = [replace(r, lead_answers={k: scrub(v) for k, v in r.lead_answers.items()},
                       agency_answers={a: {k: scrub(v) for k, v in answers.items()}
                                       for a, answers in r.agency_answers.items()}) for r in records]
    rows = [replace(row, description=scrub(row.description), finding=scrub(row.finding),
                    latest_progress=scrub(row.latest_progress)) for row in rows]
    cover = [(heading, [scrub(line) for line in lines]) for heading, lines in cover]
    return records, rows, cover


# --- the data ----------------------------------------------------------------------------

def action_rows(actions, today: date, owner_as_role=False) -> list[ActionRow]:
    rows = []
    for a in actions:
        notes = [u for u in a.updates if u.kind in ("note", "evidence") and u.text]
        end = (a.closed_at or datetime.now(UTC).replace(tzinfo=None)).date()
        if a.owner is None:
            owner = None
        elif owner_as_role:
            owner = ", ".join(sorted(r.label for r in a.owner.roles)) or None
        else:
            owner = a.owner.display_name
        rows.append(ActionRow(
            reference=f"A{a.id}", finding=a.finding, question_id=a.question_id, owned_by=a.owned_by,
            owner=owner, priority=a.priority.capitalize(), due=a.due_date, status=a.state.label,
            latest_progress=notes[-1].text if notes else None, overdue=a.overdue_on(today),
            days_open=max(0, (end - a.raised_at.date()).days), programme=a.programme.name,
            description=a.description))
    return rows


def open_actions() -> list[Action]:
    return db.session.scalars(select(Action).where(Action.status.in_([s.value for s in OUTSTANDING]))
                              .order_by(Action.due_date, Action.id)).all()


def data_currency_lines() -> list[str]:
    rows = db.session.execute(select(ImportBatch.kind, func.max(ImportBatch.finished_at))
                              .where(ImportBatch.status == "succeeded").group_by(ImportBatch.kind)).all()
    if not rows:
        return ["No case data has been imported."]
    return [f"Last {kind.replace('-', ' ')} import: {finished:%d %B %Y %H:%M} UTC." for kind, finished in sorted(rows)
            if finished]


def partnership_name() -> str:
    """The partnership or council the workbooks are for: an admin's setting, else configuration."""
    setting = db.session.get(PartnershipSetting, "partnership_name")
    return (setting.value if setting else current_app.config.get("PARTNERSHIP_NAME")) or "Not set (PARTNERSHIP_NAME)"


def export_marking(identifiable: bool = False) -> str:
    """The configured marking, with IDENTIFIABLE beside it on a workbook of real ids."""
    marking = current_app.config["EXPORT_MARKING"]
    try:
        check_marking(marking + (" IDENTIFIABLE" if identifiable else ""))
    except LayoutError as error:
        raise ExportError(str(error)) from error
    return f"{marking} IDENTIFIABLE" if identifiable else marking


def producer(user) -> str:
    if user is None:
        return "the command line (no user given)"
    roles = ", ".join(sorted(r.label for r in user.roles))
    return f"{user.display_name} ({roles})" if roles else user.display_name


def user_by_email(email: str):
    user = db.session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise ExportError(f"There is no user {email}")
    return user


def export_lines(user, identifiable: bool | None, next_update: str | None = None) -> list[str]:
    """For whom, who exported it and when, whether ids are pseudonymised (None: the export holds
    no child-level rows), the marking, a contact and when the next update is due."""
    now = datetime.now(UTC)
    lines = [f"Partnership: {partnership_name()}.",
             f"Produced by {producer(user)} on {now:%d %B %Y at %H:%M} UTC, from Casefile QA version {APP_VERSION}."]
    if identifiable is not None:
        lines.append(IDENTIFIABLE_LINE if identifiable else PSEUDONYMISED_LINE)
    lines += [f"Protective marking: {export_marking(bool(identifiable))}.",
              f"Contact: {current_app.config['EXPORT_CONTACT']}."]
    if next_update:
        lines.append(f"Next update: {next_update}.")
    return lines


def _sample_lines(programme: AuditProgramme) -> list[str]:
    sample = programme.sample
    if sample is None:
        return ["No sample has been drawn yet."]
    size = (f"{sample.requested_size} cases" if sample.requested_size else
            f"{sample.requested_percent}% of the frame" if sample.requested_percent else "every case (census)")
    excluded = sample.excluded or {}
    lines = [f"Method: {sample.method}, {size}"
             + (f", stratified by {sample.stratify_by} (at least {sample.minimum_per_stratum} per stratum)"
                if sample.stratify_by else "") + ".",
             f"Seed {sample.seed}; algorithm {sample.algorithm_version}; drawn {sample.drawn_at:%d %B %Y}.",
             f"Frame: {sample.frame_size:,} eligible cases after exclusions; frame fingerprint (SHA-256 of the "
             f"sorted case ids) {sample.frame_hash}.",
             f"Exclusions: children with a case audit in the last {sample.exclude_audited_months} months; "
             f"{len(excluded.get('case_ids') or []):,} cases excluded.",
             f"Cases drawn: {len(sample.drawn_ids):,}."]
    for change in sample.changes:
        lines.append(f"Case {change.change} by hand on {change.changed_at:%d %B %Y}: {change.reason}")
    if not sample.changes:
        lines.append("No cases were added or removed by hand.")
    return lines


def findings_cover(programme: AuditProgramme, user, identifiable: bool) -> list[tuple[str, list[str]]]:
    filters = ", ".join(f"{k} {v}" for k, v in (programme.filters or {}).items() if v) or "none"
    if programme.previous_decisions:
        filters += "; only after these decisions on the earlier referral: " + ", ".join(
            DECISION_LABELS.get(d, d) for d in programme.previous_decisions)
    return [
        ("What this is", [f"The findings of the case audit programme \"{programme.name}\": how the cases were "
                          "chosen, every audit's answers, the grades before and after moderation, agreement "
                          "between auditors and moderators, learning and actions."]),
        ("The programme", [f"Theme: {programme.theme or 'not given'}.",
                           f"Questionnaire: {programme.questionnaire_label}.",
                           f"Cases from: {FRAMES.get(programme.frame_kind, programme.frame_kind)}, "
                           f"{programme.period_label} ({programme.period_start:%d %B %Y} to "
                           f"{programme.period_end:%d %B %Y}); filters: {filters}.",
                           f"Status: {programme.status_label}."]),
        ("How the sample was drawn", _sample_lines(programme)),
        ("Case data", data_currency_lines()),
        ("This export", export_lines(user, identifiable)),
        ("Comparing workbooks", ["Two workbooks are comparable when they use the same questionnaire and "
                                 "version; a re-audit's frame fingerprint and seed say exactly which cases "
                                 "were in scope."]),
    ]


def findings_export(programme: AuditProgramme, user=None, identifiable=False) -> FindingsExport:
    """Everything the workbook shows, read from the database with the findings page's own services."""
    pseudonyms = pseudonymiser(identifiable)
    actions = db.session.scalars(select(Action).filter_by(programme_id=programme.id).order_by(Action.id)).all()
    # Free text loses its real ids first, so the findings, quotes and learning built from it do too.
    records, rows, cover = scrub_free_text(findings.audit_records(programme), action_rows(actions, date.today()),
                                           findings_cover(programme, user, identifiable), pseudonyms)
    found = findings.findings_for(programme, records)
    earlier, comparison = findings.reaudit_comparison(programme, found)
    outcomes = findings.outcomes_for(programme, records)
    names = {u.id: u.display_name for u in db.session.scalars(select(User))}
    auditors = {c.id: names.get(c.lead_auditor_id) for c in programme.case_audits}
    return FindingsExport(
        title=programme.name, cover=cover,
        questionnaire=questionnaire_for_programme(programme), agencies=list(programme.agencies or []),
        audits=records, auditors=auditors, findings=found, agreement=moderation.agreement_for(programme),
        pseudonyms=pseudonyms, actions=rows,
        outcomes=list(outcomes.by_grade) if outcomes.data_until else None, outcomes_until=outcomes.data_until,
        earlier=earlier.name if earlier else None, comparison=list(comparison),
        marking=export_marking(identifiable), **_family_feedback(programme, records),
        practitioners=practitioner_reviews.involvement_for(programme), queries=queries.counts_by_question(programme.id))


def _family_feedback(programme: AuditProgramme, records) -> dict:
    """Families' feedback for the workbook (issue 25): counts, and each view with reviewed words only."""
    from qa_app.services.participation import families
    summary = families.programme_feedback(programme, records)
    return {"family_questions": summary.questions, "family_views": summary.views}


def findings_file_name(programme: AuditProgramme, identifiable: bool) -> str:
    return file_name("findings", programme.name, programme.period_label, identifiable=identifiable)


def export_findings(programme_id: int, target, *, user=None, identifiable=False, via="web") -> str:
    """Write the findings workbook to `target` (a path or binary file) and record the export.
    Returns the file name to offer."""
    if via == "web":  # the command line is run by whoever runs the server
        check_may_export(user, identifiable)
    with read_transaction():
        programme = db.session.get(AuditProgramme, programme_id)
        if programme is None:
            raise ExportError(f"There is no programme {programme_id}")
        name = findings_file_name(programme, identifiable)
        data = findings_export(programme, user, identifiable)
    rows = write_findings_workbook(data, target)
    with write_transaction():
        record_event("findings_exported", actor=user, object_type="audit_programme", object_id=programme.id,
                     details={"file_name": name, "identifiable": identifiable, "via": via, "rows": rows})
        # The workbook names every sampled child: "who looked at this child" must find it.
        record_case_read("findings workbook" + (", identifiable" if identifiable else ""),
                         list_filter={"programme": programme.id}, object_type="audit_programme",
                         object_id=programme.id)
    return name
