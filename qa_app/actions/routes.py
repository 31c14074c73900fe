"""Actions: raised by lead auditors and QA leads, worked by team managers and partner
agencies, verified or returned by QA leads."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa_app.actions.forms import MOVE_LABELS, FilterForm, ProgressForm, RaiseActionForm, StatusForm
from qa_app.db import MAX_DATABASE_ID, database_id
from qa_app.extensions import db
from qa_app.forms import choices
from qa_app.models import Action, ActionStatus, AuditProgramme, CaseAudit, Role
from qa_app.security import accepts_uploads, roles_required
from qa_app.services import accounts, action_lists
from qa_app.services import actions as service
from qa_app.services.programmes import case_number
from qa_app.services.programmes import programmes as all_programmes
from qa_app.services.safeguarding import case_team
from qa_app.services.case_reads import record_case_read

actions = Blueprint("actions", __name__)
READERS = (Role.TEAM_MANAGER, Role.QA_LEAD, Role.ADMIN, Role.AUDITOR)


def _readable_action_or_404(action_id) -> Action:
    action = db.session.get(Action, action_id)
    # Not found and not yours look the same, so ids cannot be probed.
    if action is None or not service.can_read(current_user, action):
        abort(404)
    return action


@actions.get("/")
@roles_required(*READERS)
def list_actions():
    form = FilterForm(request.args)
    form.programme.choices = choices([("", "Any programme")] + [(str(p.id), p.name) for p in all_programmes()])
    form.validate()
    filters = action_lists.ActionFilters(
        programme_id=database_id(form.programme.data),
        status=form.status.data or None, due_by=form.due_by.data if not form.due_by.errors else None)
    found = action_lists.actions_for(current_user, filters)
    tally = action_lists.tally_by_owner(current_user) if current_user.has_role(Role.QA_LEAD) else None
    return render_template("actions/list.html", actions=found, filter_form=form, tally=tally,
                           today=service.today())


def _raise_context(programme_id, case_audit_id):
    if any(value is not None and not 0 < value <= MAX_DATABASE_ID for value in (programme_id, case_audit_id)):
        abort(404)  # no such row, and too big for the database to be asked
    programme = db.session.get(AuditProgramme, programme_id) if programme_id else None
    case_audit = db.session.get(CaseAudit, case_audit_id) if case_audit_id else None
    if programme is None and case_audit is not None:
        programme = case_audit.programme
    if programme is None or (case_audit is not None and case_audit.programme_id != programme.id):
        abort(404)
    if not service.may_raise(current_user, programme, case_audit):
        abort(404)
    return programme, case_audit


@actions.route("/new", methods=["GET", "POST"])
@roles_required(Role.AUDITOR, Role.QA_LEAD)
def raise_action():
    programme, case_audit = _raise_context(request.args.get("programme", type=int),
                                           request.args.get("case_audit", type=int))
    form = RaiseActionForm()
    finding_options, answers = service.finding_choices(programme, case_audit)
    form.question_id.choices = choices(finding_options)
    default_team = case_team(case_audit) if case_audit else None
    teams = sorted(set(accounts.team_names()) | ({default_team} if default_team else set()))
    form.team.choices = choices([("", "No team: a partner agency owns it")] + [(t, t) for t in teams])
    form.owner_id.choices = choices([("", "No named owner")] + [
        (str(u.id), f"{u.display_name} ({', '.join(u.team_names) or u.agency_label})") for u in service.possible_owners()])
    suggested = service.recommendations(case_audit)
    if request.method == "GET":
        chosen = request.args.get("recommendation", type=int)
        if chosen is not None and 0 <= chosen < len(suggested):
            form.description.data = suggested[chosen]
            # Text the app writes names the case by its number in the programme, never its real id.
            form.finding.data = (f"Recommendation from the audit of case "
                                 f"{case_number(case_audit)} in this programme")
        form.team.data = default_team or ""
    if form.validate_on_submit():
        question = form.question_id.data or None
        new = service.NewAction(description=form.description.data, finding=form.finding.data,
                                due_date=form.due_date.data, team=form.team.data or None,
                                agency=form.agency.data or None, priority=form.priority.data,
                                owner_id=int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None,
                                question_id=question, answer=answers.get(question) if question else None)
        try:
            action = service.raise_action(programme.id, case_audit.id if case_audit else None, new, current_user)
        except service.ActionError as error:
            field = error.field if error.field in form else ("team" if error.field == "owner_kind" else "description")
            form[field].errors = list(form[field].errors) + [str(error)]
        else:
            flash(f"Action {action.id} raised for {action.owned_by}, due {action.due_date:%d %b %Y}.", "success")
            if case_audit is not None and case_audit.lead_auditor_id == current_user.id:
                return redirect(url_for("audits.complete", case_audit_id=case_audit.id, part="lead"))
            return redirect(url_for("actions.show_action", action_id=action.id))
    return render_template("actions/new.html", form=form, programme=programme, case_audit=case_audit,
                           recommendations=suggested,
                           raised=action_lists.actions_of_case_audit(case_audit.id) if case_audit else [])


def _status_form(action, formdata=None):
    """The checks (verify, return, cancel) for the page; the owners' own moves ("done") are part
    of the progress form. A posted move the user may make is still accepted, from any client."""
    form = StatusForm(formdata=formdata, version=action.version)
    moves = service.next_states(current_user, action)
    if formdata is None and service.can_work(current_user, action):
        moves = [m for m in moves if m not in service.OWNERS_MOVES]
    form.to_status.choices = choices((s.value, MOVE_LABELS[s]) for s in moves)
    return form


def _progress_form(action, formdata=None):
    form = ProgressForm(formdata=formdata, version=action.version) if formdata is None else ProgressForm()
    if not service.may_move(current_user, action, ActionStatus.DONE):
        del form.mark_done  # only those who may mark it done see the box
    return form


@actions.get("/<int:action_id>")
@roles_required(*READERS)
def show_action(action_id):
    action = _readable_action_or_404(action_id)
    if action.case_audit is not None:
        record_case_read("action", child_ids=[action.case_audit.child_id], object_type="action",
                         object_id=action.id)
    return _show(action, _progress_form(action), _status_form(action))


def _posted_version() -> int:
    """The version of the action the form was opened at. A form without one (or with
    nonsense) cannot prove it saw the latest change, so it is treated as out of date: -1 is no
    action's version, and the service answers it with a conflict."""
    posted = request.form.get("version", "")
    return int(posted) if posted.isdigit() and len(posted) <= 9 else -1


