"""Legal holds (admins): keep a programme's records past the retention period."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from qa_app.admin.routes import admin
from qa_app.forms import choices
from qa_app.models import Role
from qa_app.security import roles_required
from qa_app.services import retention


class LegalHoldForm(FlaskForm):
    programme_id = SelectField("Programme", coerce=int, widget=GovSelect(),
                               validators=[InputRequired(message="Select the programme to hold")])
    reason = StringField("Reason for the hold", widget=GovTextInput(),
                         description="For example the claim, inquiry or review it is for, with its reference.",
                         validators=[InputRequired(message="Enter the reason for the hold"),
                                     Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Place legal hold", widget=GovSubmitInput())


class ReleaseForm(FlaskForm):
    submit = SubmitField("Release hold", widget=GovSubmitInput())


def _page(form):
    programmes = retention.programmes_by_name()
    holds = retention.holds()
    form.programme_id.choices = choices((p.id, p.name) for p in programmes if p.id not in holds)
    return render_template("admin/legal_holds.html", form=form, release_form=ReleaseForm(),
                           programmes=programmes, holds=holds, years=current_app.config["RETENTION_YEARS"])


@admin.route("/legal-holds", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def legal_holds():
    form = LegalHoldForm()
    if form.is_submitted():
        _page(form)  # fills the choices the form is checked against
    if form.validate_on_submit():
        try:
            retention.place_hold(form.programme_id.data, form.reason.data, current_user)
        except retention.RetentionError as error:
            form.reason.errors.append(str(error))
        else:
            flash("Legal hold placed. The programme's records will be kept until it is released.", "success")
            return redirect(url_for("admin.legal_holds"))
    return _page(form)


@admin.post("/legal-holds/<int:programme_id>/release")
@roles_required(Role.ADMIN)
def release_legal_hold(programme_id):
    if ReleaseForm().validate_on_submit():
        try:
            retention.release_hold(programme_id, current_user)
        except retention.RetentionError as error:
            flash(str(error), "error")
        else:
            flash("Legal hold released. Retention applies to the programme again.", "success")
    return redirect(url_for("admin.legal_holds"))
