"""Durable background jobs: a row in the `job` table, claimed and run by a worker process.

The web app only queues (`enqueue`); `flask --app wsgi worker` claims the oldest queued job
with an UPDATE ... WHERE status = 'queued' (and SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL, so several workers never take the same job), runs it, and keeps its heartbeat
fresh from a side thread. A running job whose worker died is found by a sweep (on every
worker start, and every minute) and failed with a reason; its handler cleans up so nothing
half-written is left.

Tests (JOBS_IN_PROCESS) run each queued job through the same claim and run code in a thread of
the test process, so that pages that poll a job's progress work without a worker.
"""
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import delete, func, select, update

from qa_app.db import is_sqlite, write_transaction
from qa_app.extensions import db
from qa_app.models import Job, JobStatus, WorkerHeartbeat
from qa_app.models.base import utcnow

log = logging.getLogger("casefile.jobs")

WORKER_ID = f"{socket.gethostname()[:100]}:{os.getpid()}"
INTERRUPTED = ("the worker running it stopped part-way (it was restarted, killed or the "
               "machine went down)")
STOPPED = "the worker was stopped while it ran"
FAULT = "a fault in the service"


@dataclass(frozen=True)
class Handler:
    run: Callable[[dict], None]
    # Called (in an app context) when a job cannot finish: undo or mark what it started.
    abandoned: Callable[[dict, str], None]


HANDLERS: dict[str, Handler] = {}


def register(kind: str, run, abandoned) -> None:
    HANDLERS[kind] = Handler(run, abandoned)


def enqueue(kind: str, payload: dict) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"No handler for job kind {kind!r}")
    with write_transaction():
        job = Job(kind=kind, payload=payload)
        db.session.add(job)
    if current_app.config.get("JOBS_IN_PROCESS"):
        _run_in_thread(job.id)
    return job


# -- is a worker running? ---------------------------------------------------------------------

def beat(worker: str = WORKER_ID) -> None:
    """This worker is alive (written idle or busy)."""
    with write_transaction():
        row = db.session.get(WorkerHeartbeat, worker)
        if row is None:
            db.session.add(WorkerHeartbeat(worker=worker, beat_at=utcnow()))
        else:
            row.beat_at = utcnow()


def stop_beating(worker: str = WORKER_ID) -> None:
    """A worker stopping cleanly says so at once, rather than after WORKER_SILENT_SECONDS."""
    with write_transaction():
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))


def worker_running() -> bool:
    """Whether any worker has shown a sign of life in the last WORKER_SILENT_SECONDS: its own
    heartbeat, or a running job's. Tests that run jobs in process always have one."""
    if current_app.config.get("JOBS_IN_PROCESS"):
        return True
    since = utcnow() - timedelta(seconds=current_app.config["WORKER_SILENT_SECONDS"])
    latest = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    if latest is not None and latest > since:
        return True
    return db.session.scalar(select(func.count(Job.id)).where(
        Job.status == JobStatus.RUNNING.value, Job.heartbeat_at > since)) > 0


# -- claiming and running -------------------------------------------------------------------

def claim(job_id: int | None = None, worker: str = WORKER_ID):
    """Take the oldest queued job (or the given one) for this worker: (id, kind, payload) or None."""
    with write_transaction():
        query = (select(Job.id, Job.kind, Job.payload).where(Job.status == JobStatus.QUEUED.value)
                 .order_by(Job.id).limit(1))
        if job_id is not None:
            query = query.where(Job.id == job_id)
        if not is_sqlite():  # SQLite's BEGIN IMMEDIATE already serialises claims
            query = query.with_for_update(skip_locked=True)
        found = db.session.execute(query).first()
        if found is None:
            return None
        now = utcnow()
        claimed = db.session.execute(
            update(Job).where(Job.id == found.id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.RUNNING.value, worker=worker, started_at=now, heartbeat_at=now,
                    attempts=Job.attempts + 1)).rowcount
    return tuple(found) if claimed == 1 else None


def run_claimed(job_id: int, kind: str, payload: dict) -> str:
    """Run a claimed job to its end and record how it ended. KeyboardInterrupt and SystemExit
    (the worker told to stop now) fail the job cleanly, then go on up."""
    handler = HANDLERS.get(kind)
    if handler is None:
        _finish(job_id, JobStatus.FAILED, f"no handler for job kind {kind!r}")
        return JobStatus.FAILED
    heartbeat = _Heartbeat(job_id, current_app.config["JOB_HEARTBEAT_SECONDS"])
    heartbeat.start()
    try:
        handler.run(payload)
    except BaseException as error:
        db.session.rollback()
        stopping = not isinstance(error, Exception)
        if not stopping:
            log.exception("Job %s (%s) failed", job_id, kind)
        reason = STOPPED if stopping else FAULT
        heartbeat.stop()
        if _finish(job_id, JobStatus.FAILED, reason):
            _abandon(handler, job_id, payload, reason)
        if stopping:
            raise
        return JobStatus.FAILED
    finally:
        heartbeat.stop()
        db.session.remove()
    _finish(job_id, JobStatus.SUCCEEDED)
    return JobStatus.SUCCEEDED


