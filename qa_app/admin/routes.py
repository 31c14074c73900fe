"""User administration and the audit trail (admins only)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.admin.forms import AuditTrailFilterForm, ChildReadsForm, CreateUserForm, EditUserForm, OneTimePasswordForm
from qa_app.extensions import db
from qa_app.forms import choices
from qa_app.models import Role, User
from qa_app.security import roles_required
from qa_app.services import accounts
from qa_app.services import audit_trail as audit_trail_service
from qa_app.services.case_reads import reads_of_child
from qa_app.services.identity import accounts as identity_accounts, second_factor

admin = Blueprint("admin", __name__)
MAX_PAGE = 1_000_000  # far past the end of any trail, far below what the database's OFFSET overflows at


def _offer_teams(form) -> None:
    """The known teams to tick, and any posted name nobody knows: shown back ticked, beside the
    service's reason, so what was sent is never lost and never silently becomes a team."""
    known = accounts.known_team_names()
    posted = [name for name in (form.teams.data or []) if name not in known]
    form.teams.choices = choices((name, name) for name in known + posted)


@admin.get("/users")
@roles_required(Role.ADMIN)
def list_users():
    return render_template("admin/users.html", users=accounts.users_by_name(),
                           sign_in_methods=identity_accounts.sign_in_methods(),
                           second_factors=second_factor.summary_by_user())


@admin.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = CreateUserForm()
    _offer_teams(form)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data, display_name=form.display_name.data,
                password=form.password.data, roles=form.roles.data, agency=form.agency.data,
                team_names=form.teams.data or [], must_change_password=True,
                created_by=current_user)
        except accounts.AccountError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            flash(f"User {user.email} created. Give them the one-time password in person or by phone.", "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=None)


@admin.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(obj=None if request.method == "POST" else user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.teams.data = user.team_names
    _offer_teams(form)
    if form.validate_on_submit():
        try:
            accounts.update_user(
                user.id, display_name=form.display_name.data, roles=form.roles.data,
                agency=form.agency.data, team_names=form.teams.data or [],
                active=form.active.data, changed_by=current_user)
        except accounts.AccountError as error:
            getattr(form, error.field or "display_name").errors.append(str(error))
        else:
            flash(f"Changes to {user.email} saved.", "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           password_form=OneTimePasswordForm(formdata=None),
                           has_second_factor=second_factor.enrolled(user.id))


@admin.post("/users/<int:user_id>/one-time-password")
@roles_required(Role.ADMIN)
def set_one_time_password(user_id):
    user = db.get_or_404(User, user_id)
    form = OneTimePasswordForm()
    if form.validate_on_submit():
        accounts.set_one_time_password(user.id, form.password.data, set_by=current_user)
        flash(f"One-time password set for {user.email}. They must change it when they sign in.", "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    edit_form = EditUserForm(formdata=None, obj=user)
    edit_form.roles.data = sorted(r.value for r in user.roles)
    edit_form.teams.data = user.team_names
    _offer_teams(edit_form)
    return render_template("admin/user_form.html", form=edit_form, user=user, password_form=form)


@admin.get("/audit-trail")
@roles_required(Role.ADMIN)
def audit_trail():
    form = AuditTrailFilterForm(request.args)
    filters = {}
    if form.validate():
        filters = {"action": form.action.data, "outcome": form.outcome.data, "user_email": form.user_email.data,
                   "date_from": form.date_from.data, "date_to": form.date_to.data}
    number = request.args.get("page", "1")
    if not number.isdigit() or not 1 <= int(number) <= MAX_PAGE:
        abort(404)
    page = audit_trail_service.events_page(int(number), **filters)
    return render_template("admin/audit_trail.html", form=form, page=page)


@admin.get("/child-reads")
@roles_required(Role.ADMIN)
def child_reads():
    """Who looked at this child, and when: for subject access requests and investigations."""
    form = ChildReadsForm(request.args)
    child_id = form.child_id.data
    reads = reads_of_child(child_id) if child_id else None
    return render_template("admin/child_reads.html", search_form=form, child_id=child_id, reads=reads)


from qa_app.admin import legal_holds  # noqa: E402,F401  (its routes are on this blueprint)
from qa_app.admin import partnership  # noqa: E402,F401  (its routes are on this blueprint)
from qa_app.admin import teams  # noqa: E402,F401  (its routes are on this blueprint; issue 19)
