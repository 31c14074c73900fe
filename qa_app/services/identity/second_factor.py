"""A second factor for local (password) accounts: an authenticator app's time-based codes
(TOTP, RFC 6238, 30-second steps, 6 digits) and ten single-use recovery codes kept hashed.
Wrong codes count towards the same lockout as wrong passwords."""
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import RecoveryCode, SecondFactor, User
from qa_app.models.base import utcnow
from qa_app.services import accounts
from qa_app.services.audit_trail import record_event

ISSUER_NAME = "Casefile QA"
RECOVERY_CODES = 10
STEP_SECONDS = 30
# One step either side: a phone's clock a little out, or a code typed as it changes.
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
DEMO_DOMAIN = "@demo.casefile.test"


class CodeRefused(Exception):
    """The message is for the user; locked_until is set when this failure locked the account."""

    def __init__(self, message, locked_until=None):
        super().__init__(message)
        self.locked_until = locked_until


WRONG_CODE = "Enter the correct code from your authenticator app, or one of your recovery codes"
USED_CODE = "That code has already been used. Wait for your authenticator app to show a new one"


def enrolled(user_id: int) -> bool:
    return db.session.scalar(select(SecondFactor.enrolled_at).filter_by(user_id=user_id)) is not None


def required_for(user: User) -> bool:
    """Whether this password-signed-in user must have a second factor before going further."""
    rule = current_app.config["SECOND_FACTOR"]
    if rule == "required":
        return True
    if rule == "demo accounts may skip":
        return not user.email.endswith(DEMO_DOMAIN)
    return False


def _hash_recovery_code(code: str) -> str:
    # Codes carry 80 random bits, so a fast hash is enough: there is nothing to guess from it.
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def start_enrolment(user: User) -> str:
    """A new secret for the user to add to their app; not in force until a code from it is
    confirmed. Asking again before confirming gives a new secret."""
    with write_transaction():
        factor = db.session.get(SecondFactor, user.id)
        if factor is not None and factor.enrolled_at is not None:
            raise accounts.AccountError("You already have a second factor set up")
        if factor is None:
            factor = SecondFactor(user_id=user.id, totp_secret=pyotp.random_base32())
            db.session.add(factor)
        return factor.totp_secret


def pending_secret(user: User) -> str | None:
    factor = db.session.get(SecondFactor, user.id)
    return factor.totp_secret if factor is not None and factor.enrolled_at is None else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)


def qr_code_svg(uri: str) -> str:
    """The QR code as inline SVG, drawn here: the secret never goes to another service."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff")


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Put the second factor in force once a code from the app proves it was set up; returns the
    ten recovery codes, shown to the user this once."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    with write_transaction():
        factor = db.session.get(SecondFactor, user.id, with_for_update=True)
        if factor is None or factor.enrolled_at is not None:
            raise accounts.AccountError("Start setting up your authenticator app again", "code")
        step = _matching_step(factor.totp_secret, code, time.time())
        if step is None:
            raise accounts.AccountError("Enter the 6-digit code your authenticator app shows now", "code")
        factor.enrolled_at = utcnow()
        factor.last_used_step = step
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(c)) for c in codes)
        record_event("second_factor_enrolled", actor=user, object_type="user", object_id=user.id)
    return codes


def check_sign_in_code(user_id: int, code: str, *, now: float | None = None) -> str:
    """Check the code given at sign-in after a right password: an authenticator code not used
    before in its window, or an unused recovery code. Returns "authenticator" or "recovery
    code"; a wrong or reused code counts as a failed sign-in and raises CodeRefused."""
    now = time.time() if now is None else now
    moment = utcnow()
    with write_transaction():
        user = db.session.get(User, user_id, with_for_update=True)
        factor = db.session.get(SecondFactor, user_id)
        if user is None or not user.active or factor is None or factor.enrolled_at is None:
            raise CodeRefused(WRONG_CODE)
        if user.locked_until is not None and user.locked_until > moment:
            raise CodeRefused(WRONG_CODE, user.locked_until)
        step = _matching_step(factor.totp_secret, code, now)
        if step is not None and (factor.last_used_step is None or step > factor.last_used_step):
            factor.last_used_step = step
            return "authenticator"
        recovery = None
        if step is None and normalise_recovery_code(code):
            recovery = db.session.scalars(select(RecoveryCode).filter_by(
                user_id=user_id, code_hash=_hash_recovery_code(code), used_at=None)).first()
        if recovery is not None:
            recovery.used_at = moment
            left = db.session.scalar(select(db.func.count(RecoveryCode.id)).filter_by(user_id=user_id, used_at=None))
            record_event("recovery_code_used", actor=user, object_type="user", object_id=user.id,
                         details={"recovery_codes_left": left - 1})
            return "recovery code"
        reused = step is not None
    # A failure is kept in a transaction of its own, so nothing above is half-done.
    with write_transaction():
        user = db.session.get(User, user_id, with_for_update=True)
        record_event("login", outcome="failure", actor=user, object_type="user", object_id=user.id,
                     details={"email": user.email, "reason": "reused code" if reused else "wrong code"})
        locked_until = accounts.count_failure(user.email, user, moment)
        if locked_until is not None:
            user.rotate_session_token()
    raise CodeRefused(USED_CODE if reused else WRONG_CODE, locked_until)


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(select(db.func.count(RecoveryCode.id)).filter_by(user_id=user_id, used_at=None)) or 0


def reset(user_id: int, *, reset_by: User) -> None:
    """An admin's reset, for a lost phone: the user sets up a second factor again at their next
    sign-in, and is signed out everywhere now."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise accounts.AccountError("That user does not exist")
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))
        user.rotate_session_token()
        record_event("second_factor_reset", actor=reset_by, object_type="user", object_id=user_id,
                     details={"email": user.email})


def set_up_for_demo(user: User, secret: str) -> None:
    """Development only: the demo account whose authenticator secret `make run` prints."""
    with write_transaction():
        db.session.merge(SecondFactor(user_id=user.id, totp_secret=secret, enrolled_at=utcnow()))


def summary_by_user() -> dict[int, bool]:
    """Which users have a second factor in force, for the admin's users page."""
    return {user_id: True for user_id in db.session.scalars(
        select(SecondFactor.user_id).where(SecondFactor.enrolled_at.is_not(None)))}
