"""Calibration exercises (issue 26): QA leads set a case and invite auditors; auditors grade it
apart; at close everyone reads the report they may."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa_app.audits.forms import answer_form, answers_from, date_problems
from qa_app.calibration.forms import ButtonForm, ExportForm, InviteForm, NewExerciseForm, reference_form
from qa_app.forms import choices, error_link
from qa_app.models import ExerciseStatus, Role
from qa_app.security import deny, roles_required
from qa_app.services import calibration as service
from qa_app.services.actions import evidence_content_type
from qa_app.services.exports import XLSX_TYPE

calibration = Blueprint("calibration", __name__)


def _exercise_or_404(exercise_id):
    exercise = service.exercise_for(exercise_id, current_user)
    if exercise is None:
        deny(404)
    return exercise


def _put_problems(form, problems) -> list[dict]:
    """Each message on its field; the rest (the exercise's state) in the summary."""
    page_errors = []
    for key, message in problems.items():
        if key in form:
            form[key].errors = [message]
            page_errors.append({"text": message, "href": error_link(form, key)})
        else:
            page_errors.append({"text": message, "href": "#main-content"})
    return page_errors


@calibration.get("/")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def list_exercises():
    return render_template("calibration/list.html", exercises=service.exercises_for(current_user),
                           counts=service.counts)


def _new_form(formdata=None):
    form = NewExerciseForm(formdata=formdata) if formdata is not None else NewExerciseForm()
    form.questionnaire.choices = choices(service.questionnaire_choices())
    form.case_audit_id.choices = choices([("", "Choose a moderated audit")] + [
        (str(a.id), f"{a.programme.name}: case audit {a.id}") for a in service.moderated_audits()])
    return form


@calibration.route("/new", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def new_exercise():
    form = _new_form()
    if request.method == "GET":
        return render_template("calibration/new.html", form=form)
    try:
        if form.source.data == "moderated_audit":
            chosen = form.case_audit_id.data
            exercise = service.create_from_audit(int(chosen) if (chosen or "").isdigit() else None,
                                                 title=form.title.data, user=current_user)
        else:
            files = [(f.stream, f.filename) for f in (form.attachments.data or []) if f and f.filename]
            exercise = service.create_case_study(title=form.title.data, questionnaire=form.questionnaire.data,
                                                 case_text=form.case_text.data, files=files, user=current_user)
    except service.CalibrationRefused as refused:
        return render_template("calibration/new.html", form=form, page_errors=_put_problems(form, refused.problems))
    flash("The exercise has been created. Check the case and the reference answers, then invite auditors.", "success")
    return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))


def _show(exercise, reference=None, invite=None, page_errors=None, status=200):
    sections = service.answer_sections(service.questionnaire_of(exercise))
    if reference is None:
        reference = reference_form(sections, formdata=None,
                                   data={**exercise.reference_answers, "case_text": exercise.case_text})
    if invite is None:
        invite = InviteForm(formdata=None)
    invite.auditors.choices = choices([(str(u.id), u.display_name) for u in service.invitable_auditors()])
    mine = service.participant_of(exercise, current_user)
    return render_template("calibration/show.html", exercise=exercise, sections=sections, reference=reference,
                           invite=invite, button=ButtonForm(formdata=None), mine=mine, counts=service.counts(exercise),
                           questions=service.graded_questions(exercise), page_errors=page_errors or [],
                           invited_ids={p.user_id for p in exercise.participants},
                           rounds=service.rounds_of(exercise), leads=current_user.has_role(Role.QA_LEAD)), status


@calibration.get("/<int:exercise_id>")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def show_exercise(exercise_id):
    return _show(_exercise_or_404(exercise_id))


@calibration.post("/<int:exercise_id>/reference")
@roles_required(Role.QA_LEAD)
def edit_reference(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    sections = service.answer_sections(service.questionnaire_of(exercise))
    form = reference_form(sections)
    reference = {q.id: form[q.id].data for s in sections for q in s.questions if q.id in form}
    try:
        service.update_draft(exercise.id, case_text=form.case_text.data, reference=reference, user=current_user)
    except service.CalibrationRefused as refused:
        return _show(exercise, reference=form, page_errors=_put_problems(form, refused.problems))
    flash("The case and reference answers have been saved.", "success")
    return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))


