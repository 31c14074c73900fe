"""The Targets page: QA leads set the targets the board pack's RAG column is judged against."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from audit_tools.judgements import MEASURES, polarity_words
from qa_app.models import Role
from qa_app.security import roles_required
from qa_app.services.performance import targets as target_service
from qa_app.targets.forms import TargetForm

targets = Blueprint("targets", __name__)


@targets.route("/", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def target_list():
    form = TargetForm()
    if form.validate_on_submit():
        try:
            target_service.set_target(form.measure.data, float(form.target.data), float(form.amber_tolerance.data),
                                      form.polarity.data, form.from_year.data, current_user)
        except target_service.TargetError as error:
            form.target.errors.append(str(error))
        else:
            flash("Target saved. The next board pack shows it with Red, Amber or Green.", "success")
            return redirect(url_for("targets.target_list"))
    return render_template("targets/targets.html", form=form, targets=target_service.targets(), measures=MEASURES,
                           polarity_words=polarity_words)
