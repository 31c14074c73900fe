import enum
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table, delete
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_tools.records import AGENCY_LABELS
from qa_app.extensions import db
from qa_app.models.base import stored_as_value, utcnow


class Role(enum.StrEnum):
    AUDITOR = "auditor"
    QA_LEAD = "qa_lead"
    TEAM_MANAGER = "team_manager"
    ADMIN = "admin"
    PRACTITIONER = "practitioner"  # any agency's worker whose case is audited (issue 25)

    @property
    def label(self) -> str:
        return {
            "auditor": "Auditor",
            "qa_lead": "QA lead",
            "team_manager": "Team manager",
            "admin": "Admin",
            "practitioner": "Practitioner",
        }[self.value]


# The agencies and their labels are audit_tools' vocabulary (audit_tools/records.py): CHILDRENS_SOCIAL_CARE,
# POLICE, HEALTH, EDUCATION, PROBATION, EARLY_HELP, OTHER.
Agency = enum.StrEnum("Agency", {value.upper(): value for value in AGENCY_LABELS})
Agency.label = property(lambda self: AGENCY_LABELS[self.value])


user_team = Table(
    "user_team",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    """A referral or case team, such as "Compass" or "North"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def session_token_hash(token: str) -> str:
    """What the database keeps of a session token. The token is 24 random bytes, so a plain
    SHA-256 is enough: there is nothing to guess, only nothing to copy."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    agency: Mapped[str] = mapped_column(String(40), default=Agency.CHILDRENS_SOCIAL_CARE.value)
    # Set with a one-time password from an admin: the user must choose their own at sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    # Start of the current 15-minute window of failed sign-ins.
    failed_login_window_start: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # "password" or "sso:<provider name>": how the user last signed in, shown to admins.
    last_sign_in_method: Mapped[str | None] = mapped_column(String(80))

    teams: Mapped[list[Team]] = relationship(secondary=user_team, order_by=Team.name)
    # Loaded with the user: every request asks the signed-in user's roles several times.
    role_grants: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_active(self) -> bool:
        return self.active

    # The token of the session this request belongs to (set at sign-in or when the cookie is
    # read); only its hash is stored, in user_session.
    session_token = None  # not a column

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("start a session (qa_app.security.start_session) before signing the user in")
        return f"{self.id}.{self.session_token}"

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    @roles.setter
    def roles(self, roles) -> None:
        wanted = {Role(role) for role in roles}
        # Kept rows stay (deleting and re-adding one would collide on its key in one flush).
        self.role_grants = [grant for grant in self.role_grants if grant.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - self.roles)]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def agency_label(self) -> str:
        return Agency(self.agency).label

    @property
    def team_names(self) -> list[str]:
        return [team.name for team in self.teams]

    def rotate_session_token(self) -> None:
        """End every session of this user (signing out, a password change, a lock, disabling):
        each device's next request finds its token gone."""
        db.session.execute(delete(UserSession).where(UserSession.user_id == self.id))
        self.session_token = None


class UserSession(db.Model):
    """One signed-in session (a browser on a device). Only the hash of its token is kept, so
    neither the database nor a backup of it holds anything a cookie could be made from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRole(db.Model):
    """One role a user holds; a user may hold several. "The QA leads" and "the auditors of an
    agency" are queries on this table (qa_app/services/people.py)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(stored_as_value(Role, 20), primary_key=True)

    # The primary key (user, role) answers "this user's roles"; this answers "who holds a role".
    __table_args__ = (Index("ix_user_role_role_user_id", "role", "user_id"),)


class SignInFailure(db.Model):
    """A failed sign-in (or wrong current password), kept to lock an email address after too many
    in a short time and to slow an address that keeps failing. The same rule for every email, with
    an account or without, so a lock does not tell anyone that an account exists."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Normalised as typed; none for an attempt on an already locked address, which counts
    # against the network address only (it must not make the lock last longer).
    email: Mapped[str | None] = mapped_column(String(254))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    # Set on the failure that locked the email address: until when.
    locks_until: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_sign_in_failure_email_occurred_at", "email", "occurred_at"),
        Index("ix_sign_in_failure_ip_address_occurred_at", "ip_address", "occurred_at"),
    )
