"""The partnership's name (admins): shown on the Cover of every workbook, in place of PARTNERSHIP_NAME."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from qa_app.admin.routes import admin
from qa_app.models import Role
from qa_app.security import roles_required
from qa_app.services.performance import settings


class PartnershipForm(FlaskForm):
    name = StringField("Partnership or council name", widget=GovTextInput(),
                       description="As the board knows it, for example Anyshire Safeguarding Children Partnership.",
                       validators=[InputRequired(message="Enter the partnership's or council's name"),
                                   Length(max=200, message="Name must be 200 characters or fewer")])
    submit = SubmitField("Save name", widget=GovSubmitInput())


@admin.route("/partnership", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def partnership():
    form = PartnershipForm()
    if form.validate_on_submit():
        settings.set_partnership_name(form.name.data, current_user)
        flash("Partnership name saved. Workbooks exported from now on show it on their Cover.", "success")
        return redirect(url_for("admin.partnership"))
    if not form.is_submitted():
        form.name.data = settings.setting(settings.PARTNERSHIP_NAME) or current_app.config.get("PARTNERSHIP_NAME")
    return render_template("admin/partnership.html", form=form)
