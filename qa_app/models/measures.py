"""Figures worked out from the loaded case data, kept until the data changes."""
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db
from qa_app.models.base import utcnow


class MeasuresCache(db.Model):
    """One set of figures for the measures page (the dashboard, one period beside the year
    before, the data-quality counts), with the version of the data it was worked out from
    (qa_app.services.measures_cache.data_version). In the database, not in a worker's memory,
    so every gunicorn worker sees the same figures and none keeps stale ones."""

    __tablename__ = "measures_cache"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # "dashboard", "comparison 2014-04-01 …"
    data_version: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
