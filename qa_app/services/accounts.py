"""Accounts: sign-in with lockout, password changes and user administration."""
import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import delete, func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from qa_app.db import read_transaction, write_transaction
from qa_app.extensions import db
from qa_app.models import Agency, CPPlan, Referral, Role, SignInFailure, Team, User
from qa_app.models.base import utcnow
from qa_app.services import passwords, people
from qa_app.services.audit_trail import record_event

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked when the email is unknown, so a wrong email costs as long as a wrong password and the
# timing does not tell an attacker which emails have accounts: one per hashing cost in use.
_unknown_user_hashes: dict[str, str] = {}


def _hash_method() -> str:
    """werkzeug's scrypt at its default cost, except under TestConfig, which lowers the cost so
    that a suite signing in thousands of times is not mostly hashing. A stored hash names its own
    cost, so it checks the same under any setting."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def new_password_hash(password: str) -> str:
    """The hash stored for a password (no rules checked: see hash_password)."""
    return generate_password_hash(password, method=_hash_method())


def _unknown_user_hash() -> str:
    method = _hash_method()
    if method not in _unknown_user_hashes:
        _unknown_user_hashes[method] = generate_password_hash("not-a-real-password-for-timing", method=method)
    return _unknown_user_hashes[method]


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class SignInResult:
    user: User | None
    locked_until: object = None  # when the email address may try again, if it is locked
    throttled: bool = False  # too many failures from this address


def normalise_email(email: str) -> str:
    """One spelling of an address wherever one is read: NFKC folds look-alikes such as a
    fullwidth "ａ" into the letter they copy, then lower case."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def has_invisible_characters(text: str) -> bool:
    """Control and format characters (NUL, zero-width spaces, direction overrides): they make
    an address that looks like another one on screen."""
    return any(unicodedata.category(character) in ("Cc", "Cf") for character in text)


def _sign_in_email(email: str) -> str:
    """No account's address holds an invisible character (they are refused when one is made),
    and PostgreSQL refuses NUL in any text, so at sign-in they are dropped before the lookup."""
    email = normalise_email(email)
    return "".join(c for c in email if unicodedata.category(c) not in ("Cc", "Cf"))[:254]


def check_new_password(password: str, personal_details: tuple[str, ...] = ()) -> None:
    try:
        passwords.check_new_password(password, personal_details)
    except passwords.PasswordRefused as refused:
        raise AccountError(str(refused), "password") from None


def hash_password(password: str, personal_details: tuple[str, ...] = ()) -> str:
    """The hash of a new password, once it passes the rules; personal_details are the email and
    name of the person it is for."""
    check_new_password(password, personal_details)
    return new_password_hash(password)


def _request_address() -> str | None:
    return request.remote_addr if has_request_context() else None


@dataclass
class _Account:
    """What a sign-in needs to know, read before the slow hash and without a lock."""
    id: int
    password_hash: str
    active: bool
    locked_until: object


def _failures_since(column, value, since) -> int:
    return db.session.scalar(select(func.count(SignInFailure.id))
                             .where(column == value, SignInFailure.occurred_at > since)) or 0


def _email_locked_until(email: str, account: _Account | None, now):
    """Until when this email address is locked, if it is: the account's lock, or for an email
    with no account the same lock its failures would have made."""
    if account is not None:
        return account.locked_until if account.locked_until and account.locked_until > now else None
    return db.session.scalar(select(func.max(SignInFailure.locks_until))
                             .where(SignInFailure.email == email, SignInFailure.locks_until > now))


