from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
                                                GovTextInput)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from qa_app.forms import DATE_HINT, GovDateField, choices
from qa_app.models import ActionPriority, ActionStatus, Agency
from qa_app.services.actions import DESCRIPTION_MAX, NOTE_MAX

PARTNER_AGENCIES = [(a.value, a.label) for a in Agency if a != Agency.CHILDRENS_SOCIAL_CARE]


class RaiseActionForm(FlaskForm):
    description = TextAreaField("What must be done?", widget=GovTextArea(),
                                description="One recommendation becomes one action. Say what done looks like.",
                                validators=[InputRequired(message="Enter what must be done"),
                                            Length(max=DESCRIPTION_MAX)])
    # Choices are the questions with answers on this case: set by the view.
    question_id = SelectField("Which finding does it answer?", widget=GovSelect(), validators=[Optional()])
    finding = TextAreaField("The finding, in a sentence", widget=GovTextArea(),
                            validators=[InputRequired(message="Enter the finding this action answers"),
                                        Length(max=DESCRIPTION_MAX)])
    team = SelectField("Team that owns it", widget=GovSelect(), validators=[Optional()],
                       description="Choose a team, or a partner agency below")
    agency = SelectField("Or the partner agency that owns it", widget=GovSelect(), validators=[Optional()],
                         choices=choices([("", "No agency: a team owns it")] + PARTNER_AGENCIES))
    owner_id = SelectField("Named owner (optional)", widget=GovSelect(), validators=[Optional()])
    due_date = GovDateField("Due date", description=DATE_HINT, required="Enter the date the action is due")
    priority = RadioField("Priority", widget=GovRadioInput(), default=ActionPriority.MEDIUM.value,
                          choices=choices((p.value, p.label) for p in ActionPriority),
                          validators=[InputRequired(message="Select the action's priority")])
    submit = SubmitField("Raise the action", widget=GovSubmitInput())


class ProgressForm(FlaskForm):
    version = HiddenField()
    note = TextAreaField("Progress note", widget=GovTextArea(), validators=[Optional(), Length(max=NOTE_MAX)])
    link = StringField("Link to the case-management record (optional)", widget=GovTextInput(),
                       description="A web address starting https://", validators=[Optional(), Length(max=500)])
    evidence = FileField("Evidence file (optional)", widget=GovFileInput(),
                         description="PDF, Word, Excel, PNG, JPEG, text or CSV, up to the size your admin allows")
    # Part of the same form, so a note and a file are never lost by saving "done" on its own.
    mark_done = BooleanField("Mark it done: a QA lead will then verify it", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())


class StatusForm(FlaskForm):
    version = HiddenField()
    # Choices are the moves this user may make now: set by the view.
    to_status = RadioField("What do you want to do?", widget=GovRadioInput(),
                           validators=[InputRequired(message="Select what to do with the action")])
    reason = TextAreaField("Reason or note", widget=GovTextArea(),
                           description="Needed when returning or cancelling an action",
                           validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField("Save", widget=GovSubmitInput())


MOVE_LABELS = {ActionStatus.IN_PROGRESS: "Start work on it", ActionStatus.DONE: "Mark it done",
               ActionStatus.CLOSED: "Verify and close it", ActionStatus.RETURNED: "Return it to the team",
               ActionStatus.CANCELLED: "Cancel it"}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    programme = SelectField("Programme", widget=GovSelect(), validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(), validators=[Optional()],
                         choices=choices([("", "Any status"), ("outstanding", "Outstanding"), ("overdue", "Overdue")]
                                         + [(s.value, s.label) for s in ActionStatus]))
    due_by = GovDateField("Due by", description=DATE_HINT)
    submit = SubmitField("Filter", widget=GovSubmitInput())
