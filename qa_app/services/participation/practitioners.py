"""Practitioners taking part in the audit of their own case (issue 25).

The programme says whether they take part. The lead auditor names the case's practitioner and,
when ready, shares the lead part with them: only then may the practitioner read it (read-only,
each view a case read) and record their reflection, whether they agree with each graded
judgement, and how useful the audit was. The two record the learning they agreed and each signs
it off; after the first sign-off the learning is only added to. A practitioner's view sits
beside the grades and never changes one: only a moderator does that.

Emails say only that there is an audit to look at and where: no case content by email.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.mail import send_notice
from qa_app.models import (AuditProgramme, CaseAudit, LearningAddendum, PractitionerReview, PractitionerTakesPart,
                           Role, User)
from qa_app.models.base import utcnow
from qa_app.services import people
from qa_app.services.audit_trail import record_event
from qa_app.services.case_audits import LEAD, questionnaire_for_programme, sections_for

TEXT_MAX = 5000
USEFULNESS = {1: "Not at all useful", 2: "Slightly useful", 3: "Moderately useful", 4: "Very useful",
              5: "Extremely useful"}


class PractitionerError(ValueError):
    """Refused; problems maps a form field to what is wrong with it, for the page."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.problems = problems or {"": message}


def _text(value) -> str:
    return (value or "").strip()


# --- the programme's setting -------------------------------------------------------------------

def set_how_practitioners_take_part(programme_id: int, value: str, user) -> None:
    try:
        chosen = PractitionerTakesPart(value)
    except ValueError:
        raise PractitionerError("Choose how practitioners take part",
                                {"practitioners_take_part": "Choose how practitioners take part"}) from None
    with write_transaction():
        programme = db.session.get(AuditProgramme, programme_id)
        before = programme.practitioners_take_part
        programme.practitioners_take_part = chosen.value
        record_event("practitioners_take_part_set", actor=user, object_type="audit_programme",
                     object_id=programme.id, details={"from": before, "to": chosen.value})


def takes_part(programme: AuditProgramme) -> PractitionerTakesPart:
    return PractitionerTakesPart(programme.practitioners_take_part or PractitionerTakesPart.NOT_AT_ALL)


# --- who may see what --------------------------------------------------------------------------

def practitioners() -> list[User]:
    """Whom a lead auditor may name: active users holding the practitioner role, any agency."""
    return people.active_users(people.holds(Role.PRACTITIONER))


def review_of(case_audit: CaseAudit) -> PractitionerReview | None:
    return db.session.scalars(select(PractitionerReview).filter_by(case_audit_id=case_audit.id)).first()


def is_lead(user, case_audit: CaseAudit) -> bool:
    return case_audit.lead_auditor_id == user.id and user.has_role(Role.AUDITOR)


def shared_with(user, case_audit: CaseAudit) -> PractitionerReview | None:
    """The review, if the user is its practitioner and the lead part has been shared with them."""
    review = review_of(case_audit)
    if review and review.practitioner_id == user.id and review.shared and user.has_role(Role.PRACTITIONER):
        return review
    return None


def may_open(user, case_audit: CaseAudit) -> bool:
    """The lead auditor, or the practitioner it has been shared with. Anyone else gets 404."""
    if case_audit is None or case_audit.removed:
        return False
    return is_lead(user, case_audit) or shared_with(user, case_audit) is not None


def invitations_for(user) -> list[PractitionerReview]:
    """For the practitioner's home page: the audits shared with them, newest first."""
    return list(db.session.scalars(
        select(PractitionerReview).where(PractitionerReview.practitioner_id == user.id,
                                         PractitionerReview.shared_at.is_not(None))
        .order_by(PractitionerReview.shared_at.desc())))


def graded_questions(case_audit: CaseAudit):
    """(question, the auditor's grade) for every graded judgement of the lead part."""
    return [(q, case_audit.answers.get(q.id)) for s in sections_for(case_audit, LEAD)
            for q in s.questions if q.type == "grade"]


# --- the lead auditor ----------------------------------------------------------------------------

def _case_audit_for_lead(case_audit_id: int, user) -> CaseAudit:
    case_audit = db.session.get(CaseAudit, case_audit_id)
    if case_audit is None or not is_lead(user, case_audit):
        raise PractitionerError("Only the lead auditor of this case can do that")
    return case_audit


def invite(case_audit_id: int, practitioner_id, user) -> PractitionerReview:
    with write_transaction():
        case_audit = _case_audit_for_lead(case_audit_id, user)
        if takes_part(case_audit.programme) == PractitionerTakesPart.NOT_AT_ALL:
            raise PractitionerError("This programme does not invite practitioners to take part")
        try:
            practitioner = db.session.get(User, int(practitioner_id))
        except (TypeError, ValueError):
            practitioner = None
        if practitioner is None or not practitioner.active or not practitioner.has_role(Role.PRACTITIONER):
            raise PractitionerError("Choose a practitioner", {"practitioner_id": "Choose a practitioner"})
        review = review_of(case_audit)
        if review is not None and review.shared:
            raise PractitionerError("The audit is already shared with its practitioner, who cannot be changed now")
        if review is None:
            review = PractitionerReview(case_audit_id=case_audit.id, agreement={})
            db.session.add(review)
        review.practitioner_id, review.invited_by_id, review.invited_at = practitioner.id, user.id, utcnow()
        db.session.flush()
        record_event("practitioner_invited", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"case_audit": case_audit.id, "practitioner": practitioner.id})
    return review


