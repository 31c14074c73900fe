"""Families' feedback on the help they had, linked to the audit of their case (issue 25).

The auditor records whether the family was asked and agreed; then makes single-use invitations
(a link with a 256-bit token and a short code, each kept only as its SHA-256), printed as a
letter. The family answers on public pages that show nothing about the case. Free text waits for
a QA lead, who takes out names and details, or sends it on as a safeguarding concern; only the
reviewed words are ever quoted."""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from audit_tools.family_feedback import (ANYTHING_ELSE, FREE_TEXT_MAX, KINDS, QUESTIONS, QuestionTally,
                                         tally)
from audit_tools.programme_findings import grade_after, grade_before, overall_grade_question
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import AuditProgramme, CaseAudit, CaseAuditStatus
from qa_app.models.base import utcnow
from qa_app.models.families import FamilyConsent, FamilyFeedback, FamilyInvitation
from qa_app.services import safeguarding
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import parts_for, questionnaire_for_programme

WHO = {"parent_carer": "A parent or carer", "child": "The child or young person", "both": "Both"}
HOW = {"in_person": "In person", "phone": "By phone", "letter": "By letter", "email": "By email",
       "other": "Another way"}
REASON_MAX = 2000
TOKEN_BYTES = 32  # 256 bits: far past the 128 a guess would need
# The short code: 10 letters and digits a person can read off a letter and type, with none that
# look alike (0/O, 1/I/L, U/V). About 49 bits, and guessing is slowed per address.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 10
REVIEW_DECISIONS = {"approve": "Quote the reviewed words", "withhold": "Do not quote anything",
                    "concern": "This is a safeguarding concern"}


class FamilyFeedbackError(ValueError):
    """problems: {field: message} for the form; str(error) is the first."""

    def __init__(self, problems):
        problems = problems if isinstance(problems, dict) else {"": problems}
        super().__init__(next(iter(problems.values())))
        self.problems = problems


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _code_hash(code: str) -> str:
    return _hash("code:" + normalise_code(code))