@calibration.post("/<int:exercise_id>/invite")
@roles_required(Role.QA_LEAD)
def invite(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    form = InviteForm()
    if form.closes_on.process_errors:
        problems = {"closes_on": form.closes_on.process_errors[0]}
    else:
        try:
            service.invite(exercise.id, form.auditors.data, form.closes_on.data, user=current_user)
        except service.CalibrationRefused as refused:
            problems = refused.problems
        else:
            flash("The auditors have been invited. Each sees the case on their list of calibration exercises.",
                  "success")
            return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))
    return _show(exercise, invite=form, page_errors=_put_problems(form, problems))


@calibration.route("/<int:exercise_id>/answer", methods=["GET", "POST"])
@roles_required(Role.AUDITOR)
def answer(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    mine = service.participant_of(exercise, current_user)
    if mine is None:
        deny(404)
    sections = service.answer_sections(service.questionnaire_of(exercise))
    read_only = mine.submitted_at is not None or exercise.status != ExerciseStatus.OPEN
    if request.method == "GET":
        form = answer_form(sections, formdata=None, data=mine.answers)
        return _answer_page(exercise, mine, sections, form, {}, read_only)
    form = answer_form(sections)
    submitting = form.action.data == "submit"
    answers = answers_from(form, sections)
    if unreal := date_problems(form, sections):
        return _answer_page(exercise, mine, sections, form, unreal, read_only)
    try:
        service.save_answers(exercise.id, answers, user=current_user, submit=submitting)
    except service.CalibrationRefused as refused:
        return _answer_page(exercise, mine, sections, form, refused.problems, read_only)
    flash("Your answers have been submitted. You will see the report when the exercise closes." if submitting
          else "Your answers have been saved. Nobody else can see them.", "success")
    return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id) if submitting
                    else url_for("calibration.answer", exercise_id=exercise.id))


def _answer_page(exercise, mine, sections, form, problems, read_only):
    return render_template("calibration/answer.html", exercise=exercise, mine=mine, sections=sections,
                           answer_form=form, page_errors=_put_problems(form, problems), read_only=read_only,
                           labels={q.id: q.label for s in sections for q in s.questions})


@calibration.post("/<int:exercise_id>/close")
@roles_required(Role.QA_LEAD)
def close_exercise(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    try:
        service.close(exercise.id, user=current_user)
    except service.CalibrationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))
    flash("The exercise has closed. Its report is ready.", "success")
    return redirect(url_for("calibration.report", exercise_id=exercise.id))


@calibration.post("/<int:exercise_id>/rounds")
@roles_required(Role.QA_LEAD)
def new_round(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    try:
        later = service.new_round(exercise.id, user=current_user)
    except service.CalibrationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))
    flash(f"Round {later.round_number} has been created with the same case. Invite auditors to it.", "success")
    return redirect(url_for("calibration.show_exercise", exercise_id=later.id))


@calibration.get("/<int:exercise_id>/report")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def report(exercise_id):
    try:
        view = service.report_for(exercise_id, current_user)
    except service.CalibrationRefused:
        abort(404)  # nothing to read before close, for anyone
    if view is None:
        deny(404)
    return render_template("calibration/report.html", view=view, exercise=view.exercise,
                           export=ExportForm(formdata=None))


@calibration.post("/<int:exercise_id>/report.xlsx")
@roles_required(Role.QA_LEAD)
def export_report(exercise_id):
    exercise = _exercise_or_404(exercise_id)
    buffer = io.BytesIO()
    try:
        name = service.export_report(exercise.id, buffer, user=current_user, names=ExportForm().names.data)
    except service.CalibrationRefused as refused:
        flash(str(refused), "info")
        return redirect(url_for("calibration.show_exercise", exercise_id=exercise.id))
    buffer.seek(0)
    response = send_file(buffer, mimetype=XLSX_TYPE, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@calibration.get("/<int:exercise_id>/attachments/<int:attachment_id>")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def download_attachment(exercise_id, attachment_id):
    exercise = _exercise_or_404(exercise_id)
    found = service.attachment_download(exercise, attachment_id, current_user)
    if found is None:
        abort(404)
    path, attachment = found
    response = send_file(path, mimetype=evidence_content_type(attachment.file_name), as_attachment=True,
                         download_name=attachment.file_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
