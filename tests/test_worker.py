"""Uploaded imports are durable jobs: a real worker process runs them, and a worker killed
mid-import leaves nothing half-written and the batch failed with a reason."""
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from qa_app.extensions import db
from qa_app.models import AuditEvent, ImportBatch, Job, Referral, StagedReferral
from qa_app.models.base import utcnow
from qa_app.services import imports, jobs
from tests.case_data_helpers import REFERRAL_HEADINGS, write_csv

ROOT = Path(__file__).resolve().parents[1]
BIG_ROWS = 200_000


@contextmanager
def running_worker(app, database_url):
    """A real `flask --app wsgi worker` process on the test's database and instance folder."""
    env = {**os.environ, "QA_ENV": "test", "TEST_DATABASE_URL": str(database_url),
           "QA_INSTANCE_DIR": app.instance_path, "JOB_POLL_SECONDS": "0.1",
           "JOB_HEARTBEAT_SECONDS": "0.5", "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.output = worker.communicate(timeout=30)[0]


def queue_for_worker(app, path) -> int:
    app.config["JOBS_IN_PROCESS"] = False  # the real worker process runs it, not this one
    with app.app_context():
        batch = imports.queue_import("referrals", path, Path(path).name)
        imports.start_import_in_background(batch.id)
        return batch.id


def batch_state(app, batch_id):
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        staged = db.session.scalar(select(func.count()).select_from(StagedReferral)
                                   .where(StagedReferral.batch_id == batch_id))
        real = db.session.scalar(select(func.count()).select_from(Referral))
        state = (batch.status, batch.rows_processed, staged, real, batch.errors)
        db.session.remove()
        return state


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def big_referrals(tmp_path) -> Path:
    """A file the row path reads (its team names are quoted, which the columnar reader leaves to
    it), so staging commits every STAGING_CHUNK rows and takes long enough to be killed part-way;
    the columnar path would stage and merge all of it between two looks at the batch."""
    return write_csv(tmp_path / "big.csv", REFERRAL_HEADINGS,
                     ([f"C{i}", f"R{i}", "2015-06-01", "NFA", "", "North, East"] for i in range(BIG_ROWS)))


def test_a_worker_killed_mid_import_leaves_nothing_written_and_the_next_worker_fails_the_batch(
        app, database_url, tmp_path):
    batch_id = queue_for_worker(app, big_referrals(tmp_path))
    with running_worker(app, database_url) as worker:
        # Killed once it has committed staged rows but before it could merge them.
        wait_until(lambda: batch_state(app, batch_id)[1] >= imports.STAGING_CHUNK, 60,
                   "the worker to stage the first rows")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    status, _, staged, real, _ = batch_state(app, batch_id)
    assert status == "checking" and staged > 0 and staged < BIG_ROWS
    assert real == 0, "the killed import wrote real referrals"

    # The next worker's start-up finds the dead worker's job and fails it cleanly...
    with running_worker(app, database_url) as worker:
        wait_until(lambda: batch_state(app, batch_id)[0] == "failed", 30, "the batch to fail")
        status, _, staged, real, errors = batch_state(app, batch_id)
        assert (staged, real) == (0, 0)
        assert "did not finish: the worker running it stopped part-way" in errors[0]["expected"]
        assert not list(Path(app.instance_path, "uploads").glob(f"batch-{batch_id}.*"))
        with app.app_context():
            job = db.session.scalars(select(Job)).one()
            assert job.status == "failed" and "stopped part-way" in job.error
            events = db.session.scalars(select(AuditEvent.action).where(
                AuditEvent.object_id == str(batch_id)).order_by(AuditEvent.id)).all()
            assert events == ["import_uploaded", "import_failed"]

        # ...and goes on to run the next upload to the end.
        good = write_csv(tmp_path / "good.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-06-01", "NFA", "", ""]])
        second = queue_for_worker(app, good)
        wait_until(lambda: batch_state(app, second)[0] == "succeeded", 30, "the next import")
        assert batch_state(app, second)[3] == 1
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(15) == 0
    assert "marked failed" in worker.output


def test_ctrl_c_stops_a_worker_at_once_and_fails_its_import_with_a_reason(app, database_url, tmp_path):
    batch_id = queue_for_worker(app, big_referrals(tmp_path))
    with running_worker(app, database_url) as worker:
        wait_until(lambda: batch_state(app, batch_id)[0] == "checking", 60, "the import to start")
        worker.send_signal(signal.SIGINT)
        assert worker.wait(30) == 0
    status, _, staged, real, errors = batch_state(app, batch_id)
    assert (status, staged, real) == ("failed", 0, 0)
    assert "the worker was stopped while it ran" in errors[0]["expected"]


def test_a_job_whose_heartbeat_is_older_than_the_lease_is_failed_by_the_sweep(app, client, login_as, tmp_path):
    """A worker on another machine that died: only its silence shows it."""
    app.config["JOBS_IN_PROCESS"] = False
    with app.app_context():
        path = write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-06-01", "NFA", "", ""]])
        batch = imports.queue_import("referrals", path, "r.csv")
        imports.start_import_in_background(batch.id)
        claimed = jobs.claim(worker="elsewhere:1")
        assert claimed is not None and jobs.claim() is None  # one worker per job
        job = db.session.get(Job, claimed[0])
        job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_LEASE_SECONDS"] - 30)
        db.session.commit()
        assert jobs.sweep_stale() == []  # still inside its lease
        job = db.session.get(Job, claimed[0])
        job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
        db.session.commit()
        assert jobs.sweep_stale() == [claimed[0]]
        batch = db.session.get(ImportBatch, batch.id)
        assert batch.status == "failed" and "did not finish" in batch.errors[0]["expected"]
        result = app.test_cli_runner().invoke(args=["jobs"])
        assert result.exit_code == 1 and '"abandoned_last_day": 1' in result.output
    login_as("qa_lead")
    html = client.get(f"/data/imports/{batch.id}").get_data(as_text=True)
    assert "The file was not imported" in html and "the worker running it stopped part-way" in html


def test_the_jobs_command_tells_monitoring_when_uploads_wait_with_no_worker(app, tmp_path):
    app.config["JOBS_IN_PROCESS"] = False
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["jobs"]).exit_code == 0
        path = write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-06-01", "NFA", "", ""]])
        imports.start_import_in_background(imports.queue_import("referrals", path, "r.csv").id)
        assert app.test_cli_runner().invoke(args=["jobs", "--max-wait", "60"]).exit_code == 0
        job = db.session.scalars(select(Job)).one()
        job.created_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "--max-wait", "60"])
    assert result.exit_code == 1
    assert '"queued": 1' in result.output and '"oldest_queued_seconds": 120' in result.output
