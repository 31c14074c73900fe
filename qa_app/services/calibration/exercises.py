"""Setting up and running calibration exercises: the case, the reference answers, who is
invited, their answers and the close. Every change is in the audit trail; the answers stay in
calibration tables, so they are never counted as audits."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from audit_tools.calibration import calibration_questions
from audit_tools.evidence import FileRejected
from audit_tools.questionnaires import Questionnaire, check_answers
from audit_tools.workbooks.pseudonyms import Pseudonymiser
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import (CalibrationAttachment, CalibrationExercise, CalibrationParticipant, CaseAudit,
                           CaseAuditStatus, ExerciseSource, ExerciseStatus, IllegalTransition, Moderation,
                           ModerationOutcome, Role, User)
from qa_app.models.base import utcnow
from qa_app.services import people, questionnaires
# Attachments are kept exactly as action evidence is: checked, under a random name, size-limited.
from qa_app.services.actions import _store_upload, evidence_dir
from qa_app.services.audit_trail import record_event
from qa_app.services.case_lists import child_histories
from qa_app.services.case_reads import record_case_read
from qa_app.services.exports import ExportError, IdScrubber, pseudonym_key

MAX_TITLE, MAX_CASE_TEXT = 200, 50_000
FINISHED_ONLY = "This exercise has closed: its answers can no longer change."


class CalibrationRefused(ValueError):
    """What the user asked cannot be done; problems name each field (or "_state") and why."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def questionnaire_of(exercise: CalibrationExercise) -> Questionnaire:
    return questionnaires.get(exercise.questionnaire_id, exercise.questionnaire_version)


def answer_sections(questionnaire: Questionnaire):
    """What a participant answers: the lead auditor's sections (agency sections are one
    agency's view of the case, and a calibration case is graded whole)."""
    return [s for s in questionnaire.sections if s.agency is None]


def graded_questions(exercise: CalibrationExercise):
    return calibration_questions(questionnaire_of(exercise), answer_sections(questionnaire_of(exercise)))


def questionnaire_choices() -> list[tuple[str, str]]:
    return [(f"{key[0]}:{key[1]}", f"{q.title}, version {q.version}")
            for key, q in sorted(questionnaires.available().items())]


def _questionnaire(choice: str | None) -> tuple[str, int] | None:
    try:
        questionnaire_id, version = (choice or "").rsplit(":", 1)
        questionnaires.get(questionnaire_id, int(version))
        return questionnaire_id, int(version)
    except (ValueError, KeyError):
        return None


def _title_problems(title: str) -> dict:
    if not title:
        return {"title": "Enter a title for the exercise"}
    if len(title) > MAX_TITLE:
        return {"title": f"Title must be {MAX_TITLE} characters or fewer"}
    return {}


def moderated_audits() -> list[CaseAudit]:
    """Case audits a QA lead may set as a calibration case: moderated and accepted."""
    return list(db.session.scalars(select(CaseAudit).where(CaseAudit.status == CaseAuditStatus.MODERATED)
                                   .order_by(CaseAudit.id)))


def create_case_study(*, title: str, questionnaire: str, case_text: str, user, files=()) -> CalibrationExercise:
    """A case the QA lead writes, with optional attachments (stored as action evidence is)."""
    title, case_text = (title or "").strip(), (case_text or "").strip()
    problems = _title_problems(title)
    chosen = _questionnaire(questionnaire)
    if chosen is None:
        problems["questionnaire"] = "Select the questionnaire the auditors will answer"
    if not case_text:
        problems["case_text"] = "Enter the case study the auditors will grade"
    elif len(case_text) > MAX_CASE_TEXT:
        problems["case_text"] = f"The case study must be {MAX_CASE_TEXT:,} characters or fewer"
    if problems:
        raise CalibrationRefused(problems)
    stored = []
    try:
        for stream, file_name in files:
            stored.append((file_name, *_store_upload(stream, file_name)))
    except FileRejected as rejected:
        for _, name, _ in stored:
            (evidence_dir() / name).unlink(missing_ok=True)
        raise CalibrationRefused({"attachment": str(rejected)}) from None
    with write_transaction():
        exercise = CalibrationExercise(title=title, source=ExerciseSource.CASE_STUDY, case_text=case_text,
                                       questionnaire_id=chosen[0], questionnaire_version=chosen[1],
                                       reference_answers={}, created_by_id=user.id)
        db.session.add(exercise)
        db.session.flush()
        for file_name, name, size in stored:
            db.session.add(CalibrationAttachment(exercise_id=exercise.id, file_name=file_name[:255],
                                                 stored_name=name, file_size=size, uploaded_by_id=user.id))
        record_event("calibration_exercise_created", actor=user, object_type="calibration_exercise",
                     object_id=exercise.id, details={"source": "case_study", "attachments": len(stored)})
    return exercise


