from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField

TICKED = "yes"  # the value templates/components/exports.html gives the checkbox


class TickedCheckbox(BooleanField):
    """True only for the value the checkbox sends. WTForms' BooleanField takes any value but
    "false" or "" as ticked, so a stray "no" would have made an identifiable export: real
    children's ids must be asked for exactly."""

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] == TICKED


class FindingsExportForm(FlaskForm):
    class Meta:
        csrf = False  # the app's CSRF check covers every POST; the form is drawn by a macro

    identifiable = TickedCheckbox("Include real child and case ids (identifiable)", widget=GovCheckboxInput())
