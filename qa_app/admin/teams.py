"""Teams (admins): the teams users and actions are given, chosen from a list. The list is the
teams in the loaded case data and those an admin added here on purpose; a name nobody knows is
shown back for a confirmation, so a typo ("Compas") never silently becomes a team (issue 19)."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from qa_app.admin.forms import AddTeamForm
from qa_app.admin.routes import admin
from qa_app.models import Role
from qa_app.security import roles_required
from qa_app.services import accounts


@admin.route("/teams", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def teams():
    form = AddTeamForm()
    asking = None  # the name the admin is asked to confirm
    if form.validate_on_submit():
        try:
            team = accounts.add_team(form.name.data, confirmed_as=form.confirmed_name.data if form.confirm.data else None,
                                     added_by=current_user)
        except accounts.TeamNotConfirmed as question:
            asking = question.name
            form.confirmed_name.data = asking
            form.confirm.data = False
            form.confirm.label.text = f"Yes, create team \u2018{asking}\u2019"
            form.name.errors = [*form.name.errors, str(question)]
        except accounts.AccountError as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            flash(f"Team {team.name} added. It can now be ticked on a user's page and chosen for an action.",
                  "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/teams.html", form=form, asking=asking, teams=accounts.team_list())