def _moderated_answers(case_audit: CaseAudit, questions) -> dict:
    """The audit's answers with the moderator's grades where they differ: graded answers only."""
    moderation = db.session.scalars(select(Moderation).where(
        Moderation.case_audit_id == case_audit.id, Moderation.outcome == ModerationOutcome.ACCEPTED)
        .order_by(Moderation.id.desc())).first()
    answers = dict(case_audit.answers)
    for question_id, grades in (moderation.grades if moderation else {}).items():
        if grades.get("moderator"):
            answers[question_id] = grades["moderator"]
    return {q.id: answers[q.id] for q in questions if answers.get(q.id) in q.answers}


def pseudonymised_case(case_audit: CaseAudit, questionnaire: Questionnaire) -> str:
    """The case as participants read it: the child's referrals and plans, and what the auditor
    wrote, with every id the database knows replaced by its pseudonym. The QA lead reviews and
    edits this text before release (names and places in free text are theirs to take out)."""
    pseudonyms = Pseudonymiser(pseudonym_key())
    history = child_histories([case_audit.child_id])[case_audit.child_id]
    lines = [f"Child {pseudonyms.child(case_audit.child_id)}, case {pseudonyms.case(case_audit.case_id)}.", "",
             "Referrals:"]
    lines += [f"- {r.referral_date:%d/%m/%Y}: {r.decision}" + (f", from {r.source}" if r.source else "")
              + (f", team {r.team}" if r.team else "")
              + (" (this case)" if r.referral_id == case_audit.case_id else "") for r in history.referrals] or ["- none"]
    lines += ["", "Child protection plans:"]
    lines += [f"- {p.start_date:%d/%m/%Y} to {p.end_date:%d/%m/%Y}" if p.end_date else f"- from {p.start_date:%d/%m/%Y}, open"
              for p in history.plans] or ["- none"]
    written = [(q.label, case_audit.answers[q.id]) for s in answer_sections(questionnaire) for q in s.questions
               if q.type in ("long_text", "short_text") and case_audit.answers.get(q.id)]
    if written:
        lines += ["", "What the auditor wrote:"]
        lines += [f"{label}\n{text}" for label, text in written]
    text = "\n".join(lines)
    scrub = IdScrubber(pseudonyms, [text])
    return scrub(text)


def create_from_audit(case_audit_id, *, title: str, user) -> CalibrationExercise:
    title = (title or "").strip()
    problems = _title_problems(title)
    case_audit = db.session.get(CaseAudit, case_audit_id) if case_audit_id else None
    if case_audit is None or case_audit.status != CaseAuditStatus.MODERATED:
        problems["case_audit"] = "Select a moderated audit"
    if problems:
        raise CalibrationRefused(problems)
    programme = case_audit.programme
    questionnaire = questionnaires.get(programme.questionnaire_id, programme.questionnaire_version)
    questions = calibration_questions(questionnaire, answer_sections(questionnaire))
    try:
        case_text = pseudonymised_case(case_audit, questionnaire)
    except ExportError as error:  # no pseudonym key in production: nothing is shown unpseudonymised
        raise CalibrationRefused({"case_audit": f"The case cannot be pseudonymised: {error}"}) from None
    with write_transaction():
        exercise = CalibrationExercise(title=title, source=ExerciseSource.MODERATED_AUDIT, case_audit_id=case_audit.id,
                                       case_text=case_text, questionnaire_id=programme.questionnaire_id,
                                       questionnaire_version=programme.questionnaire_version,
                                       reference_answers=_moderated_answers(case_audit, questions),
                                       created_by_id=user.id)
        db.session.add(exercise)
        db.session.flush()
        record_event("calibration_exercise_created", actor=user, object_type="calibration_exercise",
                     object_id=exercise.id, details={"source": "moderated_audit", "case_audit": case_audit.id})
        # The QA lead read the child's history to make the case: "who looked at this child" finds it.
        record_case_read("calibration exercise from a moderated audit", child_ids=[case_audit.child_id],
                         object_type="case_audit", object_id=case_audit.id, actor=user)
    return exercise