def normalise_code(code: str) -> str:
    """As typed from a letter: any case, with or without the dash or spaces."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _case_audit_for(case_audit_id: int, user) -> CaseAudit:
    case_audit = db.session.get(CaseAudit, case_audit_id)
    if case_audit is None or case_audit.removed or not parts_for(user, case_audit):
        raise FamilyFeedbackError("Only an auditor of this case can record the family's feedback")
    return case_audit


# -- the auditor's side -------------------------------------------------------------------------

@dataclass
class ConsentAnswers:
    asked: bool | None
    who: str
    asked_on: date | None
    how: str
    consent: bool | None
    reason: str


def consent_for(case_audit_id: int) -> FamilyConsent | None:
    return db.session.scalars(select(FamilyConsent).filter_by(case_audit_id=case_audit_id)).first()


def _check_consent(answers: ConsentAnswers) -> dict:
    problems = {}
    if answers.asked is None:
        problems["asked"] = "Select whether the family was asked for feedback"
    elif answers.asked:
        if answers.who not in WHO:
            problems["who"] = "Select who was asked"
        if answers.asked_on is None:
            problems["asked_on"] = "Enter the date they were asked"
        elif answers.asked_on > date.today():
            problems["asked_on"] = "The date they were asked must be today or in the past"
        if answers.how not in HOW:
            problems["how"] = "Select how they were asked"
        if answers.consent is None:
            problems["consent"] = "Select whether they agreed to give feedback"
    elif not (answers.reason or "").strip():
        problems["reason"] = "Enter why the family was not asked"
    if len(answers.reason or "") > REASON_MAX:
        problems["reason"] = f"Why they were not asked must be {REASON_MAX:,} characters or fewer"
    return problems


def record_consent(case_audit_id: int, answers: ConsentAnswers, user) -> FamilyConsent:
    problems = _check_consent(answers)
    if problems:
        raise FamilyFeedbackError(problems)
    with write_transaction():
        case_audit = _case_audit_for(case_audit_id, user)
        consent = consent_for(case_audit.id) or FamilyConsent(case_audit_id=case_audit.id)
        consent.asked = bool(answers.asked)
        consent.who = answers.who if answers.asked else None
        consent.asked_on = answers.asked_on if answers.asked else None
        consent.how = answers.how if answers.asked else None
        consent.consent = answers.consent if answers.asked else None
        consent.not_asked_reason = None if answers.asked else answers.reason.strip()
        consent.recorded_by_id, consent.recorded_at = user.id, utcnow()
        db.session.add(consent)
        db.session.flush()
        # What was recorded, without the free-text reason (case content stays out of the trail).
        record_event("family_consent_recorded", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"asked": consent.asked, "who": consent.who, "how": consent.how,
                              "asked_on": consent.asked_on.isoformat() if consent.asked_on else None,
                              "consent": consent.consent, "reason_given": consent.not_asked_reason is not None})
    return consent


@dataclass
class NewInvitation:
    """The only moment the token and code exist in full: printed on the letter, then gone."""
    invitation_id: int
    kind: str
    token: str
    code: str
    expires_at: object

    @property
    def code_shown(self) -> str:
        return self.code[:5] + "-" + self.code[5:]


def make_invitation(case_audit_id: int, kind: str, user) -> NewInvitation:
    if kind not in KINDS:
        raise FamilyFeedbackError({"kind": "Select who the letter is for"})
    with write_transaction():
        case_audit = _case_audit_for(case_audit_id, user)
        consent = consent_for(case_audit.id)
        if consent is None or not consent.consent:
            raise FamilyFeedbackError({"kind": "Record that the family gave their consent before making an invitation"})
        now = utcnow()
        # A new letter of the same kind replaces a lost one: the old link stops working.
        for old in db.session.scalars(select(FamilyInvitation).filter_by(case_audit_id=case_audit.id, kind=kind)
                                      .where(FamilyInvitation.used_at.is_(None),
                                             FamilyInvitation.withdrawn_at.is_(None))):
            old.withdrawn_at = now
            record_event("family_invitation_withdrawn", actor=user, object_type="family_invitation",
                         object_id=old.id, details={"case_audit": case_audit.id, "replaced": True})
        token = secrets.token_urlsafe(TOKEN_BYTES)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        invitation = FamilyInvitation(case_audit_id=case_audit.id, kind=kind, token_hash=_hash(token),
                                      code_hash=_code_hash(code), made_by_id=user.id, made_at=now,
                                      expires_at=now + timedelta(days=current_app.config["FAMILY_FEEDBACK_DAYS"]),
                                      draft_answers={})
        db.session.add(invitation)
        db.session.flush()
        record_event("family_invitation_made", actor=user, object_type="family_invitation", object_id=invitation.id,
                     details={"case_audit": case_audit.id, "kind": kind,
                              "expires_at": invitation.expires_at.isoformat()})
    return NewInvitation(invitation.id, kind, token, code, invitation.expires_at)


def invitations_for(case_audit_id: int) -> list[FamilyInvitation]:
    return db.session.scalars(select(FamilyInvitation).filter_by(case_audit_id=case_audit_id)
                              .order_by(FamilyInvitation.made_at.desc(), FamilyInvitation.id.desc())).all()


def invitation_state(invitation: FamilyInvitation) -> str:
    if invitation.used_at:
        return "Answered"
    if invitation.withdrawn_at:
        return "Replaced by a new letter"
    if invitation.expires_at <= utcnow():
        return "Expired"
    return "Waiting for an answer"


# -- the family's side (public pages: every failure looks the same) ------------------------------

def _usable(invitation: FamilyInvitation | None) -> FamilyInvitation | None:
    return invitation if invitation is not None and invitation.usable(utcnow()) else None


def invitation_for_token(token: str) -> FamilyInvitation | None:
    """The invitation a link opens, or None: unknown, used, expired and replaced alike."""
    if not token or len(token) > 200:
        return None
    return _usable(db.session.scalars(select(FamilyInvitation).filter_by(token_hash=_hash(token))).first())


def invitation_for_code(code: str) -> FamilyInvitation | None:
    if len(normalise_code(code)) != CODE_LENGTH:
        return None
    return _usable(db.session.scalars(select(FamilyInvitation).filter_by(code_hash=_code_hash(code))).first())


def usable_invitation(invitation_id) -> FamilyInvitation | None:
    return _usable(db.session.get(FamilyInvitation, invitation_id)) if isinstance(invitation_id, int) else None


def check_answers(answers: dict) -> dict:
    problems = {}
    for question in QUESTIONS:
        if answers.get(question.id) not in {value for value, _, _ in question.answers}:
            problems[question.id] = "Select an answer"
    if len(answers.get(ANYTHING_ELSE) or "") > FREE_TEXT_MAX:
        problems[ANYTHING_ELSE] = f"Your answer must be {FREE_TEXT_MAX:,} characters or fewer"
    return problems


def save_answers(invitation_id: int, answers: dict) -> None:
    """The family's answers, kept on the invitation until they send them (they can come back
    with the same link and find them)."""
    problems = check_answers(answers)
    if problems:
        raise FamilyFeedbackError(problems)
    with write_transaction():
        invitation = usable_invitation(invitation_id)
        if invitation is None:
            raise FamilyFeedbackError("This link no longer works")
        invitation.draft_answers = {q.id: answers[q.id] for q in QUESTIONS} | {
            ANYTHING_ELSE: (answers.get(ANYTHING_ELSE) or "").strip()}
        record_event("family_feedback_saved", object_type="family_invitation", object_id=invitation.id)


def submit(invitation_id: int) -> FamilyFeedback:
    with write_transaction():
        invitation = db.session.get(FamilyInvitation, invitation_id, with_for_update=True)
        if _usable(invitation) is None or check_answers(invitation.draft_answers or {}):
            raise FamilyFeedbackError("This link no longer works")
        draft = dict(invitation.draft_answers)
        free_text = draft.pop(ANYTHING_ELSE, "") or None
        feedback = FamilyFeedback(invitation_id=invitation.id, case_audit_id=invitation.case_audit_id,
                                  kind=invitation.kind, answers=draft, free_text=free_text,
                                  review="awaiting" if free_text else "nothing", submitted_at=utcnow())
        invitation.used_at = feedback.submitted_at
        invitation.draft_answers = {}
        db.session.add(feedback)
        db.session.flush()
        record_event("family_feedback_submitted", object_type="family_feedback", object_id=feedback.id,
                     details={"case_audit": invitation.case_audit_id, "kind": invitation.kind,
                              "free_text": free_text is not None})
    return feedback


# -- the QA lead's review ------------------------------------------------------------------------

@dataclass
class Review:
    decision: str  # a key of REVIEW_DECISIONS
    reviewed_text: str
    concern_details: str


def awaiting_review() -> list[FamilyFeedback]:
    return db.session.scalars(select(FamilyFeedback).filter_by(review="awaiting")
                              .order_by(FamilyFeedback.submitted_at, FamilyFeedback.id)).all()


def awaiting_review_count() -> int:
    return db.session.scalar(select(func.count(FamilyFeedback.id)).filter_by(review="awaiting")) or 0


def review(feedback_id: int, decision: Review, user) -> FamilyFeedback:
    problems = {}
    text = (decision.reviewed_text or "").strip()
    if decision.decision not in REVIEW_DECISIONS:
        problems["decision"] = "Select what to do with what the family wrote"
    elif decision.decision == "approve" and not text:
        problems["reviewed_text"] = "Enter the words that may be quoted, with names and details taken out"
    elif decision.decision == "concern" and not (decision.concern_details or "").strip():
        problems["concern_details"] = "Enter what the concern is and what needs to happen now"
    if len(text) > FREE_TEXT_MAX:
        problems["reviewed_text"] = f"The reviewed words must be {FREE_TEXT_MAX:,} characters or fewer"
    if problems:
        raise FamilyFeedbackError(problems)
    concern = None
    with write_transaction():
        feedback = db.session.get(FamilyFeedback, feedback_id, with_for_update=True)
        if feedback is None or feedback.review != "awaiting":
            raise FamilyFeedbackError({"decision": "This feedback has already been reviewed"})
        if decision.decision == "concern":
            # The concern carries the family's own words: those who act on it need them.
            concern = safeguarding.raise_from_family_feedback(
                feedback.case_audit_id, f"{decision.concern_details.strip()}\n\nWhat the family wrote "
                f"({KINDS[feedback.kind].lower()}):\n{feedback.free_text}", user)
            feedback.concern_id = concern.id
        feedback.review = {"approve": "approved", "withhold": "withheld", "concern": "concern"}[decision.decision]
        feedback.reviewed_text = text if decision.decision == "approve" else None
        # Once reviewed, the unredacted words are not kept (a concern holds its own copy).
        feedback.free_text = None
        feedback.reviewed_by_id, feedback.reviewed_at = user.id, utcnow()
        record_event("family_feedback_reviewed", actor=user, object_type="family_feedback", object_id=feedback.id,
                     details={"case_audit": feedback.case_audit_id, "decision": feedback.review,
                              "concern": concern.id if concern else None})
    if concern is not None:
        safeguarding.email_concern(concern, user)
    return feedback


# -- what the findings show ------------------------------------------------------------------------

@dataclass
class FamilyView:
    """One family's answers beside the grades of the audit of their case."""
    case_audit_id: int
    case_id: str
    kind: str
    understood_why: str
    listened: str
    things_better: str
    grade_before: str | None
    grade_after: str | None
    quote: str | None