def _show(action, progress_form, status_form, status=200):
    return render_template("actions/show.html", action=action, today=service.today(),
                           progress_form=progress_form if service.can_work(current_user, action) else None,
                           status_form=status_form if status_form.to_status.choices else None,
                           form=progress_form if progress_form.errors else status_form), status


@actions.post("/<int:action_id>/progress")
@accepts_uploads
@roles_required(*READERS)
def record_progress(action_id):
    action = _readable_action_or_404(action_id)
    form = _progress_form(action, formdata=request.form)
    upload = form.evidence.data
    chosen = upload.filename if upload and upload.filename else None
    if form.validate_on_submit():
        mark_done = bool(form.mark_done.data) if "mark_done" in form else False
        try:
            service.record_progress(action.id, note=form.note.data, link=form.link.data,
                                    upload=upload.stream if chosen else None, upload_name=chosen,
                                    version=_posted_version(),
                                    mark_done=mark_done, user=current_user)
        except service.ActionError as error:
            field = error.field if error.field in ("note", "link", "evidence", "mark_done") and error.field in form \
                else "note"
            form[field].errors = list(form[field].errors) + [str(error)]
            db.session.refresh(action)
            return _refused_progress(action, form, chosen, 409 if isinstance(error, service.ActionConflict) else 200)
        db.session.refresh(action)
        flash("Progress recorded." if action.state != ActionStatus.DONE
              else "Saved, and marked done: a QA lead will verify it.", "success")
        return redirect(url_for("actions.show_action", action_id=action.id))
    return _refused_progress(action, form, chosen)


def _refused_progress(action, form, chosen, status=200):
    """Everything typed comes back; a browser cannot be given a chosen file back, so say so."""
    if chosen:
        form.evidence.description = (f"You chose {chosen}, but it was not saved: choose the file again "
                                     "(a browser cannot keep a chosen file when a form is refused).")
    return _show(action, form, _status_form(action), status)


@actions.post("/<int:action_id>/status")
@roles_required(*READERS)
def change_status(action_id):
    action = _readable_action_or_404(action_id)
    form = _status_form(action, formdata=request.form)
    if form.validate_on_submit():
        try:
            service.change_status(action.id, form.to_status.data, reason=form.reason.data,
                                  version=_posted_version(),
                                  user=current_user)
        except service.ActionError as error:
            field = "reason" if error.field == "reason" else "to_status"
            form[field].errors = list(form[field].errors) + [str(error)]
            db.session.refresh(action)
            return _show(action, _progress_form(action), form,
                         409 if isinstance(error, service.ActionConflict) else 200)
        db.session.refresh(action)
        flash(f"Action {action.id} is now {action.state.label.lower()}.", "success")
        return redirect(url_for("actions.show_action", action_id=action.id))
    return _show(action, _progress_form(action), form)


@actions.get("/<int:action_id>/evidence/<int:update_id>")
@roles_required(*READERS)
def download_evidence(action_id, update_id):
    action = _readable_action_or_404(action_id)
    found = service.evidence_download(action, update_id, current_user)
    if found is None:
        abort(404)
    path, update = found
    response = send_file(path, mimetype=service.evidence_content_type(update.file_name), as_attachment=True,
                         download_name=update.file_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
