"""The second factor's forms (beside forms.py, which the password's forms keep to themselves)."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length


class CodeForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(),
                       description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
                       validators=[InputRequired(message="Enter the code from your authenticator app"),
                                   Length(max=40, message="Enter the code from your authenticator app")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(FlaskForm):
    code = StringField("Code from your authenticator app", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter the 6-digit code your authenticator app shows"),
                                   Length(max=12, message="Enter the 6-digit code your authenticator app shows")])
    submit = SubmitField("Turn on", widget=GovSubmitInput())