def sign_in(email: str, password: str) -> SignInResult:
    """Check a sign-in. Each attempt is counted as a failure, atomically, before any password is
    hashed, and taken back only if the password proves right: so however many attempts arrive at
    once, no more are checked than the lock allows. Every answer still costs one password hash,
    done outside any write lock (an attempt on a locked email hashes against a dummy), so the
    timing tells nobody which emails have accounts or are locked."""
    config = current_app.config
    email = _sign_in_email(email)
    address = _request_address()
    now = utcnow()
    if len(password) > config["PASSWORD_MAX_LENGTH"]:
        password = ""  # never hash over-long input; it simply fails
    with write_transaction():
        _serialise_attempts_on(email)
        row = db.session.execute(select(User.id, User.password_hash, User.active, User.locked_until)
                                 .filter_by(email=email).with_for_update()).first()
        account = _Account(*row) if row else None
        throttled = address is not None and _failures_since(
            SignInFailure.ip_address, address, now - config["LOGIN_FAILURE_WINDOW"]
        ) >= config["LOGIN_ADDRESS_MAX_FAILURES"]
        locked_until = None if throttled else _email_locked_until(email, account, now)
        attempt_id = attempt_locks_until = None
        if throttled:
            record_event("login", outcome="failure", details={"email": email, "reason": "address throttled"})
        elif locked_until is not None:
            db.session.add(SignInFailure(occurred_at=now, email=None, ip_address=address))
            user = db.session.get(User, account.id) if account else None
            record_event("login", outcome="failure", details={"email": email, "reason": "account locked"},
                         **({"actor": user, "object_type": "user", "object_id": user.id} if user else {}))
        else:
            attempt = _count_attempt(email, account.id if account else None, now)
            attempt_id, attempt_locks_until = attempt.id, attempt.locks_until
    if throttled:
        return SignInResult(None, throttled=True)  # refused without hashing: it is keeping us busy
    if attempt_id is None:
        check_password_hash(_unknown_user_hash(), password)  # the same cost as any other answer
        return SignInResult(None, locked_until=locked_until)
    right = check_password_hash(account.password_hash if account else _unknown_user_hash(), password)
    right = bool(password) and right and account is not None
    with write_transaction():
        user = db.session.get(User, account.id, with_for_update=True) if account else None
        target = {"actor": user, "object_type": "user", "object_id": user.id} if user else {}
        if right and user is not None and user.active:
            # The attempt was counted as a failure in case it was one: it was not.
            db.session.execute(delete(SignInFailure).where(SignInFailure.id == attempt_id))
            user.locked_until = None
            user.last_login_at = now
            record_event("login", actor=user, object_type="user", object_id=user.id)
            return SignInResult(user)
        reason = "unknown email" if user is None else "account disabled" if not user.active else "wrong password"
        record_event("login", outcome="failure", details={"email": email, "reason": reason}, **target)
        if attempt_locks_until is not None and user is not None:
            _record_lock(user)
        return SignInResult(None, locked_until=attempt_locks_until)


