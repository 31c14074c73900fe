"""How people prove who they are beyond a password: a link to an OpenID provider's account,
and a second factor (an authenticator app's secret and single-use recovery codes)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db
from qa_app.models.base import utcnow


class IdentityLink(db.Model):
    """This user is the provider's account `subject` at `issuer`. Made at the first single sign-on
    that matched by email; later sign-ins match on it, so a changed email at the provider still
    reaches the same user, and a reused email address never reaches someone else's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(60))  # the configured provider's name
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_identity_link_issuer_subject"),
        Index("ix_identity_link_user_id", "user_id"),
    )


class SecondFactor(db.Model):
    """A local account's authenticator app (TOTP, RFC 6238). `enrolled_at` is empty while the
    user has been shown the secret but has not yet proved they hold it."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    totp_secret: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None]
    # The 30-second time step of the last accepted code: a code is refused at or before it, so
    # one seen over a shoulder or replayed cannot be used again in its window.
    last_used_step: Mapped[int | None]


class RecoveryCode(db.Model):
    """One of ten single-use codes for when the authenticator is lost; only a hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_recovery_code_user_id", "user_id"),)