def share(case_audit_id: int, user) -> PractitionerReview:
    with write_transaction():
        case_audit = _case_audit_for_lead(case_audit_id, user)
        review = review_of(case_audit)
        if review is None:
            raise PractitionerError("Name the practitioner before sharing the audit with them")
        if review.shared:
            raise PractitionerError("The lead part is already shared with the practitioner")
        review.shared_at = utcnow()
        record_event("practitioner_review_shared", actor=user, object_type="case_audit", object_id=case_audit.id,
                     details={"case_audit": case_audit.id, "practitioner": review.practitioner_id})
        practitioner = review.practitioner
    _email(case_audit_id, practitioner, user)
    return review


def audit_path(case_audit_id: int) -> str:
    """The practitioner's page, written out: shares happen outside a request too (demo data)."""
    return f"/practitioners/audits/{case_audit_id}"


def _email(case_audit_id: int, practitioner: User, user) -> None:
    """Only that there is an audit to reflect on, and the link: never the case."""
    send_notice("Casefile QA: you are invited to reflect on a case audit", [practitioner.email],
                "An auditor has shared a case audit of your work with you, and invites your reflection.\n\n"
                f"Sign in to read it: {current_app.config['PUBLIC_URL']}{audit_path(case_audit_id)}\n",
                user=user, failure_event="practitioner_email_failed", object_type="case_audit",
                object_id=case_audit_id)


# --- the practitioner ----------------------------------------------------------------------------

def _review_for_practitioner(case_audit_id: int, user) -> PractitionerReview:
    case_audit = db.session.get(CaseAudit, case_audit_id)
    review = shared_with(user, case_audit) if case_audit is not None else None
    if review is None:
        raise PractitionerError("Only the practitioner this audit was shared with can do that")
    return review


def reflect(case_audit_id: int, went_well: str, do_differently: str, agreement: dict, user) -> PractitionerReview:
    """agreement: {question id: ("yes" or "no", why)} for each graded judgement."""
    went_well, do_differently = _text(went_well), _text(do_differently)
    with write_transaction():
        review = _review_for_practitioner(case_audit_id, user)
        if review.practitioner_signed_off_at is not None:
            raise PractitionerError("You have signed off, so your reflection can no longer be changed")
        problems, kept = {}, {}
        for name, value, what in (("went_well", went_well, "what went well"),
                                  ("do_differently", do_differently, "what you would do differently")):
            if not value:
                problems[name] = f"Enter {what}"
            elif len(value) > TEXT_MAX:
                problems[name] = f"Keep {what} to {TEXT_MAX:,} characters or fewer"
        for question, _ in graded_questions(review.case_audit):
            agrees, why = agreement.get(question.id, ("", ""))
            why = _text(why)
            if agrees not in ("yes", "no"):
                problems[question.id] = f"Say whether you agree: {question.label}"
            elif agrees == "no" and not why:
                problems[f"{question.id}_why"] = f"Say why you disagree: {question.label}"
            elif len(why) > TEXT_MAX:
                problems[f"{question.id}_why"] = f"Keep why to {TEXT_MAX:,} characters or fewer"
            else:
                kept[question.id] = {"agrees": agrees == "yes", "why": why}
        if problems:
            raise PractitionerError("; ".join(problems.values()), problems)
        review.went_well, review.do_differently, review.agreement = went_well, do_differently, kept
        review.reflected_at = utcnow()
        record_event("practitioner_reflection_recorded", actor=user, object_type="case_audit",
                     object_id=case_audit_id, details={
                         "case_audit": case_audit_id,
                         "disagrees_with": sorted(q for q, a in kept.items() if not a["agrees"])})
    return review


def rate(case_audit_id: int, score, comment: str, user) -> PractitionerReview:
    comment = _text(comment)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = None
    if score not in USEFULNESS:
        raise PractitionerError("Choose how useful the audit was", {"usefulness": "Choose how useful the audit was"})
    if len(comment) > TEXT_MAX:
        raise PractitionerError("Comment too long", {"usefulness_comment": f"Keep the comment to {TEXT_MAX:,} characters or fewer"})
    with write_transaction():
        review = _review_for_practitioner(case_audit_id, user)
        review.usefulness, review.usefulness_comment, review.rated_at = score, comment or None, utcnow()
        record_event("practitioner_usefulness_rated", actor=user, object_type="case_audit",
                     object_id=case_audit_id, details={"case_audit": case_audit_id, "usefulness": score})
    return review


# --- both sides: the learning they agreed ------------------------------------------------------

