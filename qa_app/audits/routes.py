"""Auditors complete their parts of case audits."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from audit_tools.records import DECISION_LABELS
from qa_app.audits.forms import CheckForm, ConcernForm, answer_form, answers_from, date_problems
from qa_app.db import DatabaseBusy
from qa_app.extensions import db
from qa_app.forms import error_link
from qa_app.models import CaseAudit, Role
from qa_app.security import deny, roles_required
from qa_app.services import case_audits as service
from qa_app.services import action_lists, actions, safeguarding
from qa_app.services.case_lists import child_histories
from qa_app.services.case_reads import record_case_read

audits = Blueprint("audits", __name__)


def _case_audit_or_404(case_audit_id) -> CaseAudit:
    case_audit = db.session.get(CaseAudit, case_audit_id)
    if case_audit is None or case_audit.removed:
        abort(404)
    return case_audit


@audits.get("/<int:case_audit_id>")
@roles_required(Role.AUDITOR)
def show(case_audit_id):
    case_audit = _case_audit_or_404(case_audit_id)
    parts = service.parts_for(current_user, case_audit)
    if not parts:
        deny(404)
    record_case_read("case audit", child_ids=[case_audit.child_id], object_type="case_audit",
                     object_id=case_audit.id)
    return _show(case_audit, parts)


def _show(case_audit, parts):
    history = child_histories([case_audit.child_id])[case_audit.child_id]
    return render_template("audits/show.html", case_audit=case_audit, parts=parts, history=history,
                           others=service.visible_agency_sections(current_user, case_audit),
                           decision_labels=DECISION_LABELS, questionnaire=service.questionnaire_for(case_audit),
                           sections=[service.audit_part(case_audit, s.agency) for s in case_audit.sections],
                           concerns=safeguarding.concerns_on_case(case_audit))


def _own_case_audit_or_404(case_audit_id) -> CaseAudit:
    case_audit = _case_audit_or_404(case_audit_id)
    if not service.parts_for(current_user, case_audit):
        deny(404)
    return case_audit


@audits.get("/<int:case_audit_id>/concerns")
@roles_required(Role.AUDITOR)
def concern_page(case_audit_id):
    """Opened from the button on every page of the audit form (issue 24)."""
    case_audit = _own_case_audit_or_404(case_audit_id)
    record_case_read("safeguarding concern page", child_ids=[case_audit.child_id], object_type="case_audit",
                     object_id=case_audit.id)
    return render_template("audits/concern.html", case_audit=case_audit, concern_form=ConcernForm(formdata=None))


@audits.post("/<int:case_audit_id>/concerns")
@roles_required(Role.AUDITOR)
def raise_concern(case_audit_id):
    case_audit = _own_case_audit_or_404(case_audit_id)
    form = ConcernForm()
    try:
        safeguarding.raise_concern(case_audit.id, form.details.data, current_user)
    except safeguarding.ConcernError as error:
        # Not sent: the page comes back with the text as typed.
        form.details.errors = [f"The concern was not sent: {error}"]
        return render_template("audits/concern.html", case_audit=case_audit, concern_form=form, form=form)
    flash("Your safeguarding concern has been sent to the team manager and the QA leads. "
          "If a child is at immediate risk, also phone the front door now.", "success")
    return redirect(url_for("audits.show", case_audit_id=case_audit.id))


@audits.route("/<int:case_audit_id>/<part>", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def complete(case_audit_id, part):
    case_audit = _case_audit_or_404(case_audit_id)
    current = service.audit_part(case_audit, part)
    if current is None:
        abort(404)
    if current.owner_id != current_user.id:
        deny(404)
    history = child_histories([case_audit.child_id])[case_audit.child_id]
    if request.method == "GET":
        record_case_read("case audit form", child_ids=[case_audit.child_id], object_type="case_audit",
                         object_id=case_audit.id)
        saved = current.record.answers or service.prefilled(case_audit, history)
        form = answer_form(current.sections, formdata=None, data={**saved, "version": current.record.version})
        return _render(case_audit, current, form, history, problems={})
    form = answer_form(current.sections)
    # Submitting happens only from the check page (check_answers). A "submit" posted to the form
    # itself (an old tab, a replayed or hand-made post) is taken as Continue: saved, then checked.
    checking = form.action.data in ("check", "submit")
    answers = answers_from(form, current.sections)
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        abort(400)
    if unreal := date_problems(form, current.sections):
        return _render(case_audit, current, form, history, problems=unreal), 200
    try:
        if checking:
            service.save_for_checking(case_audit.id, part, answers, version, user=current_user)
        else:
            service.save_part(case_audit.id, part, answers, version, submit=False, user=current_user)
    except service.SaveConflict as conflict:
        return render_template("audits/conflict.html", case_audit=case_audit, current=current, form=None,
                               mine=answers, saved=conflict.saved_answers, saved_version=conflict.saved_version,
                               resubmit=answer_form(current.sections, formdata=None,
                                                    data={**answers, "version": conflict.saved_version})), 409
    except service.AnswersInvalid as invalid:
        if invalid.saved_version is not None:
            form.version.data = invalid.saved_version  # the draft just saved is the one to submit
        return _render(case_audit, current, form, history, problems=invalid.problems,
                       saved_as_draft=invalid.saved_version is not None), 200
    except service.AuditRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("audits.show", case_audit_id=case_audit.id))
    except DatabaseBusy:
        # The page shown again after the database was too busy to save (qa_app/errors.py):
        # the answers as typed, with its message asking the auditor to save again.
        return _render(case_audit, current, form, history, problems={}), 200
    if checking:
        return redirect(url_for("audits.check_answers", case_audit_id=case_audit.id, part=part))
    flash("Your answers have been saved. You can come back and finish later.", "success")
    return redirect(url_for("audits.complete", case_audit_id=case_audit.id, part=part))


@audits.route("/<int:case_audit_id>/<part>/check", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def check_answers(case_audit_id, part):
    """Check your answers (the GOV.UK pattern), between the form and a submit that cannot be undone."""
    case_audit = _case_audit_or_404(case_audit_id)
    current = service.audit_part(case_audit, part)
    if current is None:
        abort(404)
    if current.owner_id != current_user.id:
        deny(404)
    form = CheckForm()
    if request.method == "GET" or current.submitted or not form.validate():
        if request.method == "POST" and not current.submitted:
            abort(400)
        # Once submitted, the same page lists the answers as they were sent, with nothing to change.
        form.version.data = current.record.version
        record_case_read("case audit answers check", child_ids=[case_audit.child_id], object_type="case_audit",
                         object_id=case_audit.id)
        return render_template("audits/check.html", case_audit=case_audit, current=current, check_form=form,
                               answers=current.record.answers or {}, submitted=current.submitted)
    version = int(form.version.data)
    try:
        service.submit_checked(case_audit.id, part, version, user=current_user)
    except service.SaveConflict:
        # Saved again (another tab) since this page was drawn: nothing unseen is submitted.
        db.session.expire_all()
        current = service.audit_part(db.session.get(CaseAudit, case_audit_id), part)
        form.version.data = current.record.version
        return render_template("audits/check.html", case_audit=case_audit, current=current, check_form=form,
                               answers=current.record.answers or {}, page_errors=[{
                                   "text": "These answers were changed after this page was opened. "
                                           "Check them again before submitting.", "href": "#answers"}]), 409
    except service.AnswersInvalid as invalid:
        history = child_histories([case_audit.child_id])[case_audit.child_id]
        form = answer_form(current.sections, formdata=None,
                           data={**(current.record.answers or {}), "version": invalid.saved_version or version})
        return _render(case_audit, current, form, history, problems=invalid.problems,
                       saved_as_draft=invalid.saved_version is not None), 200
    except service.AuditRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("audits.show", case_audit_id=case_audit.id))
    except DatabaseBusy:
        # Shown again after the database was too busy to take the submit (qa_app/errors.py): the
        # same check page, with its message and the Submit button to try again.
        return render_template("audits/check.html", case_audit=case_audit, current=current, check_form=form,
                               answers=current.record.answers or {}), 200
    flash("Your answers have been submitted.", "success")
    return redirect(url_for("audits.show", case_audit_id=case_audit.id))


def _error_href(form, problem_key):
    # The lead part waits on the agency sections, which are not questions: their error leads to
    # the list of sections on the lead's form, which takes focus (issue 24).
    if problem_key == service.AGENCIES_WAITING:
        return "#agency-sections"
    return error_link(form, problem_key)


def _render(case_audit, current, form, history, problems, saved_as_draft=False):
    for question_id, message in problems.items():
        if question_id in form:
            form[question_id].errors = [message]
    page_errors = [{"text": message, "href": _error_href(form, question_id)} for question_id, message in problems.items()]
    return render_template("audits/complete.html", case_audit=case_audit, current=current,
                           answer_form=form, history=history, page_errors=page_errors,
                           labels={q.id: q.label for s in current.sections for q in s.questions},
                           decision_labels=DECISION_LABELS, read_only=current.submitted,
                           saved_as_draft=saved_as_draft,
                           agency_sections=[service.audit_part(case_audit, s.agency) for s in case_audit.sections]
                           if current.part == service.LEAD else [],
                           recommendations=actions.recommendations(case_audit) if current.part == service.LEAD else [],
                           raised_actions=action_lists.actions_of_case_audit(case_audit.id) if current.part == service.LEAD else [])
