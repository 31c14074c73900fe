"""Audit forms built from questionnaire data: one WTForms field per question, GOV.UK widgets."""
from flask_wtf import FlaskForm
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovCheckboxesInput, GovRadioInput,
                                                GovTextArea, GovTextInput)
from wtforms import HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from qa_app.forms import DATE_HINT, GovDateField, choices


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
        return GovDateField(label, description=hint or DATE_HINT)
    return StringField(label, description=hint, widget=GovTextInput())


def answer_form(sections, **kwargs) -> FlaskForm:
    class AnswerForm(FlaskForm):
        version = HiddenField()
        action = HiddenField()  # which button: "save", or "check" (to the check page, where submitting is)

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
            elif isinstance(value, date):
                value = value.isoformat()  # answers keep dates as ISO text
            if value not in (None, "", []):
                answers[question.id] = value
    return answers


def date_problems(form, sections) -> dict:
    """Dates typed that are not real dates, by question id: the form cannot hand them on as answers."""
    return {question.id: form[question.id].process_errors[0] for section in sections
            for question in section.questions if question.type == "date" and form[question.id].process_errors}


class ConcernForm(FlaskForm):
    # The safeguarding service says what a concern needs; the form only carries it.
    details = TextAreaField("What is the concern, and what needs to happen now?", widget=GovTextArea())


class CheckForm(FlaskForm):
    """The check-your-answers page's submit: the version of the answers the person checked."""
    version = IntegerField(validators=[InputRequired()], widget=HiddenInput())
