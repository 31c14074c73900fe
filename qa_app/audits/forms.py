"""Audit forms built from questionnaire data: one WTForms field per question, GOV.UK widgets."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovCheckboxesInput, GovRadioInput,
                                                GovTextArea, GovTextInput)
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField

from qa_app.forms import choices


def _field(question):
    label, hint = question.label, question.hint or ""
    if question.type in ("met", "grade", "choice"):
        # The service checks answers against the questionnaire, so WTForms need not.
        return RadioField(label, description=hint, widget=GovRadioInput(), choices=choices(question.choices),
                          validate_choice=False)
    if question.type == "multiple_choice":
        return SelectMultipleField(label, description=hint, widget=GovCheckboxesInput(),
                                   choices=choices(question.choices), validate_choice=False)
    if question.type == "long_text":
        widget = GovCharacterCount() if question.max_length else GovTextArea()
        return TextAreaField(label, description=hint, widget=widget)
    if question.type == "date":
        return StringField(label, description=hint or "For example, 2015-04-01", widget=GovTextInput())
    return StringField(label, description=hint, widget=GovTextInput())


def answer_form(sections, **kwargs) -> FlaskForm:
    class AnswerForm(FlaskForm):
        version = HiddenField()

    for section in sections:
        for question in section.questions:
            setattr(AnswerForm, question.id, _field(question))
    return AnswerForm(**kwargs)


def answers_from(form, sections) -> dict:
    answers = {}
    for section in sections:
        for question in section.questions:
            value = form[question.id].data
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, "", []):
                answers[question.id] = value
    return answers
