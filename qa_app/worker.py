"""The worker process: `flask --app wsgi worker` runs queued jobs until it is stopped.

SIGTERM (systemd's stop, `kill PID`): finish the running job, then exit.
SIGINT (Ctrl-C): stop at once; the running job is failed cleanly with a reason.
Either signal while idle exits at once. A worker killed outright (SIGKILL, power cut) leaves
its job "running": the next worker's start-up sweep, or any worker's sweep once the job's lease
has passed, fails it and its handler cleans up.
"""
import logging
import signal
import threading
import time

from flask import current_app
from sqlalchemy.exc import DBAPIError

from qa_app.extensions import db
from qa_app.services import jobs

log = logging.getLogger("casefile.worker")
SWEEP_EVERY_SECONDS = 60


class Worker:
    def __init__(self):
        self.stop_requested = threading.Event()
        self.busy = False

    def _on_term(self, signum, frame):
        self.stop_requested.set()
        if self.busy:
            log.info("Stopping after the running job (Ctrl-C to stop now)")

    def _on_int(self, signum, frame):
        if self.stop_requested.is_set() and not self.busy:
            return
        self.stop_requested.set()
        if self.busy:
            raise KeyboardInterrupt

    def install_signal_handlers(self):
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_int)

    def run(self, once: bool = False) -> int:
        """Run jobs until stopped (or, with once, until none is queued). Returns jobs run."""
        poll = current_app.config["JOB_POLL_SECONDS"]
        beat_every = current_app.config["JOB_HEARTBEAT_SECONDS"]
        retry = first_retry = current_app.config["WORKER_RETRY_SECONDS"]
        log.info("Worker %s started", jobs.WORKER_ID)
        next_sweep = next_beat = time.monotonic()
        ran = 0
        while not self.stop_requested.is_set():
            try:
                if time.monotonic() >= next_beat:
                    jobs.beat()
                    next_beat = time.monotonic() + beat_every
                if time.monotonic() >= next_sweep:
                    for job_id in jobs.sweep_stale():
                        log.warning("Job %s was left running by a worker that stopped; marked failed", job_id)
                    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                claimed = jobs.claim()
            except DBAPIError as error:
                # A locked, restarting or unreachable database is not a reason to die: under
                # `make run` or systemd a dead worker leaves imports waiting for ever.
                db.session.remove()
                log.warning("The database could not be reached (%s); trying again in %.0f s",
                            str(error.orig or error).strip().splitlines()[0][:200], retry)
                self.stop_requested.wait(retry)
                retry = min(retry * 2, 60)
                continue
            retry = first_retry
            db.session.remove()
            if claimed is None:
                if once:
                    break
                self.stop_requested.wait(poll)
                continue
            job_id, kind, _ = claimed
            log.info("Job %s (%s) started", job_id, kind)
            self.busy = True
            try:
                outcome = jobs.run_claimed(*claimed)
            except KeyboardInterrupt:
                log.info("Job %s (%s) stopped and marked failed", job_id, kind)
                break
            finally:
                self.busy = False
            ran += 1
            log.info("Job %s (%s) %s", job_id, kind, outcome)
        try:
            jobs.stop_beating()
        except DBAPIError:
            pass  # its heartbeat simply goes stale
        db.session.remove()
        log.info("Worker %s stopped", jobs.WORKER_ID)
        return ran