def _serialise_attempts_on(email: str) -> None:
    """PostgreSQL: attempts on one email address, with an account or not, take turns until their
    transaction ends, so two cannot both count the failures before either adds its own (an
    unknown email has no user row to lock). SQLite's write lock already makes them take turns."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(b"sign-in:" + email.encode()).digest()[:8], "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _count_attempt(email: str, user_id: int | None, now) -> SignInFailure:
    """Record an attempt as a failure (inside the caller's write transaction) and lock the email
    address if it is one too many; the caller takes it back if the password proves right."""
    config = current_app.config
    recent = _failures_since(SignInFailure.email, email, now - config["LOGIN_FAILURE_WINDOW"])
    attempt = SignInFailure(occurred_at=now, email=email, ip_address=_request_address())
    if recent + 1 >= config["LOGIN_MAX_FAILURES"]:
        attempt.locks_until = now + config["LOGIN_LOCKOUT"]
        if user_id is not None:
            db.session.get(User, user_id).locked_until = attempt.locks_until
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _record_lock(user: User) -> None:
    config = current_app.config
    record_event("account_locked", outcome="failure", actor=user, object_type="user", object_id=user.id,
                 details={"locked_minutes": int(config["LOGIN_LOCKOUT"] / timedelta(minutes=1))})


def count_failure(email: str, user: User | None, now):
    """Record a failure (inside the caller's write transaction); lock the email address after
    too many in the window, and say until when."""
    config = current_app.config
    recent = _failures_since(SignInFailure.email, email, now - config["LOGIN_FAILURE_WINDOW"])
    failure = SignInFailure(occurred_at=now, email=email, ip_address=_request_address())
    db.session.add(failure)
    if recent + 1 < config["LOGIN_MAX_FAILURES"]:
        return None
    failure.locks_until = now + config["LOGIN_LOCKOUT"]
    if user is not None:
        user.locked_until = failure.locks_until
        record_event("account_locked", outcome="failure", actor=user, object_type="user", object_id=user.id,
                     details={"locked_minutes": int(config["LOGIN_LOCKOUT"] / timedelta(minutes=1))})
    return failure.locks_until


def sign_out(user: User) -> None:
    """End the session on the server: a new session token makes every copy of the old cookie
    worthless (and signs the account out on its other devices too)."""
    with write_transaction():
        user = db.session.get(User, user.id)
        user.rotate_session_token()
        record_event("logout", actor=user, object_type="user", object_id=user.id)


class AccountLocked(AccountError):
    """Too many wrong passwords: the account is locked and signed out everywhere."""

    def __init__(self, locked_until):
        super().__init__("Too many wrong attempts", "current_password")
        self.locked_until = locked_until


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Wrong current passwords count with failed sign-ins, and lock the account the same way."""
    with read_transaction():  # also ends the request's transaction, so the hash holds no lock
        stored_hash, email, name = db.session.execute(
            select(User.password_hash, User.email, User.display_name).filter_by(id=user.id)).one()
    too_long = len(current_password) > current_app.config["PASSWORD_MAX_LENGTH"]
    if too_long or not check_password_hash(stored_hash, current_password):
        with write_transaction():
            user = db.session.get(User, user.id, with_for_update=True)
            record_event("login", outcome="failure", actor=user, object_type="user", object_id=user.id,
                         details={"email": user.email, "reason": "wrong current password"})
            locked_until = count_failure(user.email, user, utcnow())
            if locked_until is not None:
                user.rotate_session_token()
        if locked_until is not None:
            raise AccountLocked(locked_until)
        raise AccountError("Enter your current password correctly", "current_password")
    if current_password == new_password:
        raise AccountError("Choose a password that is different from your current one", "password")
    new_hash = hash_password(new_password, (email, name))
    with write_transaction():
        user = db.session.get(User, user.id)
        user.password_hash = new_hash
        user.must_change_password = False
        user.rotate_session_token()
        record_event("password_changed", actor=user, object_type="user", object_id=user.id)


def reload_user(user_id: int) -> User:
    return db.session.get(User, user_id, populate_existing=True)


def users_by_name() -> list[User]:
    return db.session.scalars(db.select(User).order_by(User.display_name)).all()


class TeamNotConfirmed(AccountError):
    """A team name nobody knows: the admin is asked to confirm it before it becomes a team."""

    def __init__(self, message, name):
        super().__init__(message, "name")
        self.name = name


TEAM_NAME_MAX = 100


def _team_name(name) -> str:
    return " ".join(str(name or "").split())


def known_team_names() -> list[str]:
    """The teams a user or an action may be given: every team in the loaded case data, and
    every team an admin added on purpose (or that an earlier release created)."""
    names = set(db.session.scalars(select(Team.name)))
    for column in (Referral.team, CPPlan.team):
        names |= set(db.session.scalars(select(column).where(column.is_not(None)).distinct()))
    return sorted({name for name in names if name and name.strip()})


def known_team(name) -> Team | None:
    """The team with exactly this name if it is known (its row made for a case-data team seen for
    the first time), or None: a name nobody knows never becomes a team here."""
    name = _team_name(name)
    team = db.session.scalars(select(Team).filter_by(name=name)).first()
    if team is None and name in known_team_names():
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def teams_named(names, *, new=()) -> list[Team]:
    """The known teams with these names. A name in `new` is created if nobody knows it (a team
    configured on purpose: the demo's, a sign-on provider's group map, the CLI's --new-team);
    any other unknown name is refused, so a typo never silently becomes a team."""
    new = {_team_name(n) for n in new}
    teams = []
    for name in sorted({_team_name(n) for n in names if _team_name(n)}):
        team = known_team(name)
        if team is None and name in new and len(name) <= TEAM_NAME_MAX:
            team = Team(name=name)
            db.session.add(team)
            db.session.flush()
        if team is None:
            raise AccountError(f"{name[:TEAM_NAME_MAX]} is not a team we know: choose teams from the list, "
                               "or add the team on the Teams page first", "teams")
        teams.append(team)
    return teams


def add_team(name, *, confirmed_as, added_by) -> Team:
    """An admin adds a team on purpose. A name nobody knows is added only when confirmed_as is
    the same name, which the page asks for by showing it back ("Create team 'Compas'?") with a
    near match, so a typo is seen before it becomes a team."""
    name = _team_name(name)
    if not name:
        raise AccountError("Enter the team's name", "name")
    if len(name) > TEAM_NAME_MAX:
        raise AccountError(f"A team's name must be {TEAM_NAME_MAX} characters or fewer", "name")
    known = known_team_names()
    same = [k for k in known if k.casefold() == name.casefold()]
    if same:
        raise AccountError(f"{same[0]} is already a team", "name")
    if _team_name(confirmed_as) != name:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise TeamNotConfirmed(f"{name} is not a team we know.{hint} To create team \u2018{name}\u2019, "
                               "tick the box and add it again.", name)
    with write_transaction():
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
        record_event("team_added", actor=added_by, object_type="team", object_id=team.id,
                     details={"team": name})
    return team


def team_names() -> list[str]:
    return known_team_names()


@dataclass
class TeamRow:
    name: str
    in_case_data: bool
    managers: list[str]  # active team managers' names: none means concerns go to the QA leads


def team_list() -> list[TeamRow]:
    """Every known team, whether the case data names it, and who manages it (the Teams page)."""
    in_data = set()
    for column in (Referral.team, CPPlan.team):
        in_data |= set(db.session.scalars(select(column).where(column.is_not(None)).distinct()))
    managers = {}
    for user in people.active_users(people.holds(Role.TEAM_MANAGER)):
        for name in user.team_names:
            managers.setdefault(name, []).append(user.display_name)
    return [TeamRow(name, name in in_data, sorted(managers.get(name, []))) for name in known_team_names()]


def _validate_profile(email, display_name, roles, agency, team_names=()):
    if not EMAIL_PATTERN.match(email) or has_invisible_characters(email) or len(email) > 254:
        raise AccountError("Enter an email address in the correct format, like name@example.org", "email")
    if not display_name.strip():
        raise AccountError("Enter the person's name", "display_name")
    if not roles:
        raise AccountError("Select at least one role", "roles")
    if agency not in {a.value for a in Agency}:
        raise AccountError("Select the person's agency", "agency")
    if Role.TEAM_MANAGER in {Role(r) for r in roles} and not [t for t in team_names if t and t.strip()]:
        # Concerns and actions reach a manager through their team: one without a team sees nothing.
        raise AccountError("A team manager must have a team: choose the team they manage", "teams")


def create_user(*, email, display_name, password, roles, agency=Agency.CHILDRENS_SOCIAL_CARE.value,
                team_names=(), must_change_password=False, created_by=None, demo_password=False,
                new_teams=()) -> User:
    """demo_password: only for the demo loader (development and test only), whose users share
    the published demo password that the rules refuse for anyone else. new_teams: team names
    created on purpose if nobody knows them (see teams_named); every other name must be known."""
    email = normalise_email(email)
    roles = {Role(r) for r in roles}
    _validate_profile(email, display_name, roles, agency, team_names)
    password_hash = (new_password_hash(password) if demo_password
                     else hash_password(password, (email, display_name)))
    with write_transaction():
        if db.session.scalars(db.select(User).filter_by(email=email)).first():
            raise AccountError("A user with this email address already exists", "email")
        user = User(email=email, display_name=display_name.strip(), password_hash=password_hash,
                    agency=agency, must_change_password=must_change_password)
        user.roles = roles
        user.teams = teams_named(team_names, new=new_teams)
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
        _validate_profile(user.email, display_name, roles, agency, team_names)
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
    with read_transaction():
        details = db.session.execute(select(User.email, User.display_name).filter_by(id=user_id)).first()
    if details is None:
        raise AccountError("That user does not exist")
    new_hash = hash_password(password, tuple(details))
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


# -- the same per-address limit for public pages that take a secret (issue 25: family feedback) --

def address_throttled() -> bool:
    """Whether this address has failed too often lately (sign-ins and wrong feedback links and
    codes together) and must wait: one budget per address, LOGIN_ADDRESS_MAX_FAILURES in
    LOGIN_FAILURE_WINDOW."""
    config = current_app.config
    address = _request_address()
    return address is not None and _failures_since(
        SignInFailure.ip_address, address, utcnow() - config["LOGIN_FAILURE_WINDOW"]) >= config["LOGIN_ADDRESS_MAX_FAILURES"]


def count_address_failure() -> None:
    """A wrong secret from this address, counted against the address only (no email)."""
    with write_transaction():
        db.session.add(SignInFailure(occurred_at=utcnow(), email=None, ip_address=_request_address()))