def _reference_problems(exercise, reference: dict) -> dict:
    problems = {}
    for section in answer_sections(questionnaire_of(exercise)):
        problems.update(check_answers(section, reference, submitting=False))
    return problems


def update_draft(exercise_id: int, *, case_text: str, reference: dict, user) -> CalibrationExercise:
    """The QA lead's review before release: the case text and the reference answers."""
    with write_transaction():
        exercise = db.session.get(CalibrationExercise, exercise_id, with_for_update=True)
        try:
            exercise.check("edit")
        except IllegalTransition as refused:
            raise CalibrationRefused({"_state": str(refused)}) from None
        case_text = (case_text or "").strip()
        questions = graded_questions(exercise)
        reference = {q.id: reference[q.id] for q in questions if reference.get(q.id) not in (None, "")}
        problems = _reference_problems(exercise, reference)
        if not case_text:
            problems["case_text"] = "Enter the case the auditors will grade"
        elif len(case_text) > MAX_CASE_TEXT:
            problems["case_text"] = f"The case must be {MAX_CASE_TEXT:,} characters or fewer"
        if problems:
            raise CalibrationRefused(problems)
        changed = sorted(k for k in set(reference) | set(exercise.reference_answers)
                         if reference.get(k) != exercise.reference_answers.get(k))
        exercise.case_text, exercise.reference_answers = case_text, reference
        record_event("calibration_exercise_edited", actor=user, object_type="calibration_exercise",
                     object_id=exercise.id, details={"reference_changed": changed})
    return exercise


def invitable_auditors() -> list[User]:
    return people.auditors()


def invite(exercise_id: int, auditor_ids, closes_on: date | None, *, user) -> CalibrationExercise:
    """Invite auditors and set the closing date; a draft is released to them."""
    with write_transaction():
        exercise = db.session.get(CalibrationExercise, exercise_id, with_for_update=True)
        try:
            exercise.check("release")
        except IllegalTransition as refused:
            raise CalibrationRefused({"_state": str(refused)}) from None
        wanted = {int(i) for i in auditor_ids or () if str(i).isdigit()}
        auditors = [u for u in db.session.scalars(select(User).where(User.id.in_(wanted))) if u.active
                    and u.has_role(Role.AUDITOR)] if wanted else []
        already = {p.user_id for p in exercise.participants}
        problems = {}
        if not auditors and not already:
            problems["auditors"] = "Select the auditors to invite"
        if closes_on is None or closes_on <= date.today():
            problems["closes_on"] = "Enter a closing date in the future"
        if not exercise.reference_answers:
            problems["reference"] = "Enter the reference answers before inviting anyone"
        if problems:
            raise CalibrationRefused(problems)
        added = [u for u in auditors if u.id not in already]
        for auditor in added:
            db.session.add(CalibrationParticipant(exercise_id=exercise.id, user_id=auditor.id, answers={}))
        exercise.closes_on = closes_on
        exercise.released(utcnow())
        record_event("calibration_invited", actor=user, object_type="calibration_exercise", object_id=exercise.id,
                     details={"invited": len(added), "user_ids": [u.id for u in added],
                              "closes_on": closes_on.isoformat()})
    db.session.refresh(exercise)
    return exercise


def participant_of(exercise: CalibrationExercise, user) -> CalibrationParticipant | None:
    return next((p for p in exercise.participants if p.user_id == user.id), None)


def exercise_for(exercise_id: int, user) -> CalibrationExercise | None:
    """The exercise if this user may open it: QA leads any; an auditor one they are invited to,
    once released. None reads as 404, as for an exercise that does not exist."""
    exercise = db.session.get(CalibrationExercise, exercise_id)
    if exercise is None:
        return None
    if user.has_role(Role.QA_LEAD):
        return exercise
    if exercise.status != ExerciseStatus.DRAFT and participant_of(exercise, user) is not None:
        return exercise
    return None


def exercises_for(user) -> list[CalibrationExercise]:
    query = select(CalibrationExercise).order_by(CalibrationExercise.id.desc())
    if not user.has_role(Role.QA_LEAD):
        query = query.join(CalibrationParticipant).where(CalibrationParticipant.user_id == user.id,
                                                         CalibrationExercise.status != ExerciseStatus.DRAFT)
    return list(db.session.scalars(query))