def _review_for_either(case_audit_id: int, user) -> tuple[PractitionerReview, str]:
    """The review and which side the user is on: "auditor" or "practitioner"."""
    case_audit = db.session.get(CaseAudit, case_audit_id)
    if case_audit is None:
        raise PractitionerError("There is no such audit")
    review = review_of(case_audit)
    if review is not None and is_lead(user, case_audit):
        return review, "auditor"
    if review is not None and shared_with(user, case_audit) is not None:
        return review, "practitioner"
    if is_lead(user, case_audit):
        raise PractitionerError("Name the practitioner and share the audit with them first")
    raise PractitionerError("Only the lead auditor and the practitioner of this case can do that")


def record_learning(case_audit_id: int, text: str, user) -> PractitionerReview:
    text = _text(text)
    with write_transaction():
        review, side = _review_for_either(case_audit_id, user)
        if not review.shared:
            raise PractitionerError("Share the audit with the practitioner first")
        if review.learning_fixed:
            raise PractitionerError("The learning has been signed off, so it can only be added to")
        if not text:
            raise PractitionerError("Enter the learning you agreed", {"agreed_learning": "Enter the learning you agreed"})
        if len(text) > TEXT_MAX:
            raise PractitionerError("Too long", {"agreed_learning": f"Keep the learning to {TEXT_MAX:,} characters or fewer"})
        review.agreed_learning, review.learning_recorded_by_id, review.learning_recorded_at = text, user.id, utcnow()
        record_event("practitioner_learning_recorded", actor=user, object_type="case_audit",
                     object_id=case_audit_id, details={"case_audit": case_audit_id, "side": side})
    return review


def sign_off(case_audit_id: int, confirmed: bool, user) -> PractitionerReview:
    with write_transaction():
        review, side = _review_for_either(case_audit_id, user)
        if not review.agreed_learning:
            raise PractitionerError("Record the learning you agreed before signing it off")
        signed = review.auditor_signed_off_at if side == "auditor" else review.practitioner_signed_off_at
        if signed is not None:
            raise PractitionerError("You have already signed off this learning; add to it instead")
        if not confirmed:
            raise PractitionerError("Tick to confirm", {"confirm": "Tick to confirm this is the learning you agreed"})
        if side == "auditor":
            review.auditor_signed_off_by_id, review.auditor_signed_off_at = user.id, utcnow()
        else:
            review.practitioner_signed_off_at = utcnow()
        record_event("practitioner_learning_signed_off", actor=user, object_type="case_audit",
                     object_id=case_audit_id, details={"case_audit": case_audit_id, "side": side})
    return review


def add_addendum(case_audit_id: int, text: str, user) -> LearningAddendum:
    text = _text(text)
    with write_transaction():
        review, side = _review_for_either(case_audit_id, user)
        if not review.learning_fixed:
            raise PractitionerError("The learning can be added to once it has been signed off; until then, change it")
        if not text:
            raise PractitionerError("Enter what to add", {"addendum": "Enter what to add to the learning"})
        if len(text) > TEXT_MAX:
            raise PractitionerError("Too long", {"addendum": f"Keep it to {TEXT_MAX:,} characters or fewer"})
        addendum = LearningAddendum(review_id=review.id, author_id=user.id, text=text)
        db.session.add(addendum)
        db.session.flush()
        record_event("practitioner_learning_added_to", actor=user, object_type="case_audit",
                     object_id=case_audit_id, details={"case_audit": case_audit_id, "side": side,
                                                       "addendum": addendum.id})
    return addendum


# --- findings: counts only ---------------------------------------------------------------------

@dataclass
class AgreementRow:
    question_id: str
    label: str
    answered: int
    agree: int
    disagree: int


@dataclass
class Involvement:
    audits: int  # audits in the programme's sample (not removed)
    invited: int
    took_part: int  # recorded a reflection
    signed_off: int  # by both sides
    agreement: list[AgreementRow] = field(default_factory=list)
    usefulness: dict[int, int] = field(default_factory=dict)  # score -> count of ratings

    usefulness_labels = USEFULNESS

    @property
    def rated(self) -> int:
        return sum(self.usefulness.values())


def involvement_for(programme: AuditProgramme) -> Involvement:
    audits = [a for a in programme.case_audits if not a.removed]
    reviews = list(db.session.scalars(select(PractitionerReview).where(
        PractitionerReview.case_audit_id.in_([a.id for a in audits])))) if audits else []
    questions = [q for s in questionnaire_for_programme(programme).sections if s.agency is None
                 for q in s.questions if q.type == "grade"]
    rows = []
    for question in questions:
        answers = [r.agreement[question.id] for r in reviews if question.id in (r.agreement or {})]
        agree = sum(1 for a in answers if a.get("agrees"))
        rows.append(AgreementRow(question.id, question.label, len(answers), agree, len(answers) - agree))
    usefulness = {score: sum(1 for r in reviews if r.usefulness == score) for score in USEFULNESS}
    return Involvement(len(audits), len(reviews), sum(r.took_part for r in reviews),
                       sum(r.signed_off for r in reviews), rows, usefulness)
