"""Audit programmes for QA leads: frame, sample, manual changes and assignment."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import Optional

from audit_tools.records import DECISION_LABELS
from audit_tools.sampling import FRAMES, STRATIFY_FIELDS, SampleRequest, sample_size, strata
from qa_app.extensions import db
from qa_app.forms import choices
from qa_app.models import Agency, AuditProgramme, CaseAudit, Role
from qa_app.programmes.forms import (AddCaseForm, AssignForm, DrawForm, FrameViewForm, ModerationPolicyForm,
                                     ProgrammeForm,
                                     ReassignForm, RemoveCaseForm)
from qa_app.security import roles_required
from audit_tools.findings import OFSTED_GRADES
from qa_app.services import moderation, questionnaires
from qa_app.services import programmes as service
from qa_app.services.case_lists import child_histories
from qa_app.services.case_reads import record_case_read

programmes = Blueprint("programmes", __name__)


@programmes.get("/")
@roles_required(Role.QA_LEAD)
def list_programmes():
    return render_template("programmes/list.html", programmes=service.programmes(), frames=FRAMES)


@programmes.route("/new", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def new_programme():
    form = ProgrammeForm()
    form.questionnaire_id.choices = choices(
        (f"{q.id}@{q.version}", f"{q.title} (version {q.version})") for q in questionnaires.available().values())
    known = service.team_choices()
    posted = [form.team.data] if form.team.data and form.team.data not in known else []
    form.team.choices = choices([("", "Any team")] + [(t, t) for t in known + posted])
    offered, said = service.agency_sections_offered()
    form.agencies.choices = choices((a, Agency(a).label) for a in offered)
    form.agencies.description = f"Only agencies the chosen questionnaire has questions for. {said}"
    if form.validate_on_submit():
        questionnaire_id, _, version = form.questionnaire_id.data.partition("@")
        try:
            programme = service.create_programme(
                name=form.name.data, theme=form.theme.data, questionnaire_id=questionnaire_id,
                questionnaire_version=int(version) if version.isdigit() else None,
                frame_kind=form.frame_kind.data, period_text=form.period.data,
                filters={"team": form.team.data, "decision": form.decision.data,
                         "source": (form.source.data or "").upper(), "category": form.category.data},
                previous_decisions=form.previous_decisions.data or [], agencies=form.agencies.data or [],
                due_date=form.due_date.data, user=current_user)
        except service.ProgrammeError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            flash(f"Programme {programme.name} created. Check its frame, then draw the sample.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    return render_template("programmes/new.html", form=form)


@programmes.get("/<int:programme_id>")
@roles_required(Role.QA_LEAD)
def show_programme(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    context = {"programme": programme, "frames": FRAMES, "strata_fields": STRATIFY_FIELDS,
               "decision_labels": DECISION_LABELS}
    if programme.sample is None:
        chosen = FrameViewForm(request.args).settings(service.DEFAULT_EXCLUDE_MONTHS)
        context.update(_frame_context(programme, DrawForm(formdata=None, exclude_audited_months=chosen["months"]),
                                      chosen["months"], chosen["field"], chosen["confidence"], chosen["margin"]))
    else:
        context.update(_sample_context(programme, ModerationPolicyForm.of(programme.moderation_policy or {}),
                                       page=request.args.get("page", type=int)))
    return render_template("programmes/show.html", **context)


def _refused_on_programme_page(programme, *, refused_case_audit_id=None, **forms):
    """The programme page again with a refused form as typed, its errors beside its fields.
    A refused removal's form is drawn only on its own case's row."""
    context = _sample_context(programme, ModerationPolicyForm.of(programme.moderation_policy or {}),
                              showing_case_audit_id=refused_case_audit_id)
    refused = next(iter(forms.values()))
    if refused_case_audit_id is None:
        context.update(forms)
    return render_template("programmes/show.html", programme=programme, frames=FRAMES,
                           strata_fields=STRATIFY_FIELDS, decision_labels=DECISION_LABELS, form=refused,
                           refused_case_audit_id=refused_case_audit_id, refused_remove_form=forms.get("remove_form"),
                           **context)


CASES_PER_PAGE = 25


def _sample_context(programme, policy_form, page=None, showing_case_audit_id=None) -> dict:
    """What the page shows once the sample is drawn: a page of its case audits (issue 24: a
    200-case list was 600 tab stops before the forms below it), agreement and the forms. A refused
    form on a case's row shows the page that row is on."""
    audits = service.active_case_audits(programme)
    pages = max(1, -(-len(audits) // CASES_PER_PAGE))
    if showing_case_audit_id is not None:
        page = next((i // CASES_PER_PAGE + 1 for i, c in enumerate(audits) if c.id == showing_case_audit_id), 1)
    page = min(max(page or 1, 1), pages)
    shown = audits[(page - 1) * CASES_PER_PAGE:page * CASES_PER_PAGE]
    record_case_read("programme case list", list_filter={"programme": programme.id, "page": page},
                     object_type="audit_programme", object_id=programme.id)
    return {"case_audits": shown, "case_page": {"number": page, "pages": pages, "total": len(audits),
                                                 "first": (page - 1) * CASES_PER_PAGE + 1,
                                                 "last": (page - 1) * CASES_PER_PAGE + len(shown),
                                                 "items": [{"number": n, "current": n == page, "href": url_for(
                                                     "programmes.show_programme", programme_id=programme.id,
                                                     page=n) + "#case-audits"} for n in range(1, pages + 1)]},
            "agreement": moderation.agreement_for(programme), "grades": OFSTED_GRADES,
            "still_open": service.what_keeps_open(programme),
            "removed": [c for c in programme.case_audits if c.removed], "add_form": AddCaseForm(formdata=None),
            "remove_form": RemoveCaseForm(formdata=None), "assign_form": _assign_form(programme, formdata=None),
            "policy_form": policy_form}


def _frame_context(programme, draw_form, months, field="team", confidence=95, margin=5) -> dict:
    """What the page shows before a draw: the frame, its make-up, the sample-size helper, the form."""
    preview = service.preview_frame(programme, months)
    return {"preview": preview, "strata_field": field, "strata": strata(preview.eligible, field),
            "confidence": confidence, "margin": margin,
            "needed": sample_size(confidence, margin, len(preview.eligible) or None),
            "needed_without_fpc": sample_size(confidence, margin), "draw_form": draw_form,
            "frame_view": FrameViewForm(formdata=None, strata=field, confidence=str(confidence), margin=margin)}


def _assign_form(programme, **kwargs) -> AssignForm:
    people = service.auditors()

    class Form(AssignForm):
        pass

    for agency in programme.agencies:
        # The service refuses an auditor of another agency; the form offers none.
        setattr(Form, f"section_{agency}", SelectMultipleField(
            f"{Agency(agency).label} section auditors", widget=GovCheckboxesInput(), coerce=int,
            validators=[Optional()], validate_choice=False,
            choices=choices((u.id, u.display_name) for u in people if u.agency == agency)))
    form = Form(**kwargs)
    form.lead_auditor_ids.choices = choices((u.id, f"{u.display_name} ({u.agency_label})") for u in people)
    form.section_fields = [form[f"section_{agency}"] for agency in programme.agencies]
    return form


@programmes.post("/<int:programme_id>/draw")
@roles_required(Role.QA_LEAD)
def draw(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    form = DrawForm()
    if form.validate_on_submit():
        request_ = SampleRequest(form.method.data, form.size.data, form.percent.data,
                                 form.stratify_by.data or None, form.minimum_per_stratum.data or 0)
        try:
            sample = service.draw_programme_sample(programme.id, request_, seed=form.seed.data,
                                                   exclude_months=form.exclude_audited_months.data,
                                                   user=current_user)
        except service.ProgrammeError as error:
            form.method.errors.append(str(error))
        else:
            flash(f"Sample drawn: {len(sample.drawn_ids)} cases from a frame of {sample.frame_size}, "
                  f"seed {sample.seed}.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    db.session.refresh(programme)
    if programme.sample is not None:  # another tab drew it meanwhile
        flash(form.method.errors[0] if form.method.errors else "This programme already has a sample.", "info")
        return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    months = form.exclude_audited_months.data
    months = service.DEFAULT_EXCLUDE_MONTHS if months is None else months
    return render_template("programmes/show.html", programme=programme, frames=FRAMES,
                           strata_fields=STRATIFY_FIELDS, decision_labels=DECISION_LABELS, form=form,
                           **_frame_context(programme, form, months))


@programmes.post("/<int:programme_id>/check")
@roles_required(Role.QA_LEAD)
def check(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    if programme.sample is None:
        flash("There is no sample to check yet: draw one first.", "info")
        return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    result = service.check_sample(programme.id, current_user)
    if result.matches and result.frame_unchanged:
        flash("The sample matches: drawn again from today's data with the recorded seed, it gives "
              "the same cases in the same order.", "success")
    else:
        changes = []
        if result.added_to_frame:
            changes.append(f"{len(result.added_to_frame)} case(s) now in the frame that were not: "
                           + ", ".join(result.added_to_frame[:10]))
        if result.removed_from_frame:
            changes.append(f"{len(result.removed_from_frame)} case(s) no longer in the frame: "
                           + ", ".join(result.removed_from_frame[:10]))
        outcome = "still gives the same cases" if result.matches else "no longer gives the same cases"
        flash("The data has changed since the draw. " + ". ".join(changes)
              + f". Drawn again with the recorded seed, it {outcome}.", "info")
    return redirect(url_for("programmes.show_programme", programme_id=programme.id))


def _number_or_refused(value):
    return -1 if value is None else value


@programmes.post("/<int:programme_id>/moderation-policy")
@roles_required(Role.QA_LEAD)
def moderation_policy(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    form = ModerationPolicyForm()
    try:
        # A number that is not a number reaches the service as -1, which it refuses in its own words.
        moderation.set_policy(programme.id, inadequate="inadequate" in (form.always.data or []),
                              flagged="flagged" in (form.always.data or []),
                              new_auditor_first=_number_or_refused(form.new_auditor_first.data),
                              random_percent=_number_or_refused(form.random_percent.data),
                              user=current_user)
    except moderation.ModerationError as error:
        for key, text in error.problems.items():
            if key in form:
                form[key].errors = [text]
        return render_template("programmes/show.html", programme=programme, frames=FRAMES,
                               strata_fields=STRATIFY_FIELDS, decision_labels=DECISION_LABELS, form=form,
                               **_sample_context(programme, form))
    flash("Moderation policy saved.", "success")
    return redirect(url_for("programmes.show_programme", programme_id=programme.id))


@programmes.post("/<int:programme_id>/cases")
@roles_required(Role.QA_LEAD)
def add_case(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    form = AddCaseForm()
    if form.validate_on_submit():
        try:
            service.add_case_by_hand(programme.id, form.case_id.data, form.reason.data, current_user)
        except service.ProgrammeError as error:
            form.case_id.errors = [f"The case was not added: {error}"]
        else:
            flash(f"Case {form.case_id.data} added to the sample.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    return _refused_on_programme_page(programme, add_form=form)


@programmes.post("/case-audits/<int:case_audit_id>/remove")
@roles_required(Role.QA_LEAD)
def remove_case(case_audit_id):
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    form = RemoveCaseForm()
    if form.validate_on_submit():
        try:
            service.remove_case_by_hand(case_audit.id, form.reason.data, current_user)
        except service.ProgrammeError as error:
            form.reason.errors = [f"The case was not removed: {error}"]
        else:
            flash(f"Case {case_audit.case_id} removed from the sample.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=case_audit.programme_id))
    elif not form.reason.errors:
        form.reason.errors = ["The case was not removed: enter why it is being removed."]
    return _refused_on_programme_page(case_audit.programme, refused_case_audit_id=case_audit.id, remove_form=form)


@programmes.post("/<int:programme_id>/assign")
@roles_required(Role.QA_LEAD)
def assign(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    form = _assign_form(programme)
    if form.validate_on_submit():
        try:
            result = service.assign_round_robin(
                programme.id, form.lead_auditor_ids.data, form.due_date.data, current_user,
                section_auditor_ids={agency: form[f"section_{agency}"].data or [] for agency in programme.agencies})
        except service.ProgrammeError as error:
            field = form[error.field] if error.field in form else form.lead_auditor_ids
            field.errors = [f"Nothing was assigned: {error}"]
            return _refused_on_programme_page(programme, assign_form=form)
        else:
            message = f"{result['assigned']} case audits assigned."
            if result["agencies_without_auditor"]:
                message += (" No section auditor was chosen for: "
                            + ", ".join(Agency(a).label for a in result["agencies_without_auditor"])
                            + "; those sections are unassigned.")
            flash(message, "success")
    else:
        form.lead_auditor_ids.errors = (list(form.lead_auditor_ids.errors)
                                        or ["Nothing was assigned: select at least one lead auditor."])
        return _refused_on_programme_page(programme, assign_form=form)
    return redirect(url_for("programmes.show_programme", programme_id=programme.id))


@programmes.route("/case-audits/<int:case_audit_id>/assignment", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def reassign(case_audit_id):
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    people = service.auditors()
    options = choices([("", "Nobody yet")] + [(str(u.id), f"{u.display_name} ({u.agency_label})") for u in people])

    class Form(ReassignForm):
        pass

    for section in case_audit.sections:
        # A section goes only to an auditor of its own agency.
        own_agency = choices([("", "Nobody yet")] + [(str(u.id), u.display_name) for u in people
                                                     if u.agency == section.agency])
        setattr(Form, f"section_{section.agency}",
                SelectField(f"{Agency(section.agency).label} section", choices=own_agency,
                            widget=ReassignForm.lead_auditor_id.kwargs["widget"], validators=[Optional()]))
    form = Form(obj=None) if request.method == "POST" else Form(
        lead_auditor_id=str(case_audit.lead_auditor_id or ""), due_date=case_audit.due_date,
        **{f"section_{s.agency}": str(s.auditor_id or "") for s in case_audit.sections})
    form.lead_auditor_id.choices = options
    if form.validate_on_submit():
        def as_id(value):
            return int(value) if value else None
        try:
            service.reassign(case_audit.id, lead_auditor_id=as_id(form.lead_auditor_id.data),
                             section_auditors={s.agency: as_id(getattr(form, f"section_{s.agency}").data)
                                               for s in case_audit.sections},
                             due_date=form.due_date.data, user=current_user)
        except service.ProgrammeError as error:
            form.lead_auditor_id.errors.append(str(error))
        else:
            flash(f"Assignment of case {case_audit.case_id} saved.", "success")
            return redirect(url_for("programmes.show_programme", programme_id=case_audit.programme_id))
    section_fields = [getattr(form, f"section_{s.agency}") for s in case_audit.sections]
    record_case_read("case assignment", child_ids=[case_audit.child_id], object_type="case_audit",
                     object_id=case_audit.id)
    return render_template("programmes/reassign.html", form=form, case_audit=case_audit,
                           section_fields=section_fields, decision_labels=DECISION_LABELS,
                           history=child_histories([case_audit.child_id])[case_audit.child_id])
