"""Default deny: who may reach which endpoint, and the HTTP headers every response carries.

Every endpoint is either in PUBLIC_ENDPOINTS or declares its roles with @roles_required.
The guard in enforce_access() runs before every request, so an endpoint that forgets to
declare roles is refused to everybody rather than opened to everybody.
"""
import base64
import hashlib
import re
from datetime import UTC, datetime
from functools import wraps
from importlib import resources
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import delete
from werkzeug.exceptions import HTTPException

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import Role, UserSession
from qa_app.models.base import utcnow
from qa_app.models.user import new_session_token, session_token_hash
from qa_app.services.audit_trail import record_event
from qa_app.services.identity.second_factor import required_for as second_factor_required_for

PUBLIC_ENDPOINTS = frozenset({
    "auth.login",
    "auth.resume",
    # Single sign-on's steps and the code after a right password come before a session exists.
    "oidc.start",
    "oidc.start_named",
    "oidc.callback",
    "second_factor.code",
    "static",
    "main.health",
    "main.accessibility_statement",
    "main.privacy_notice",
    # Families' feedback (issue 25): the family's own pages, reached by a letter's link or code.
    "feedback.start",
    "feedback.open_link",
    "feedback.questions",
    "feedback.check",
    "feedback.done",
})
# Pages whose address, or a link on them, must never travel in a Referer header (issue 25).
NO_REFERRER_ENDPOINTS = frozenset({"feedback.start", "feedback.open_link", "feedback.questions",
                                   "feedback.check", "feedback.done", "families.letter"})
ALL_ROLES = frozenset(Role)
# Forms whose typed answers survive a session that ends while someone is typing: the POST is
# answered with a sign-in page that carries the answers (see auth.resume).
RESUMABLE_ENDPOINTS = frozenset({"audits.complete"}) | frozenset({
    # Issue 24: every form that takes typed text keeps it through signing in again.
    "actions.record_progress", "actions.change_status", "actions.raise_action",
    "moderation.moderate", "moderation.reopen", "moderation.acknowledge", "audits.raise_concern",
    "programmes.add_case", "programmes.remove_case", "programmes.assign", "programmes.reassign",
    "programmes.moderation_policy"})
# Issue 24, last round: the admin's user forms too. Their email travels under KEPT_PREFIX past
# the sign-in form's own email box, and their one-time password is never kept (kept_fields).
RESUMABLE_ENDPOINTS |= frozenset({"admin.create_user", "admin.edit_user"})
# The sign-in page's own fields: a kept field of the same name travels as KEPT_PREFIX + name.
SIGN_IN_FIELDS = frozenset({"csrf_token", "email", "password", "code", "target"})
KEPT_PREFIX = "kept-"
# Pages a user with a one-time password may still reach before choosing their own.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout"})
# Pages a password-signed-in user without a required second factor may reach: setting one up.
SECOND_FACTOR_ENDPOINTS = frozenset({"second_factor.enrol", "auth.logout"})


# How the session was signed in: by password (with or without its second factor) or a provider.
SIGN_IN_KEYS = ("sign_in_method", "second_factor_done", "oidc_provider", "oidc_id_token")


def roles_required(*roles: Role):
    """Declare who may use a view. Any one of the roles is enough."""
    if not roles:
        raise ValueError("Name at least one role")

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorate


def accepts_uploads(view):
    """Mark a view whose form carries a file: its requests may be as large as MAX_CONTENT_LENGTH.
    Every other request is refused (413) past MAX_FORM_BYTES before its body is read. Put it
    between the route and @roles_required."""
    view.accepts_uploads = True
    return view


def limit_request_size():
    """before_request, ahead of every other hook (the CSRF check reads the form): a sign-in or
    any ordinary form is small, so a huge body is refused instead of parsed into memory."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "accepts_uploads", False):
        limits = (current_app.config["MAX_FORM_BYTES"], current_app.config["MAX_CONTENT_LENGTH"])
        request.max_content_length = min(limit for limit in limits if limit is not None)


def any_signed_in_user(view):
    """For pages every signed-in user has, such as their home page or password change."""
    return roles_required(*ALL_ROLES)(view)


def required_roles_for(endpoint: str):
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "required_roles", None)


def _now_timestamp() -> int:
    return int(datetime.now(UTC).timestamp())


def start_session(user) -> None:
    """A fresh session at sign-in, so an identifier planted before sign-in is worthless, with a
    new session token of its own (only its hash is stored). Call before login_user(user). A
    signed-in user's fresh session (after changing their password) keeps how they signed in."""
    carried = {key: session[key] for key in SIGN_IN_KEYS if key in session} \
        if current_user.is_authenticated and current_user.id == user.id else {}
    session.clear()
    session.update(carried)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = _now_timestamp()
    token = new_session_token()
    oldest = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    with write_transaction():
        # Sessions past their 12 hours can never be used again: cleared as new ones begin.
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.created_at < oldest))
        db.session.add(UserSession(user_id=user.id, token_hash=session_token_hash(token)))
    user.session_token = token


def _session_expired() -> bool:
    now = _now_timestamp()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    last_seen = session.get("last_seen", 0)
    signed_in_at = session.get("signed_in_at", 0)
    return now - last_seen > idle or now - signed_in_at > lifetime


