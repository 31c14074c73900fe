"""Calibration exercise forms. The answer form is the case audit's own (qa_app.audits.forms)."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput,
                                                GovSelect, GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from qa_app.audits.forms import _field as question_field  # one field per question, as audits draw them
from qa_app.forms import DATE_HINT, GovDateField, choices

SOURCES = [("case_study", "A case study I write"), ("moderated_audit", "A moderated audit, shown pseudonymised")]


class NewExerciseForm(FlaskForm):
    # The service says what each field needs; the form only carries it.
    title = StringField("Title", widget=GovTextInput(), description="For example, Front door thresholds, spring 2027")
    source = RadioField("Where does the case come from?", widget=GovRadioInput(), choices=choices(SOURCES),
                        default="case_study", validate_choice=False)
    questionnaire = SelectField("Questionnaire (for a case study)", widget=GovSelect(), validate_choice=False)
    case_audit_id = SelectField("Moderated audit", widget=GovSelect(), validate_choice=False,
                                description="Its case is shown with pseudonyms; you review the text before release")
    case_text = TextAreaField("Case study", widget=GovTextArea(),
                              description="What the auditors read. Leave out names, addresses and dates of birth.")
    attachments = MultipleFileField("Attachments (optional)", widget=GovFileInput(),
                                    description="PDF, Word, Excel, PNG, JPEG, text or CSV")
    submit = SubmitField("Create the exercise", widget=GovSubmitInput())


def reference_form(questions_by_section, **kwargs) -> FlaskForm:
    """The case text and the reference answer to each graded question."""
    class ReferenceForm(FlaskForm):
        case_text = TextAreaField("The case as participants will read it", widget=GovTextArea(),
                                  description="Check it before release: take out anything that could identify "
                                              "the child or family.")

    for section in questions_by_section:
        for question in section.questions:
            if question.type in ("met", "grade", "choice"):
                setattr(ReferenceForm, question.id, question_field(question))
    setattr(ReferenceForm, "submit", SubmitField("Save the case and reference answers", widget=GovSubmitInput()))
    return ReferenceForm(**kwargs)


class InviteForm(FlaskForm):
    auditors = SelectMultipleField("Auditors to invite", widget=GovCheckboxesInput(), validate_choice=False)
    closes_on = GovDateField("Closing date", description=DATE_HINT)
    submit = SubmitField("Invite and release", widget=GovSubmitInput())


class ExportForm(FlaskForm):
    names = BooleanField("Name the participants (otherwise Participant 1, 2…)", widget=GovCheckboxInput())
    submit = SubmitField("Download the report (Excel)", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())
