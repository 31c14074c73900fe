from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import DecimalField, IntegerField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from audit_tools.judgements import HIGHER, LOWER, MEASURES, NEITHER
from qa_app.forms import choices


class TargetForm(FlaskForm):
    measure = SelectField("Measure", widget=GovSelect(),
                          choices=choices((key, label) for key, (label, _, _) in MEASURES.items()),
                          validators=[InputRequired(message="Choose a measure")])
    target = DecimalField("Target", widget=GovTextInput(),
                          description="In the measure's own unit: 22.0 for 22%, 450.0 for a rate per 10,000",
                          validators=[InputRequired(message="Enter the target"),
                                      NumberRange(min=0, message="Enter a target of 0 or more")])
    amber_tolerance = DecimalField("Amber tolerance", widget=GovTextInput(),
                                   description="How far on the wrong side of the target is Amber rather than Red",
                                   validators=[InputRequired(message="Enter the amber tolerance"),
                                               NumberRange(min=0, message="Enter 0 or more")])
    polarity = RadioField("Good performance is", widget=GovRadioInput(),
                          choices=choices([(HIGHER, "Higher"), (LOWER, "Lower"), (NEITHER, "Neither")]),
                          validators=[InputRequired(message="Choose whether higher or lower is good")])
    from_year = IntegerField("Applies from the financial year starting in", widget=GovTextInput(),
                             description="For example, 2015 for 2015/16",
                             validators=[InputRequired(message="Enter the year"),
                                         NumberRange(min=2000, max=2100, message="Enter a year between 2000 and 2100")])
    submit = SubmitField("Save target", widget=GovSubmitInput())
