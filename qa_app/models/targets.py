"""Targets QA leads set for the board pack's measures, and the partnership's own settings."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db
from qa_app.models.base import utcnow


class MeasureTarget(db.Model):
    """A target for one measure from a financial year on (2015 for 2015/16), until a later one
    replaces it. Values are in the measure's own unit: 9.5 for 9.5%, 450.0 for a rate."""

    __tablename__ = "measure_target"
    __table_args__ = (UniqueConstraint("measure", "from_year", name="uq_measure_target_measure_from_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Float)
    amber_tolerance: Mapped[float] = mapped_column(Float)
    polarity: Mapped[str] = mapped_column(String(10))  # higher, lower, neither
    from_year: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnershipSetting(db.Model):
    """A setting an admin keeps in the app rather than in configuration (the partnership's name)."""

    __tablename__ = "partnership_setting"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