def _return_path() -> str | None:
    """Where to come back to after signing in: only for page views, never a form post."""
    return request.full_path.rstrip("?") if request.method == "GET" else None


def enforce_access():
    """before_request guard: sign-in, session age, password change and roles."""
    endpoint = request.endpoint
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    if endpoint is None:  # no route matched: let the 404 handler answer
        return None
    if not current_user.is_authenticated:
        return _resume_or_sign_in()
    if _session_expired():
        with write_transaction():
            record_event("session_expired", object_type="user", object_id=current_user.id)
        logout_user()
        session.clear()
        if request.method == "POST" and endpoint in RESUMABLE_ENDPOINTS:
            return _resume_or_sign_in()
        flash("You were signed out because you had not done anything for 30 minutes, "
              "or had been signed in for 12 hours. Sign in again.", "info")
        return redirect(url_for("auth.login", next=_return_path()))
    session["last_seen"] = _now_timestamp()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.change_password"))
    if endpoint not in SECOND_FACTOR_ENDPOINTS and _second_factor_missing():
        return redirect(url_for("second_factor.enrol"))
    roles = required_roles_for(endpoint)
    if roles is None or not current_user.has_role(*roles):
        deny()
    return None


def _second_factor_missing() -> bool:
    """A password session with no second factor, where one is required (production: always).
    Single sign-on sessions rely on the provider's own multi-factor authentication."""
    return (session.get("sign_in_method", "password") == "password" and not session.get("second_factor_done")
            and second_factor_required_for(current_user))


def _resume_or_sign_in():
    """Send people to sign in; but a form post that would be lost is kept, so that signing in
    again puts the typed answers back in front of them."""
    if request.method == "POST" and request.endpoint in RESUMABLE_ENDPOINTS:
        kept = [(key, value) for key, values in request.form.lists() if key != "csrf_token" for value in values]
        return render_template("auth/resume.html", kept=kept_fields(kept), target=request.path, form=None,
                               audit_form=request.endpoint == "audits.complete"), 401
    return redirect(url_for("auth.login", next=_return_path()))


def _never_kept(key: str) -> bool:
    # A password (the admin's one-time password for someone) is never echoed back into a page,
    # so it is never kept: it is typed again on the form.
    return "password" in key


def kept_fields(kept) -> list[tuple[str, str]]:
    """A timed-out post's fields as the sign-in page carries them: no password, and a field named
    as one of the sign-in form's own (the admin's user form has an email) under KEPT_PREFIX."""
    return [(KEPT_PREFIX + key if key in SIGN_IN_FIELDS else key, value)
            for key, value in kept if not _never_kept(key) and key != "csrf_token"]


def kept_from_sign_in(form) -> list[tuple[str, str]]:
    """The kept post back from the sign-in page's fields (kept_fields undone), without the
    sign-in form's own fields and without any password."""
    kept = []
    for key, values in form.lists():
        if key.startswith(KEPT_PREFIX):
            key = key.removeprefix(KEPT_PREFIX)
        elif key in SIGN_IN_FIELDS:
            continue
        if not _never_kept(key):
            kept.extend((key, value) for value in values)
    return kept


def _target_endpoint(target: str) -> str | None:
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(urlsplit(target).path, method="POST")
    except HTTPException:
        return None
    return endpoint


def asks_for_a_password(target: str) -> bool:
    """Whether the form of a kept post had a password, which was not kept: it is typed again."""
    return _target_endpoint(target) == "admin.create_user"


def is_audit_form(target: str) -> bool:
    """Whether a kept post was the audit form's (saved as a draft on resuming), or another form's
    (sent again as typed)."""
    return _target_endpoint(target) == "audits.complete"


def deny(status: int = 403):
    """Refuse and record it. 404 for a thing the user may not see at all, such as someone else's
    case audit, so that the answer does not tell which ids exist."""
    with write_transaction():
        record_event("access_denied", outcome="denied",
                     details={"endpoint": request.endpoint, "method": request.method,
                              "path": request.path[:200]})
    abort(status)


def _govuk_inline_script_hash() -> str:
    """CSP hash of the one inline script in the GOV.UK template (it marks the body as JS-enabled).

    Read from the installed template so that an upgrade of govuk-frontend-jinja cannot leave a
    stale hash behind.
    """
    template = resources.files("govuk_frontend_jinja").joinpath("templates/template.html").read_text()
    match = re.search(r"<script[^>]*>(.*?)</script>", template, re.S)
    digest = hashlib.sha256(match.group(1).encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def content_security_policy(form_action_origins=()) -> str:
    """form_action_origins: the OpenID providers, whose sign-out page the sign-out form's answer
    may redirect to (browsers apply form-action to a form's redirects too)."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {_govuk_inline_script_hash()}",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        " ".join(["form-action 'self'", *form_action_origins]),
        "frame-ancestors 'none'",
    ])


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = current_app.config["CONTENT_SECURITY_POLICY"]
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer" if request.endpoint in NO_REFERRER_ENDPOINTS else "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        # Case data must not linger in browser or proxy caches.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
