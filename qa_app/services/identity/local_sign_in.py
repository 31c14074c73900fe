"""Password sign-in's rules beyond the password itself: LOCAL_SIGN_IN, and the account waiting
for its second factor's code."""
import hashlib
import hmac

from flask import current_app

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.services.audit_trail import record_event

LOCAL_SIGN_IN_OFF = ("Sign in with your organisation's account. Only admins may sign in with a password "
                     "here")


def refusal_for(user: User) -> str | None:
    """With LOCAL_SIGN_IN=admins-only only an admin (a break-glass account) uses a password; the
    refusal is in the audit trail."""
    if current_app.config["LOCAL_SIGN_IN"] == "admins-only" and not user.has_role(Role.ADMIN):
        with write_transaction():
            record_event("login", outcome="failure", actor=user, object_type="user", object_id=user.id,
                         details={"email": user.email, "reason": "local sign-in is for admins only"})
        return LOCAL_SIGN_IN_OFF
    return None


def record_password_sign_in(user_id: int) -> None:
    with write_transaction():
        db.session.get(User, user_id).last_sign_in_method = "password"


def pending_mark(user: User) -> str:
    """What the code step remembers of the account the right password was given for: a digest of
    its password hash. A password change, or a new one-time password from an admin, between the
    two steps changes it (sessions hold only a token's hash now, so there is no per-user token
    to compare), and a reset second factor or a disabled account is caught by the step itself."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def waiting_user(user_id, mark) -> User | None:
    """The account a right password was given for, if it is still active and its password has
    not changed since."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not isinstance(mark, str) \
            or not hmac.compare_digest(pending_mark(user), mark):
        return None
    return user
