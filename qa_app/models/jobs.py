"""Background jobs: a row the web app writes and a worker (`flask --app wsgi worker`) claims.

A job is queued, then running (claimed by one worker, which keeps `heartbeat_at` fresh), then
succeeded or failed. A running job whose heartbeat is older than the lease belongs to a worker
that died: the next sweep fails it cleanly with a reason.
"""
import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db
from qa_app.models.base import utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # a registered handler, e.g. "import"
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # ids only, never case content
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the claiming worker
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    # The worker's two questions: the oldest queued job, and running jobs past their lease.
    __table_args__ = (Index("ix_job_status_id", "status", "id"),)


class WorkerHeartbeat(db.Model):
    """A worker's last sign of life (host:pid), written every JOB_HEARTBEAT_SECONDS whether it is
    idle or busy, so that pages can say when no worker is running."""

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    beat_at: Mapped[datetime]
