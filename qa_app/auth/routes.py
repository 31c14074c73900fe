"""Sign in, sign out and password change."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from qa_app.auth.forms import ChangePasswordForm, SignInForm
from qa_app.auth.oidc_routes import provider_sign_out_url
from qa_app.auth.second_factor_routes import (continue_sign_in, local_sign_in_refused, resume_refused,
                                              start_resumed_session)
from qa_app.security import (any_signed_in_user, asks_for_a_password, is_audit_form, kept_fields, kept_from_sign_in,
                             start_session)
from qa_app.services import accounts

auth = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter the correct email address and password"
THROTTLED = ("Too many failed sign-ins from your network. Wait 15 minutes and try again, or ask "
             "your Casefile QA admin")


def locked_message(locked_until) -> str:
    """Said for any locked email address, with an account or not, so it tells nobody which exist."""
    minute = locked_until.replace(second=0, microsecond=0)
    if minute < locked_until:
        minute += timedelta(minutes=1)
    return (f"Too many wrong attempts for this email address. Try again after {minute:%H:%M} UTC, "
            "or ask your Casefile QA admin")


def sign_in_problem(result) -> tuple[str, int]:
    if result.throttled:
        return THROTTLED, 429
    if result.locked_until is not None:
        return locked_message(result.locked_until), 200
    return SIGN_IN_FAILED, 200


def _safe_next(target: str | None) -> str:
    """Only ever redirect within this site after sign-in. Browsers drop tabs and newlines from a
    URL and read a backslash as a slash ("/\\evil.example" is "//evil.example"), so the check and
    the redirect are both made on the URL as a browser would read it."""
    if target:
        normalised = re.sub(r"[\t\n\r]", "", target).replace("\\", "/")
        parts = urlsplit(normalised)
        if not parts.scheme and not parts.netloc and normalised.startswith("/") \
                and not normalised.startswith("//"):
            return normalised
    return url_for("main.home")


@auth.route("/sign-in", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        result = accounts.sign_in(form.email.data, form.password.data)
        refused = local_sign_in_refused(result.user) if result.user is not None else None
        if result.user is not None and refused is None:
            # The code is asked for next if the account has a second factor.
            return continue_sign_in(result.user, _safe_next(request.args.get("next")))
        message, status = (refused, 200) if refused else sign_in_problem(result)
        form.email.errors.append(message)
        return render_template("auth/login.html", form=form), status
    return render_template("auth/login.html", form=form), 200


@auth.post("/sign-in/resume")
def resume():
    """Sign in again after a session ended mid-form, then offer the kept answers for saving."""
    target = _safe_next(request.form.get("target"))
    kept = kept_from_sign_in(request.form)
    result = accounts.sign_in(request.form.get("email", ""), request.form.get("password", ""))
    # A right password may still need the code from an authenticator app, given on the same form.
    refused = resume_refused(result.user, request.form.get("code", "")) if result.user is not None else None
    if result.user is None or refused:
        message, status = (refused, 401) if refused else sign_in_problem(result)
        return render_template("auth/resume.html", kept=kept_fields(kept), target=target, form=None,
                               audit_form=is_audit_form(target),
                               page_errors=[{"text": message, "href": "#email"}],
                               email=request.form.get("email", "")), 429 if status == 429 else 401
    start_resumed_session(result.user)
    return render_template("auth/resume_save.html", kept=kept, target=target, audit_form=is_audit_form(target),
                           typed=_typed_text(kept), password_not_kept=asks_for_a_password(target))


# A choice's value ("auditor", "police", "y", "2026"): sent back with the rest, but not shown as
# if the person had typed it, since it is a code and not their words.
_CHOICE_VALUE = re.compile(r"[a-z0-9_-]+")


def _typed_text(kept) -> list[str]:
    """What the person typed, to show them before it is sent again: free text, not choices."""
    return [value for key, value in kept
            if value and key not in ("version", "submit", "action") and not _CHOICE_VALUE.fullmatch(value)]


@auth.post("/sign-out")
@any_signed_in_user
def logout():
    provider_sign_out = provider_sign_out_url()  # read before the session is cleared
    accounts.sign_out(current_user)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(provider_sign_out or url_for("auth.login"))


@auth.route("/change-password", methods=["GET", "POST"])
@any_signed_in_user
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except accounts.AccountLocked as locked:
            logout_user()
            session.clear()
            flash(locked_message(locked.locked_until), "info")
            return redirect(url_for("auth.login"))
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
