from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput,
                                                GovPasswordInput, GovSelect, GovSubmitInput,
                                                GovTextInput)
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SelectField,
                     SelectMultipleField, StringField, SubmitField)
from wtforms.validators import InputRequired, Length, Optional

from qa_app.forms import GovDateField, choices
from qa_app.models import Agency, Role
from qa_app.services.audit_trail import ACTIONS

ROLE_CHOICES = choices((role.value, role.label) for role in Role)
AGENCY_CHOICES = choices((agency.value, agency.label) for agency in Agency)
PASSWORD_RULES = [InputRequired(message="Enter a one-time password"),
                  Length(min=12, message="Password must be 12 characters or more"),
                  Length(max=128, message="Password must be 128 characters or fewer")]


class UserProfileFields:
    display_name = StringField("Name", widget=GovTextInput(),
                               validators=[InputRequired(message="Enter the person's name"),
                                           Length(max=120, message="Name must be 120 characters or fewer")])
    roles = SelectMultipleField("Roles", choices=ROLE_CHOICES, widget=GovCheckboxesInput(),
                                validators=[InputRequired(message="Select at least one role")])
    agency = SelectField("Agency", choices=AGENCY_CHOICES, widget=GovSelect(),
                         validators=[InputRequired(message="Select the person's agency")])
    # Ticked from the known teams (set by the view); a name nobody knows is refused by the
    # service, not silently made a team, and comes back ticked with the reason (issue 19).
    teams = SelectMultipleField("Teams", widget=GovCheckboxesInput(), choices=[], validate_choice=False,
                                description="A team manager must have a team. A team not in the list is "
                                            "added on the Teams page first.")


class CreateUserForm(UserProfileFields, FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter an email address"),
                                   Length(max=254, message="Email address must be 254 characters or fewer")])
    password = PasswordField("One-time password", widget=GovPasswordInput(),
                             description="The person must change it when they first sign in.",
                             validators=PASSWORD_RULES)
    submit = SubmitField("Create user", widget=GovSubmitInput())


class EditUserForm(UserProfileFields, FlaskForm):
    active = BooleanField("Account is active (untick to disable it)", widget=GovCheckboxInput())
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class OneTimePasswordForm(FlaskForm):
    password = PasswordField("New one-time password", widget=GovPasswordInput(),
                             description="Signs the person out everywhere. They must change it when they next sign in.",
                             validators=PASSWORD_RULES)
    submit = SubmitField("Set one-time password", widget=GovSubmitInput())


class AuditTrailFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    action = SelectField("Action", choices=choices([("", "Any action")] + sorted(ACTIONS.items())),
                         widget=GovSelect(), validators=[Optional()])
    user_email = StringField("User email contains", widget=GovTextInput(), validators=[Optional(), Length(max=254)])
    outcome = SelectField("Outcome", choices=choices([("", "Any outcome"), ("success", "Success"),
                                                      ("failure", "Failure"), ("denied", "Denied")]),
                          widget=GovSelect(), validators=[Optional()])
    date_from = GovDateField("From date", description="For example, 1 11 2026")
    date_to = GovDateField("To date", description="For example, 30 11 2026")
    submit = SubmitField("Filter", widget=GovSubmitInput())


class ChildReadsForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    child_id = StringField("Child id, as in the council's case data", widget=GovTextInput(),
                           filters=[lambda value: (value or "").strip()[:64]])


class AddTeamForm(FlaskForm):
    """A new team, added on purpose: a name nobody knows is shown back for a confirmation."""
    name = StringField("Team name", widget=GovTextInput(),
                       description="As the case data and people name it, for example Compass",
                       validators=[InputRequired(message="Enter the team's name"),
                                   Length(max=100, message="A team's name must be 100 characters or fewer")])
    # The name the admin was asked about: ticking the box confirms that name and no other.
    confirmed_name = HiddenField()
    confirm = BooleanField("Yes, create this team", widget=GovCheckboxInput())
    submit = SubmitField("Add team", widget=GovSubmitInput())
