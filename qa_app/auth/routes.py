"""Sign in, sign out and password change."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from qa_app.auth.forms import ChangePasswordForm, SignInForm
from qa_app.security import any_signed_in_user, start_session
from qa_app.services import accounts

auth = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter the correct email address and password"


def _safe_next(target: str | None) -> str:
    """Only ever redirect within this site after sign-in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


@auth.route("/sign-in", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        result = accounts.sign_in(form.email.data, form.password.data)
        if result.user is not None:
            target = _safe_next(request.args.get("next"))
            start_session(result.user)
            login_user(result.user)
            return redirect(target)
        form.email.errors.append(SIGN_IN_FAILED)
    return render_template("auth/login.html", form=form), 200


@auth.post("/sign-in/resume")
def resume():
    """Sign in again after a session ended mid-form, then offer the kept answers for saving."""
    target = _safe_next(request.form.get("target"))
    kept = [(key, value) for key, values in request.form.lists()
            if key not in ("csrf_token", "email", "password", "target") for value in values]
    result = accounts.sign_in(request.form.get("email", ""), request.form.get("password", ""))
    if result.user is None:
        return render_template("auth/resume.html", kept=kept, target=target, form=None,
                               page_errors=[{"text": SIGN_IN_FAILED, "href": "#email"}],
                               email=request.form.get("email", "")), 401
    start_session(result.user)
    login_user(result.user)
    return render_template("auth/resume_save.html", kept=kept, target=target)


@auth.post("/sign-out")
@any_signed_in_user
def logout():
    accounts.sign_out(current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@auth.route("/change-password", methods=["GET", "POST"])
@any_signed_in_user
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except accounts.AccountError as error:
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            # The change replaced the session token, which signs out every other session;
            # this one carries on with a fresh session under the new token.
            user = accounts.reload_user(current_user.id)
            start_session(user)
            login_user(user)
            flash("Your password has been changed.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
