from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

# Long enough for any real password, short enough that nobody can make us hash a novel.
MAX_PASSWORD = 128


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired(message="Enter your email address"),
                                   Length(max=254, message="Enter the correct email address and password")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired(message="Enter your password"),
                                         Length(max=MAX_PASSWORD, message="Enter the correct email address and password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired(message="Enter your current password")])
    password = PasswordField(
        "New password", widget=GovPasswordInput(),
        description="12 characters or more. A few unrelated words together make a strong password.",
        validators=[InputRequired(message="Enter a new password"),
                    Length(min=12, message="Password must be 12 characters or more"),
                    Length(max=MAX_PASSWORD, message=f"Password must be {MAX_PASSWORD} characters or fewer")])
    confirm_password = PasswordField(
        "Confirm new password", widget=GovPasswordInput(),
        validators=[InputRequired(message="Confirm your new password"),
                    EqualTo("password", message="Passwords must match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())
