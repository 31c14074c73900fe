from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovRadioInput, GovSelect,
                                                GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import (IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from audit_tools.records import ABUSE_CATEGORIES, DECISION_LABELS, DECISIONS
from audit_tools.sampling import FRAMES, STRATIFY_FIELDS
from qa_app.forms import DATE_HINT, GovDateField, choices
from qa_app.models import Agency


class ProgrammeForm(FlaskForm):
    name = StringField("Programme name", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter a name for the programme"), Length(max=120)])
    theme = StringField("Theme", widget=GovTextInput(), description="What the audit asks, in a line",
                        validators=[Optional(), Length(max=200)])
    # Choices are the available questionnaire versions, as "id@version"; set by the view.
    questionnaire_id = RadioField("Questionnaire", widget=GovRadioInput(), choices=[],
                                  validators=[InputRequired(message="Select a questionnaire")])
    frame_kind = RadioField("Which cases does it sample?", widget=GovRadioInput(),
                            choices=choices(FRAMES.items()),
                            validators=[InputRequired(message="Select which cases the programme samples")])
    period = StringField("Period", widget=GovTextInput(),
                         description="Q1 2014/15, 2015/16, 2015 or 2015-04-01..2015-09-30",
                         validators=[InputRequired(message="Enter the period")])
    previous_decisions = SelectMultipleField(
        "Re-referrals only: decision on the previous referral", widget=GovCheckboxesInput(),
        choices=choices((d, DECISION_LABELS[d]) for d in DECISIONS), validators=[Optional()],
        description="Leave empty for any decision")
    # Choices are the known teams (set by the view); a name posted that nobody knows is refused
    # by the service with a reason (issue 19).
    team = SelectField("Only this team", widget=GovSelect(), choices=[], validators=[Optional(), Length(max=100)],
                       validate_choice=False)
    decision = SelectField("Only this decision", widget=GovSelect(),
                           choices=choices([("", "Any decision")] + [(d, DECISION_LABELS[d]) for d in DECISIONS]),
                           validators=[Optional()])
    source = StringField("Only this referral source code", widget=GovTextInput(),
                         description="For example 6 (police) or 2A (schools)", validators=[Optional(), Length(max=4)])
    category = SelectField("Only this category of abuse", widget=GovSelect(),
                           choices=choices([("", "Any category")] + list(ABUSE_CATEGORIES.items())),
                           validators=[Optional()])
    # Choices are the agencies some questionnaire has questions for (set by the view); the service
    # refuses one the chosen questionnaire has none for, with a reason, however it was posted.
    agencies = SelectMultipleField("Agencies with a section to complete", widget=GovCheckboxesInput(),
                                   choices=choices((a.value, a.label) for a in Agency), validators=[Optional()],
                                   validate_choice=False)
    due_date = GovDateField("Audits due by", description=DATE_HINT)
    submit = SubmitField("Create programme", widget=GovSubmitInput())


class DrawForm(FlaskForm):
    method = RadioField("How to draw", widget=GovRadioInput(),
                        choices=choices([("census", "Census: every case in the frame"),
                                         ("random", "Simple random sample"),
                                         ("stratified", "Stratified random sample")]),
                        validators=[InputRequired(message="Select how to draw the sample")])
    size = IntegerField("Number of cases", widget=GovTextInput(), validators=[Optional(), NumberRange(min=1)])
    percent = IntegerField("Or a percentage of the frame", widget=GovTextInput(),
                           validators=[Optional(), NumberRange(min=1, max=100)])
    stratify_by = SelectField("Stratify by", widget=GovSelect(),
                              choices=choices([("", "Choose a field")] + list(STRATIFY_FIELDS.items())),
                              validators=[Optional()])
    minimum_per_stratum = IntegerField("Minimum cases in each stratum", widget=GovTextInput(), default=0,
                                       validators=[Optional(), NumberRange(min=0)])
    exclude_audited_months = IntegerField("Leave out children with a case audit in the last (months)",
                                          widget=GovTextInput(), default=12,
                                          validators=[InputRequired(message="Enter a number of months, 0 or more"),
                                                      NumberRange(min=0, max=120)])
    seed = IntegerField("Seed", widget=GovTextInput(),
                        description="Leave empty for a new random seed. The seed is recorded so anyone can draw the same sample again.",
                        validators=[Optional(), NumberRange(min=0, max=2 ** 63 - 1)])
    submit = SubmitField("Draw the sample", widget=GovSubmitInput())


class AddCaseForm(FlaskForm):
    case_id = StringField("Referral or plan id", widget=GovTextInput(),
                          validators=[InputRequired(message="Enter the referral or plan id"), Length(max=64)])
    reason = TextAreaField("Why add it?", widget=GovTextArea(),
                           validators=[InputRequired(message="Enter why the case is being added"), Length(max=500)])
    submit = SubmitField("Add case", widget=GovSubmitInput())


class RemoveCaseForm(FlaskForm):
    reason = StringField("Why remove it?", widget=GovTextInput(),
                         validators=[InputRequired(message="Enter why the case is being removed"), Length(max=500)])
    submit = SubmitField("Remove", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    # Issue 24: the leads apart from each agency section's auditors (section_<agency> fields are
    # added per programme by the view).
    lead_auditor_ids = SelectMultipleField("Lead auditors", widget=GovCheckboxesInput(), coerce=int,
                                           validators=[InputRequired(message="Select at least one lead auditor")])
    due_date = GovDateField("Due date for every case", description=DATE_HINT)
    submit = SubmitField("Assign", widget=GovSubmitInput())


class ReassignForm(FlaskForm):
    lead_auditor_id = SelectField("Lead auditor", widget=GovSelect(), validators=[Optional()])
    due_date = GovDateField("Due date", description=DATE_HINT)
    submit = SubmitField("Save assignment", widget=GovSubmitInput())


class ModerationPolicyForm(FlaskForm):
    """Which audits go to the moderation queue. The moderation service checks the numbers."""
    always = SelectMultipleField("Always moderate", widget=GovCheckboxesInput(), validators=[Optional()],
                                 choices=choices([("inadequate", "Every audit graded Inadequate"),
                                                  ("flagged", "Every case with a safeguarding concern")]))
    new_auditor_first = IntegerField("A new auditor's first audits (how many)", widget=GovTextInput(),
                                     validators=[Optional()])
    random_percent = IntegerField("And this percentage of the rest, at random (%)", widget=GovTextInput(),
                                  validators=[Optional()])
    submit = SubmitField("Save policy", widget=GovSubmitInput())

    @classmethod
    def of(cls, policy: dict) -> "ModerationPolicyForm":
        return cls(formdata=None, always=[key for key in ("inadequate", "flagged") if policy.get(key)],
                   new_auditor_first=policy.get("new_auditor_first") or 0,
                   random_percent=policy.get("random_percent") or 0)


class FrameViewForm(FlaskForm):
    """How the page shows the frame before a draw: the make-up by one field, and the sample-size helper.
    A value out of range falls back to its default rather than failing: it only changes a view."""
    class Meta:
        csrf = False  # GET: changes nothing

    strata = SelectField("Show the make-up by", widget=GovSelect(), choices=choices(STRATIFY_FIELDS.items()),
                         validate_choice=False)
    confidence = SelectField("Confidence", widget=GovSelect(), validate_choice=False,
                             choices=choices((str(c), f"{c}%") for c in (90, 95, 99)))
    margin = IntegerField("Margin (± percentage points)", widget=GovTextInput())
    exclude = IntegerField()  # months; from a link, never shown

    def settings(self, default_months: int) -> dict:
        def within(value, allowed, default):
            return value if value in allowed else default
        confidence = int(self.confidence.data) if (self.confidence.data or "").isdigit() else None
        return {"months": within(self.exclude.data, range(0, 121), default_months),
                "field": within(self.strata.data, STRATIFY_FIELDS, "team"),
                "confidence": within(confidence, (90, 95, 99), 95), "margin": within(self.margin.data, range(1, 51), 5)}
