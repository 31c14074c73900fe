"""Families' feedback forms (issue 25): the auditor's record of asking the family, the letter's
kind, the family's own questions (two wordings) and the QA lead's review. The service checks the
answers; the forms only carry them."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField

from audit_tools.family_feedback import ANYTHING_ELSE, KINDS, QUESTIONS, anything_else_label
from qa_app.forms import GovDateField, choices
from qa_app.services.participation.families import HOW, REVIEW_DECISIONS, WHO

YES_NO = [("yes", "Yes"), ("no", "No")]


def _radios(label, pairs, **kwargs):
    return RadioField(label, widget=GovRadioInput(), validate_choice=False, choices=choices(pairs), **kwargs)


class ConsentForm(FlaskForm):
    asked = _radios("Was the family asked for feedback?", YES_NO)
    who = _radios("Who was asked?", WHO.items())
    asked_on = GovDateField("When were they asked?", description="For example, 27 3 2026")
    how = _radios("How were they asked?", HOW.items())
    consent = _radios("Did they agree to give feedback?", YES_NO)
    reason = TextAreaField("If they were not asked, why not?", widget=GovTextArea(),
                           description="Do not write names or other details that identify the family")


class InvitationForm(FlaskForm):
    kind = _radios("Who is the letter for?", KINDS.items())


def family_form(kind: str, **kwargs):
    """The family's questions, worded for a parent or carer, or easy-read for a child."""
    class Form(FlaskForm):
        pass

    for question in QUESTIONS:
        setattr(Form, question.id, _radios(question.label(kind), question.choices(kind)))
    setattr(Form, ANYTHING_ELSE, TextAreaField(
        anything_else_label(kind), widget=GovTextArea(),
        description="You do not have to answer this. Please do not write anyone's name."))
    return Form(**kwargs)


class CodeForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(), description="It is 10 letters and numbers, like ABCDE-23456")


class ReviewForm(FlaskForm):
    reviewed_text = TextAreaField("The words that may be quoted", widget=GovTextArea(),
                                  description="Take out names, places and anything else that could identify "
                                              "the family or anyone else")
    decision = _radios("What should happen to what the family wrote?", REVIEW_DECISIONS.items())
    concern_details = TextAreaField("If this is a safeguarding concern: what is the concern, and what needs to "
                                    "happen now?", widget=GovTextArea())


class SendForm(FlaskForm):
    pass
