"""The practitioner's part of a case audit (issue 25): the lead auditor names and shares, the
practitioner reflects and rates, both agree and sign off the learning. One page for both sides;
a refused form comes back on it with what was typed."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.extensions import db
from qa_app.forms import choices, error_link
from qa_app.models import AuditProgramme, CaseAudit, Role
from qa_app.practitioners.forms import (AddendumForm, InviteForm, LearningForm, ShareForm, SignOffForm,
                                        TakesPartForm, UsefulnessForm, agreement_from, reflection_form)
from qa_app.security import deny, roles_required
from qa_app.services.case_audits import LEAD, audit_part
from qa_app.services.case_reads import record_case_read
from qa_app.services.participation import practitioners as service

practitioners = Blueprint("practitioners", __name__)

EITHER_SIDE = (Role.AUDITOR, Role.PRACTITIONER)


@practitioners.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def programme_setting(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    form = TakesPartForm()
    page_errors = []
    if form.is_submitted():
        try:
            service.set_how_practitioners_take_part(programme.id, form.practitioners_take_part.data, current_user)
        except service.PractitionerError as error:
            page_errors = _errors(form, error)
        else:
            flash("How practitioners take part has been saved.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    else:
        form.practitioners_take_part.data = service.takes_part(programme).value
    return render_template("practitioners/programme_setting.html", programme=programme, setting_form=form,
                           page_errors=page_errors)


def _case_audit(case_audit_id) -> CaseAudit:
    case_audit = db.session.get(CaseAudit, case_audit_id)
    if case_audit is None or case_audit.removed:
        abort(404)
    if not service.may_open(current_user, case_audit):
        deny(404)  # not theirs: the same answer as no such audit
    return case_audit


def _errors(form, error) -> list[dict]:
    page_errors = []
    for name, text in error.problems.items():
        if name in form:
            form[name].errors = [text]
        page_errors.append({"text": text, "href": error_link(form, name) if name else "#main-content"})
    return page_errors


@practitioners.get("/audits/<int:case_audit_id>")
@roles_required(*EITHER_SIDE)
def audit_page(case_audit_id):
    case_audit = _case_audit(case_audit_id)
    return _page(case_audit)


def _page(case_audit, refused: str | None = None, form=None, page_errors=(), status=200):
    """Everything either side may see and do; `refused` names the form shown again as typed."""
    review = service.review_of(case_audit)
    graded = service.graded_questions(case_audit)
    lead_side = service.is_lead(current_user, case_audit)
    record_case_read("practitioner's part of a case audit", child_ids=[case_audit.child_id],
                     object_type="case_audit", object_id=case_audit.id)

    def kept(name, make):
        return form if refused == name else make()

    invite_form = kept("invite", lambda: InviteForm(formdata=None, data={
        "practitioner_id": str(review.practitioner_id) if review else None}))
    invite_form.practitioner_id.choices = choices(
        (str(u.id), f"{u.display_name} ({u.agency_label})") for u in service.practitioners())
    reflection = kept("reflect", lambda: reflection_form(graded, formdata=None, data=_reflection_data(review)))
    usefulness = kept("rate", lambda: UsefulnessForm(formdata=None, data={
        "usefulness": str(review.usefulness) if review and review.usefulness else None,
        "usefulness_comment": review.usefulness_comment if review else None}))
    learning = kept("learning", lambda: LearningForm(formdata=None, data={
        "agreed_learning": review.agreed_learning if review else None}))
    return render_template(
        "practitioners/audit.html", case_audit=case_audit, review=review, graded=graded, lead_side=lead_side,
        lead=audit_part(case_audit, LEAD), takes_part=service.takes_part(case_audit.programme),
        invite_form=invite_form, share_form=ShareForm(formdata=None), reflection_form=reflection,
        usefulness_form=usefulness, learning_form=learning,
        sign_off_form=kept("sign_off", lambda: SignOffForm(formdata=None)),
        addendum_form=kept("addendum", lambda: AddendumForm(formdata=None)),
        usefulness_labels=service.USEFULNESS, page_errors=list(page_errors), refused=refused), status


def _reflection_data(review):
    if review is None:
        return {}
    data = {"went_well": review.went_well, "do_differently": review.do_differently}
    for question_id, answer in (review.agreement or {}).items():
        data[question_id] = "yes" if answer.get("agrees") else "no"
        data[f"{question_id}_why"] = answer.get("why")
    return data


def _post(case_audit_id, name, form, do, done: str):
    case_audit = _case_audit(case_audit_id)
    try:
        do(case_audit)
    except service.PractitionerError as error:
        return _page(case_audit, name, form, _errors(form, error))
    flash(done, "success")
    # No fragment: the success banner at the top takes focus (docs/decisions.md, "Forms post to their own path").
    return redirect(url_for("practitioners.audit_page", case_audit_id=case_audit.id))


@practitioners.post("/audits/<int:case_audit_id>/invite")
@roles_required(Role.AUDITOR)
def invite(case_audit_id):
    form = InviteForm()
    return _post(case_audit_id, "invite", form,
                 lambda c: service.invite(c.id, form.practitioner_id.data, current_user),
                 "The practitioner has been named. Share the lead part with them when it is ready.")


@practitioners.post("/audits/<int:case_audit_id>/share")
@roles_required(Role.AUDITOR)
def share(case_audit_id):
    form = ShareForm()
    return _post(case_audit_id, "share", form, lambda c: service.share(c.id, current_user),
                 "The lead part is shared. The practitioner has been told.")


@practitioners.post("/audits/<int:case_audit_id>/reflection")
@roles_required(Role.PRACTITIONER)
def reflect(case_audit_id):
    case_audit = _case_audit(case_audit_id)
    graded = service.graded_questions(case_audit)
    form = reflection_form(graded)
    return _post(case_audit_id, "reflect", form,
                 lambda c: service.reflect(c.id, form.went_well.data, form.do_differently.data,
                                           agreement_from(form, graded), current_user),
                 "Your reflection has been saved.")


@practitioners.post("/audits/<int:case_audit_id>/usefulness")
@roles_required(Role.PRACTITIONER)
def rate(case_audit_id):
    form = UsefulnessForm()
    return _post(case_audit_id, "rate", form,
                 lambda c: service.rate(c.id, form.usefulness.data, form.usefulness_comment.data, current_user),
                 "Thank you: your rating has been saved.")


@practitioners.post("/audits/<int:case_audit_id>/learning")
@roles_required(*EITHER_SIDE)
def record_learning(case_audit_id):
    form = LearningForm()
    return _post(case_audit_id, "learning", form,
                 lambda c: service.record_learning(c.id, form.agreed_learning.data, current_user),
                 "The agreed learning has been saved.")


@practitioners.post("/audits/<int:case_audit_id>/sign-off")
@roles_required(*EITHER_SIDE)
def sign_off(case_audit_id):
    form = SignOffForm()
    return _post(case_audit_id, "sign_off", form,
                 lambda c: service.sign_off(c.id, bool(form.confirm.data), current_user),
                 "You have signed off the learning.")


@practitioners.post("/audits/<int:case_audit_id>/addenda")
@roles_required(*EITHER_SIDE)
def add_addendum(case_audit_id):
    form = AddendumForm()
    return _post(case_audit_id, "addendum", form,
                 lambda c: service.add_addendum(c.id, form.addendum.data, current_user),
                 "Your addition to the learning has been saved.")
