"""Staff pages for families' feedback (issue 25): the auditor records whether the family was
asked and makes the letters; the QA lead reviews what families wrote."""
import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from audit_tools.family_feedback import ANYTHING_ELSE, KINDS, QUESTIONS
from qa_app.extensions import db
from qa_app.families.forms import ConsentForm, InvitationForm, ReviewForm
from qa_app.models import CaseAudit, Role
from qa_app.models.families import FamilyFeedback, FamilyInvitation
from qa_app.security import deny, roles_required
from qa_app.services.case_audits import parts_for
from qa_app.services.case_reads import record_case_read
from qa_app.services.participation import families as service

families = Blueprint("families", __name__)
# The letter just made, for this auditor's browser only: the token and code exist nowhere else.
LETTER_KEY = "family_letter"


def _my_case_audit(case_audit_id) -> CaseAudit:
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    if case_audit.removed or not parts_for(current_user, case_audit):
        deny(404)
    return case_audit


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def _show_case(case_audit, consent_form, invitation_form, status=200):
    return render_template("families/case.html", case_audit=case_audit, form=consent_form,
                           invitation_form=invitation_form, consent=service.consent_for(case_audit.id),
                           invitations=service.invitations_for(case_audit.id), kinds=KINDS,
                           state=service.invitation_state, who=service.WHO, how=service.HOW), status


def _put_errors(form, problems):
    for name, message in problems.items():
        if name in form:
            form[name].errors = list(form[name].errors or []) + [message]


@families.route("/case-audits/<int:case_audit_id>", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def case_family(case_audit_id):
    case_audit = _my_case_audit(case_audit_id)
    consent = service.consent_for(case_audit.id)
    if request.method == "GET":
        record_case_read("family feedback", child_ids=[case_audit.child_id], object_type="case_audit",
                         object_id=case_audit.id)
        data = {}
        if consent is not None:
            data = {"asked": "yes" if consent.asked else "no", "who": consent.who, "asked_on": consent.asked_on,
                    "how": consent.how, "consent": {True: "yes", False: "no"}.get(consent.consent),
                    "reason": consent.not_asked_reason}
        return _show_case(case_audit, ConsentForm(formdata=None, data=data), InvitationForm(formdata=None))
    form = ConsentForm()
    form.validate()  # the date boxes' own errors; the service checks the rest
    try:
        if form.asked_on.errors:
            raise service.FamilyFeedbackError({"asked_on": form.asked_on.errors[0]})
        form.asked_on.errors = []
        service.record_consent(case_audit.id, service.ConsentAnswers(
            asked=_yes_no(form.asked.data), who=form.who.data or "", asked_on=form.asked_on.data,
            how=form.how.data or "", consent=_yes_no(form.consent.data), reason=form.reason.data or ""), current_user)
    except service.FamilyFeedbackError as error:
        form.asked_on.errors = []
        _put_errors(form, error.problems)
        return _show_case(case_audit, form, InvitationForm(formdata=None))
    flash("What the family was asked is recorded.", "success")
    return redirect(url_for("families.case_family", case_audit_id=case_audit.id))


@families.post("/case-audits/<int:case_audit_id>/invitations")
@roles_required(Role.AUDITOR)
def make_invitation(case_audit_id):
    case_audit = _my_case_audit(case_audit_id)
    form = InvitationForm()
    try:
        made = service.make_invitation(case_audit.id, form.kind.data or "", current_user)
    except service.FamilyFeedbackError as error:
        _put_errors(form, error.problems)
        return _show_case(case_audit, ConsentForm(formdata=None), form)
    session[LETTER_KEY] = {"id": made.invitation_id, "token": made.token, "code": made.code}
    return redirect(url_for("families.letter", invitation_id=made.invitation_id))


@families.get("/invitations/<int:invitation_id>/letter")
@roles_required(Role.AUDITOR)
def letter(invitation_id):
    invitation = db.get_or_404(FamilyInvitation, invitation_id)
    _my_case_audit(invitation.case_audit_id)
    kept = session.get(LETTER_KEY) or {}
    if kept.get("id") != invitation.id or not invitation.usable(service.utcnow()):
        return render_template("families/letter_gone.html", invitation=invitation), 410
    link = current_app.config["PUBLIC_URL"] + url_for("feedback.open_link", token=kept["token"])
    qr = segno.make(link, error="m").svg_inline(scale=4, border=2, title="QR code for the feedback link")
    code = kept["code"][:5] + "-" + kept["code"][5:]
    return render_template("families/letter.html", invitation=invitation, link=link, qr=qr, code=code,
                           start=current_app.config["PUBLIC_URL"] + url_for("feedback.start"),
                           child=invitation.kind == "child")


@families.get("/reviews")
@roles_required(Role.QA_LEAD)
def review_queue():
    return render_template("families/reviews.html", waiting=service.awaiting_review(), kinds=KINDS)


@families.route("/feedback/<int:feedback_id>/review", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def review(feedback_id):
    feedback = db.get_or_404(FamilyFeedback, feedback_id)
    if feedback.review != "awaiting":
        abort(404)
    if request.method == "GET":
        record_case_read("family feedback review", child_ids=[feedback.case_audit.child_id],
                         object_type="family_feedback", object_id=feedback.id)
        form = ReviewForm(formdata=None, data={"reviewed_text": feedback.free_text})
    else:
        form = ReviewForm()
        try:
            service.review(feedback.id, service.Review(form.decision.data or "", form.reviewed_text.data or "",
                                                       form.concern_details.data or ""), current_user)
        except service.FamilyFeedbackError as error:
            _put_errors(form, error.problems)
        else:
            flash("The review is saved.", "success")
            return redirect(url_for("families.review_queue"))
    answers = [(q.for_parent, q.answer_label(feedback.answers.get(q.id))) for q in QUESTIONS]
    return render_template("families/review.html", feedback=feedback, form=form, answers=answers,
                           kinds=KINDS, anything_else=ANYTHING_ELSE)


@families.app_context_processor
def _family_reviews_waiting():
    """For the QA lead's section of the home page, without the home page's view knowing of it."""
    return {"family_reviews_waiting": service.awaiting_review_count}