def save_answers(exercise_id: int, answers: dict, *, user, submit: bool) -> CalibrationParticipant:
    """A participant's own answers: saved as they go, final once submitted."""
    with write_transaction():
        exercise = db.session.get(CalibrationExercise, exercise_id, with_for_update=True)
        mine = participant_of(exercise, user) if exercise else None
        if mine is None:
            raise CalibrationRefused({"_state": "You are not invited to this exercise"})
        if not exercise.may("answer"):
            raise CalibrationRefused({"_state": FINISHED_ONLY if exercise.status == ExerciseStatus.CLOSED
                                      else "This exercise is not open for answers yet"})
        if mine.submitted_at is not None:
            raise CalibrationRefused({"_state": "You have submitted your answers: they can no longer change"})
        if exercise.closes_on and date.today() > exercise.closes_on:
            raise CalibrationRefused({"_state": f"This exercise closed for answers on {exercise.closes_on:%d %B %Y}"})
        problems = {}
        for section in answer_sections(questionnaire_of(exercise)):
            problems.update(check_answers(section, answers, submitting=submit))
        if problems:
            raise CalibrationRefused(problems)
        mine.answers = dict(answers)
        if submit:
            mine.submitted_at = utcnow()
        record_event("calibration_answered", actor=user, object_type="calibration_exercise", object_id=exercise.id,
                     details={"submitted": submit, "questions": len(answers)})
    return mine


def close(exercise_id: int, *, user) -> CalibrationExercise:
    with write_transaction():
        exercise = db.session.get(CalibrationExercise, exercise_id, with_for_update=True)
        try:
            exercise.close(utcnow())
        except IllegalTransition as refused:
            raise CalibrationRefused({"_state": str(refused)}) from None
        answered = sum(1 for p in exercise.participants if p.submitted_at is not None)
        record_event("calibration_closed", actor=user, object_type="calibration_exercise", object_id=exercise.id,
                     details={"invited": len(exercise.participants), "answered": answered})
    return exercise


def new_round(exercise_id: int, *, user) -> CalibrationExercise:
    """The same case, questionnaire and reference answers, graded again: a draft to invite to."""
    with write_transaction():
        earlier = db.session.get(CalibrationExercise, exercise_id)
        if earlier.status != ExerciseStatus.CLOSED:
            raise CalibrationRefused({"_state": "Close this round before starting another"})
        series = earlier.series_id
        last = db.session.scalar(select(db.func.max(CalibrationExercise.round_number)).where(
            (CalibrationExercise.id == series) | (CalibrationExercise.first_round_id == series)))
        exercise = CalibrationExercise(title=earlier.title, source=earlier.source, case_audit_id=earlier.case_audit_id,
                                       case_text=earlier.case_text, questionnaire_id=earlier.questionnaire_id,
                                       questionnaire_version=earlier.questionnaire_version,
                                       reference_answers=dict(earlier.reference_answers), round_number=last + 1,
                                       first_round_id=series, created_by_id=user.id)
        db.session.add(exercise)
        db.session.flush()
        for attachment in earlier.attachments:  # the same stored file: files are never changed in place
            db.session.add(CalibrationAttachment(exercise_id=exercise.id, file_name=attachment.file_name,
                                                 stored_name=attachment.stored_name, file_size=attachment.file_size,
                                                 uploaded_by_id=attachment.uploaded_by_id))
        record_event("calibration_exercise_created", actor=user, object_type="calibration_exercise",
                     object_id=exercise.id, details={"source": "new_round", "round": exercise.round_number,
                                                     "earlier": earlier.id})
    return exercise


def attachment_download(exercise: CalibrationExercise, attachment_id: int, user):
    attachment = next((a for a in exercise.attachments if a.id == attachment_id), None)
    if attachment is None or not (evidence_dir() / attachment.stored_name).is_file():
        return None
    with write_transaction():
        record_event("calibration_attachment_downloaded", actor=user, object_type="calibration_exercise",
                     object_id=exercise.id, details={"attachment": attachment.id})
    return evidence_dir() / attachment.stored_name, attachment


@dataclass
class ParticipantCounts:
    invited: int
    submitted: int


def counts(exercise: CalibrationExercise) -> ParticipantCounts:
    return ParticipantCounts(len(exercise.participants),
                             sum(1 for p in exercise.participants if p.submitted_at is not None))
