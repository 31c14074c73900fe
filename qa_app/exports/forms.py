from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField


class FindingsExportForm(FlaskForm):
    class Meta:
        csrf = False  # the app's CSRF check covers every POST; the form is drawn by a macro

    identifiable = BooleanField("Include real child and case ids (identifiable)", widget=GovCheckboxInput())
