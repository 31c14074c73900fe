"""Moderation forms: the moderator's grades beside the auditor's, reopening, acknowledging a concern."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, StringField, TextAreaField

from audit_tools.findings import OFSTED_GRADES
from qa_app.forms import choices


class ModerationForm(FlaskForm):
    comments = TextAreaField("Comments for the auditor (needed when returning)", widget=GovTextArea())
    outcome = HiddenField()  # which button was pressed: "accepted" or "returned"


def moderation_form(graded, **kwargs) -> ModerationForm:
    """One grade and one reason per graded question. The moderation service checks them (a reason
    only when the grade differs), so the fields have no validators of their own."""
    class Form(ModerationForm):
        pass

    for question, _ in graded:
        setattr(Form, question.id, RadioField(question.label, widget=GovRadioInput(), validate_choice=False,
                                              choices=choices((grade, grade) for grade in OFSTED_GRADES)))
        setattr(Form, f"{question.id}_reason",
                TextAreaField("Why your grade differs (needed when it does)", widget=GovTextArea()))
    return Form(**kwargs)


def chosen_grades(form, graded) -> tuple[dict, dict]:
    """The moderator's grades and reasons, by question id; a grade not chosen is None."""
    grades = {q.id: form[q.id].data if form[q.id].raw_data else None for q, _ in graded}
    return grades, {q.id: form[f"{q.id}_reason"].data for q, _ in graded}


class ReopenForm(FlaskForm):
    part = HiddenField(default="lead")
    reason = StringField("Why reopen it?", widget=GovTextInput())


class AcknowledgeForm(FlaskForm):
    note = StringField("What is being done?", widget=GovTextInput())