@dataclass
class ProgrammeFeedback:
    asked: int = 0
    consented: int = 0
    invited: int = 0
    answered: int = 0
    questions: list[QuestionTally] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    views: list[FamilyView] = field(default_factory=list)


def programme_feedback(programme: AuditProgramme, records=None) -> ProgrammeFeedback:
    audits = {c.id: c for c in programme.case_audits if c.status != CaseAuditStatus.REMOVED}
    ids = list(audits)
    if not ids:
        return ProgrammeFeedback(questions=tally([]))
    consents = db.session.scalars(select(FamilyConsent).where(FamilyConsent.case_audit_id.in_(ids))).all()
    invited = db.session.scalars(select(FamilyInvitation.case_audit_id).distinct()
                                 .where(FamilyInvitation.case_audit_id.in_(ids))).all()
    answered = db.session.scalars(select(FamilyFeedback).where(FamilyFeedback.case_audit_id.in_(ids))
                                  .order_by(FamilyFeedback.case_audit_id, FamilyFeedback.id)).all()
    if records is None:
        from qa_app.services import findings  # the findings service reads this one for its page
        records = findings.audit_records(programme)
    by_audit = {r.case_audit_id: r for r in records}
    grade_question = overall_grade_question(questionnaire_for_programme(programme))
    labels = {q.id: q for q in QUESTIONS}
    views = []
    for f in answered:
        record = by_audit.get(f.case_audit_id)
        views.append(FamilyView(
            f.case_audit_id, record.case_id if record else audits[f.case_audit_id].case_id, KINDS[f.kind],
            *(labels[q].answer_label(f.answers.get(q)) for q in ("understood_why", "listened", "things_better")),
            grade_before(record, grade_question) if record else None,
            grade_after(record, grade_question) if record else None,
            f.reviewed_text if f.review == "approved" else None))
    return ProgrammeFeedback(
        asked=sum(1 for c in consents if c.asked), consented=sum(1 for c in consents if c.consent),
        invited=len(invited), answered=len(answered), questions=tally([f.answers for f in answered]),
        quotes=[f.reviewed_text for f in answered if f.review == "approved" and f.reviewed_text], views=views)
