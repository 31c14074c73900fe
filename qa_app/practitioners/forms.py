"""The practitioner's part of a case audit (issue 25): one form per thing either side records."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextArea
from wtforms import BooleanField, RadioField, TextAreaField

from qa_app.forms import choices
from qa_app.models import PractitionerTakesPart
from qa_app.services.participation.practitioners import USEFULNESS


class TakesPartForm(FlaskForm):
    practitioners_take_part = RadioField(
        "How do practitioners take part in this programme's audits?", widget=GovRadioInput(), validate_choice=False,
        choices=choices((choice.value, choice.label) for choice in PractitionerTakesPart))


class InviteForm(FlaskForm):
    # Choices are the practitioners, set by the view; the service checks the one chosen.
    practitioner_id = RadioField("Who is the case's practitioner?", widget=GovRadioInput(), validate_choice=False,
                                 choices=[])


class ShareForm(FlaskForm):
    pass


def reflection_form(graded, **kwargs) -> FlaskForm:
    class Form(FlaskForm):
        went_well = TextAreaField("What went well?", widget=GovTextArea())
        do_differently = TextAreaField("What would you do differently?", widget=GovTextArea())

    for question, _ in graded:
        setattr(Form, question.id, RadioField(question.label, widget=GovRadioInput(), validate_choice=False,
                                              choices=choices([("yes", "I agree"), ("no", "I disagree")])))
        setattr(Form, f"{question.id}_why", TextAreaField("Why do you disagree? (needed if you do)",
                                                          widget=GovTextArea()))
    return Form(**kwargs)


def agreement_from(form, graded) -> dict:
    return {q.id: (form[q.id].data or "", form[f"{q.id}_why"].data or "") for q, _ in graded}


class LearningForm(FlaskForm):
    agreed_learning = TextAreaField("The learning you agreed", widget=GovTextArea())


class SignOffForm(FlaskForm):
    confirm = BooleanField("I confirm this is the learning we agreed", widget=GovCheckboxInput())


class AddendumForm(FlaskForm):
    addendum = TextAreaField("Add to the learning", widget=GovTextArea())


class UsefulnessForm(FlaskForm):
    usefulness = RadioField("How useful was this audit to you?", widget=GovRadioInput(), validate_choice=False,
                            choices=choices((str(score), label) for score, label in USEFULNESS.items()))
    usefulness_comment = TextAreaField("Comment (optional)", widget=GovTextArea())
