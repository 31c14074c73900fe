"""The second factor for local accounts: the code asked for after a right password, setting up
an authenticator app, and an admin's reset."""
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from qa_app.auth.second_factor_forms import CodeForm, EnrolForm
from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.models.base import utcnow
from qa_app.security import any_signed_in_user, roles_required, start_session
from qa_app.services import accounts
from qa_app.services.identity import local_sign_in, second_factor as factors

second_factor = Blueprint("second_factor", __name__)

PENDING = "second_factor_pending"
PENDING_SECONDS = 300  # from the right password to the code


def local_sign_in_refused(user: User) -> str | None:
    return local_sign_in.refusal_for(user)


def _finish(user: User, target: str, *, second_factor_done: bool):
    start_session(user)
    session["sign_in_method"] = "password"
    session["second_factor_done"] = second_factor_done
    login_user(user)
    local_sign_in.record_password_sign_in(user.id)
    return redirect(target)


def continue_sign_in(user: User, target: str):
    """After a right password: ask for the code if the account has a second factor, else sign in
    (the access guard then sends those who must set one up to do so)."""
    if factors.enrolled(user.id):
        session.clear()
        session[PENDING] = {"user_id": user.id, "token": local_sign_in.pending_mark(user), "target": target,
                            "at": utcnow().timestamp()}
        return redirect(url_for("second_factor.code"))
    return _finish(user, target, second_factor_done=False)


def resume_refused(user: User, code: str) -> str | None:
    """Signing in again to keep typed answers: the same rules, with the code on the same form."""
    refused = local_sign_in_refused(user)
    if refused or not factors.enrolled(user.id):
        return refused
    if not code.strip():
        return "Enter the code from your authenticator app as well as your password"
    try:
        factors.check_sign_in_code(user.id, code)
    except factors.CodeRefused as wrong:
        if wrong.locked_until is not None:
            from qa_app.auth.routes import locked_message
            return locked_message(wrong.locked_until)
        return str(wrong)
    session["second_factor_resumed"] = True
    return None


def start_resumed_session(user: User) -> None:
    done = session.pop("second_factor_resumed", False)
    start_session(user)
    session["sign_in_method"] = "password"
    session["second_factor_done"] = done
    login_user(user)


def needs_enrolment(user) -> bool:
    """For the access guard: a password session without a second factor, where one is required."""
    return (session.get("sign_in_method", "password") == "password" and not session.get("second_factor_done")
            and factors.required_for(user))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or utcnow().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return local_sign_in.waiting_user(pending.get("user_id"), pending.get("token"))


@second_factor.route("/sign-in/code", methods=["GET", "POST"])
def code():
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = factors.check_sign_in_code(user.id, form.code.data)
        except factors.CodeRefused as refused:
            if refused.locked_until is not None:
                from qa_app.auth.routes import locked_message  # the password's lockout, said the same way
                session.pop(PENDING, None)
                flash(locked_message(refused.locked_until), "info")
                return redirect(url_for("auth.login"))
            form.code.errors.append(str(refused))
            return render_template("auth/second_factor_code.html", form=form), 200
        target = session[PENDING]["target"]
        user = accounts.reload_user(user.id)
        response = _finish(user, target, second_factor_done=True)
        if used == "recovery code":
            left = factors.recovery_codes_left(user.id)
            flash(f"You signed in with a recovery code. You have {left} left: if your phone is lost, "
                  "ask your Casefile QA admin to reset your second factor.", "info")
        return response
    return render_template("auth/second_factor_code.html", form=form)


@second_factor.route("/account/second-factor", methods=["GET", "POST"])
@any_signed_in_user
def enrol():
    if factors.enrolled(current_user.id):
        return render_template("auth/second_factor_enrolled.html")
    form = EnrolForm()
    secret = factors.pending_secret(current_user) or factors.start_enrolment(current_user)
    if form.validate_on_submit():
        try:
            codes = factors.confirm_enrolment(current_user, form.code.data)
        except accounts.AccountError as error:
            form.code.errors.append(str(error))
        else:
            session["second_factor_done"] = True
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = factors.provisioning_uri(current_user, secret)
    return render_template("auth/second_factor_enrol.html", form=form, secret=secret,
                           qr_svg=factors.qr_code_svg(uri), required=needs_enrolment(current_user))


@second_factor.post("/admin/users/<int:user_id>/second-factor/reset")
@roles_required(Role.ADMIN)
def reset(user_id):
    user = db.get_or_404(User, user_id)
    form = FlaskForm()
    if form.validate_on_submit():
        factors.reset(user.id, reset_by=current_user)
        flash(f"Second factor reset for {user.email}. They must set one up again when they next sign in.",
              "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
