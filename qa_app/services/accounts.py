"""Accounts: sign-in with lockout, password changes and user administration."""
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import Agency, Role, Team, User
from qa_app.models.base import utcnow
from qa_app.services.audit_trail import record_event

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked when the email is unknown, so a wrong email costs as long as a wrong password and the
# timing does not tell an attacker which emails have accounts.
_UNKNOWN_USER_HASH = generate_password_hash("not-a-real-password-for-timing")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class SignInResult:
    user: User | None
    locked: bool = False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_new_password(password: str) -> None:
    config = current_app.config
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        raise AccountError(
            f"Password must be {config['PASSWORD_MIN_LENGTH']} characters or more", "password")
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        raise AccountError(
            f"Password must be {config['PASSWORD_MAX_LENGTH']} characters or fewer", "password")


def hash_password(password: str) -> str:
    check_new_password(password)
    return generate_password_hash(password, method="scrypt")


def sign_in(email: str, password: str) -> SignInResult:
    """Check a sign-in; count failures and lock the account after too many."""
    config = current_app.config
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        password = ""  # never hash over-long input; it simply fails
    with write_transaction():
        user = db.session.scalars(
            db.select(User).filter_by(email=normalise_email(email)).with_for_update()
        ).first()
        now = utcnow()
        if user is None:
            check_password_hash(_UNKNOWN_USER_HASH, password)
            record_event("login", outcome="failure",
                         details={"email": normalise_email(email)[:254], "reason": "unknown email"})
            return SignInResult(None)
        if user.locked_until and user.locked_until > now:
            record_event("login", outcome="failure", actor=user, object_type="user",
                         object_id=user.id, details={"reason": "account locked"})
            return SignInResult(None, locked=True)
        if not (password and check_password_hash(user.password_hash, password)) or not user.active:
            reason = "account disabled" if user.active is False else "wrong password"
            _count_failure(user, now, config)
            record_event("login", outcome="failure", actor=user, object_type="user",
                         object_id=user.id, details={"reason": reason})
            return SignInResult(None, locked=user.locked_until is not None and user.locked_until > now)
        user.failed_login_count = 0
        user.failed_login_window_start = None
        user.locked_until = None
        user.last_login_at = now
        record_event("login", actor=user, object_type="user", object_id=user.id)
        return SignInResult(user)


def _count_failure(user: User, now, config) -> None:
    window = config["LOGIN_FAILURE_WINDOW"]
    if user.failed_login_window_start is None or now - user.failed_login_window_start > window:
        user.failed_login_window_start = now
        user.failed_login_count = 0
    user.failed_login_count += 1
    if user.failed_login_count >= config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + config["LOGIN_LOCKOUT"]
        user.failed_login_count = 0
        user.failed_login_window_start = None
        record_event("account_locked", outcome="failure", actor=user, object_type="user",
                     object_id=user.id,
                     details={"locked_minutes": int(config["LOGIN_LOCKOUT"] / timedelta(minutes=1))})


def sign_out(user: User) -> None:
    """End the session on the server: a new session token makes every copy of the old cookie
    worthless (and signs the account out on its other devices too)."""
    with write_transaction():
        user = db.session.get(User, user.id)
        user.rotate_session_token()
        record_event("logout", actor=user, object_type="user", object_id=user.id)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if len(current_password) > current_app.config["PASSWORD_MAX_LENGTH"] or \
            not check_password_hash(user.password_hash, current_password):
        raise AccountError("Enter your current password correctly", "current_password")
    if current_password == new_password:
        raise AccountError("Choose a password that is different from your current one", "password")
    new_hash = hash_password(new_password)
    with write_transaction():
        user = db.session.get(User, user.id)
        user.password_hash = new_hash
        user.must_change_password = False
        user.rotate_session_token()
        record_event("password_changed", actor=user, object_type="user", object_id=user.id)


def reload_user(user_id: int) -> User:
    return db.session.get(User, user_id, populate_existing=True)


def teams_named(names) -> list[Team]:
    """The teams with these names, creating any that are new."""
    teams = []
    for name in sorted({n.strip() for n in names if n and n.strip()}):
        team = db.session.scalars(db.select(Team).filter_by(name=name)).first()
        if team is None:
            team = Team(name=name)
            db.session.add(team)
        teams.append(team)
    return teams


def _validate_profile(email, display_name, roles, agency):
    if not EMAIL_PATTERN.match(email):
        raise AccountError("Enter an email address in the correct format, like name@example.org", "email")
    if not display_name.strip():
        raise AccountError("Enter the person's name", "display_name")
    if not roles:
        raise AccountError("Select at least one role", "roles")
    if agency not in {a.value for a in Agency}:
        raise AccountError("Select the person's agency", "agency")


def create_user(*, email, display_name, password, roles, agency=Agency.CHILDRENS_SOCIAL_CARE.value,
                team_names=(), must_change_password=False, created_by=None) -> User:
    email = normalise_email(email)
    roles = {Role(r) for r in roles}
    _validate_profile(email, display_name, roles, agency)
    password_hash = hash_password(password)
    with write_transaction():
        if db.session.scalars(db.select(User).filter_by(email=email)).first():
            raise AccountError("A user with this email address already exists", "email")
        user = User(email=email, display_name=display_name.strip(), password_hash=password_hash,
                    agency=agency, must_change_password=must_change_password)
        user.roles = roles
        user.teams = teams_named(team_names)
        db.session.add(user)
        db.session.flush()
        record_event("user_created", actor=created_by, object_type="user", object_id=user.id,
                     details={"email": email, "roles": sorted(r.value for r in roles),
                              "agency": agency, "teams": user.team_names})
    return user


def _profile(user: User) -> dict:
    return {"display_name": user.display_name, "roles": sorted(r.value for r in user.roles),
            "agency": user.agency, "teams": user.team_names, "active": user.active}


def update_user(user_id: int, *, display_name, roles, agency, team_names, active, changed_by) -> User:
    roles = {Role(r) for r in roles}
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise AccountError("That user does not exist")
        _validate_profile(user.email, display_name, roles, agency)
        if user.id == changed_by.id and (not active or Role.ADMIN not in roles):
            raise AccountError("You cannot remove your own admin role or disable your own account",
                               "roles")
        before = _profile(user)
        user.display_name = display_name.strip()
        user.roles = roles
        user.agency = agency
        user.teams = teams_named(team_names)
        was_active, user.active = user.active, active
        if was_active and not active:
            user.rotate_session_token()
        after = _profile(user)
        changes = {key: {"before": before[key], "after": after[key]}
                   for key in before if before[key] != after[key]}
        if changes:
            action = "user_updated"
            if was_active != active:
                action = "user_enabled" if active else "user_disabled"
            record_event(action, actor=changed_by, object_type="user", object_id=user.id,
                         details={"changes": changes})
    return user


def set_one_time_password(user_id: int, password: str, *, set_by) -> None:
    new_hash = hash_password(password)
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise AccountError("That user does not exist")
        user.password_hash = new_hash
        user.must_change_password = True
        user.locked_until = None
        user.failed_login_count = 0
        user.rotate_session_token()
        record_event("one_time_password_set", actor=set_by, object_type="user", object_id=user.id)
