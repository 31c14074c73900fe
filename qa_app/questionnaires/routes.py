"""Questionnaires for QA leads: the versions available, uploading a new one, and a preview."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from audit_tools.questionnaires import QuestionnaireError
from qa_app.audits.forms import answer_form
from qa_app.models import Role
from qa_app.security import accepts_uploads, roles_required
from qa_app.services import questionnaires as service

questionnaires = Blueprint("questionnaires", __name__)


class UploadForm(FlaskForm):
    file = FileField("Upload a questionnaire (YAML)", widget=GovFileInput(),
                     description="A new version of a questionnaire, or a new questionnaire. It is checked before it is saved.",
                     validators=[FileRequired(message="Select a questionnaire file")])
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


@questionnaires.route("/", methods=["GET", "POST"])
@accepts_uploads
@roles_required(Role.QA_LEAD)
def list_questionnaires():
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            questionnaire = service.upload(upload.read(), upload.filename or "questionnaire.yaml", current_user)
        except QuestionnaireError as error:
            form.file.errors.append(f"{error.file}, at {error.path}: {error.problem}")
        else:
            flash(f"{questionnaire.title}, version {questionnaire.version}, is ready to use in new programmes.", "success")
            return redirect(url_for("questionnaires.preview", questionnaire_id=questionnaire.id,
                                    version=questionnaire.version))
    return render_template("questionnaires/list.html", form=form, available=service.available(),
                           is_built_in=service.is_built_in)


@questionnaires.get("/<questionnaire_id>/<int:version>")
@roles_required(Role.QA_LEAD)
def preview(questionnaire_id, version):
    try:
        questionnaire = service.get(questionnaire_id, version)
    except KeyError:
        abort(404)
    return render_template("questionnaires/preview.html", questionnaire=questionnaire,
                           preview_form=answer_form(questionnaire.sections, formdata=None))
