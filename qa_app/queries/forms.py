"""Forms of a query on an answer (issue 26): opening one, writing to its thread, closing it."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea
from wtforms import SelectField, TextAreaField

from qa_app.forms import choices


class OpenQueryForm(FlaskForm):
    note = TextAreaField("What do you want to ask the auditor about this answer?", widget=GovTextArea())


def open_query_form(question, **kwargs) -> OpenQueryForm:
    """The suggested answer is one of the question's answers where it has a list of them, else
    free text. The queries service checks both, so the fields have no validators of their own."""
    class Form(OpenQueryForm):
        pass

    label = "The answer you think it should be (optional)"
    if question.choices:
        Form.suggested = SelectField(label, widget=GovSelect(), validate_choice=False,
                                     choices=choices([("", "No suggestion"), *question.choices]))
    else:
        Form.suggested = TextAreaField(label, widget=GovTextArea())
    return Form(**kwargs)


class MessageForm(FlaskForm):
    text = TextAreaField("Your answer", widget=GovTextArea())


class CloseForm(FlaskForm):
    note = TextAreaField("Closing note (optional)", widget=GovTextArea())