def _finish(job_id: int, status: JobStatus, error: str | None = None, *, worker=None) -> bool:
    """Mark a running job finished; False when it was not running (a sweep got there first)."""
    condition = [Job.id == job_id, Job.status == JobStatus.RUNNING.value]
    if worker is not None:
        condition.append(Job.worker == worker)
    with write_transaction():
        return db.session.execute(update(Job).where(*condition).values(
            status=status.value, error=error, finished_at=utcnow())).rowcount == 1


def _abandon(handler: Handler, job_id: int, payload: dict, reason: str) -> None:
    try:
        handler.abandoned(payload, reason)
    except Exception:  # logged; the job itself is already marked failed
        db.session.rollback()
        log.exception("Cleaning up after job %s failed", job_id)


class _Heartbeat:
    """Refreshes the job's heartbeat from a side thread, on its own connection."""

    def __init__(self, job_id: int, every: float):
        self.job_id, self.every = job_id, every
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopped.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(5)

    def _beat(self):
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(
                        Job.id == self.job_id, Job.status == JobStatus.RUNNING.value)
                        .values(heartbeat_at=utcnow()))
            except Exception:  # a busy database: try again next beat, well inside the lease
                log.warning("Job %s: heartbeat not written this time", self.job_id, exc_info=True)


# -- the stale-job sweep --------------------------------------------------------------------

def _dead_here(worker: str | None) -> bool:
    """True when the worker ran on this machine and its process no longer exists."""
    host, _, pid = (worker or "").rpartition(":")
    if host != WORKER_ID.rpartition(":")[0] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def sweep_stale() -> list[int]:
    """Fail running jobs whose worker is gone: heartbeat older than the lease, or a process on
    this machine that no longer exists. Returns the ids failed."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    running = db.session.execute(select(Job.id, Job.kind, Job.payload, Job.worker, Job.heartbeat_at)
                                 .where(Job.status == JobStatus.RUNNING.value)).all()
    db.session.rollback()
    failed = []
    for job_id, kind, payload, worker, heartbeat_at in running:
        if not (heartbeat_at is None or heartbeat_at < cutoff or _dead_here(worker)):
            continue
        if not _finish(job_id, JobStatus.FAILED, INTERRUPTED, worker=worker):
            continue
        log.warning("Job %s (%s) failed: %s", job_id, kind, INTERRUPTED)
        if kind in HANDLERS:
            _abandon(HANDLERS[kind], job_id, payload, INTERRUPTED)
        failed.append(job_id)
    return failed


def queue_health(max_wait: timedelta) -> dict:
    """For monitoring: jobs by status, the oldest queued job's wait, jobs swept in the last day."""
    now = utcnow()
    counts = dict(db.session.execute(select(Job.status, db.func.count()).group_by(Job.status)).all())
    oldest = db.session.scalar(select(db.func.min(Job.created_at)).where(Job.status == JobStatus.QUEUED.value))
    swept = db.session.scalar(select(db.func.count()).select_from(Job).where(
        Job.status == JobStatus.FAILED.value, Job.error == INTERRUPTED,
        Job.finished_at >= now - timedelta(days=1)))
    waited = (now - oldest).total_seconds() if oldest else 0
    return {"counts": {s.value: counts.get(s.value, 0) for s in JobStatus},
            "oldest_queued_seconds": round(waited), "abandoned_last_day": swept,
            "healthy": waited <= max_wait.total_seconds() and not swept}


# -- in-process jobs for tests --------------------------------------------------------------

_in_process: set[threading.Thread] = set()


def _run_in_thread(job_id: int) -> None:
    app = current_app._get_current_object()

    def work():
        try:
            with app.app_context():
                claimed = claim(job_id)
                if claimed:
                    run_claimed(*claimed)
        finally:
            _in_process.discard(threading.current_thread())

    thread = threading.Thread(target=work, name=f"job-{job_id}", daemon=True)
    _in_process.add(thread)
    thread.start()


def wait_for_in_process_jobs(timeout: float = 60) -> None:
    for thread in list(_in_process):
        thread.join(timeout)


__all__ = ["enqueue", "claim", "run_claimed", "sweep_stale", "register", "queue_health",
           "wait_for_in_process_jobs"]
