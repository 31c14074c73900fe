"""Second security review: with no worker running, the import page, the admin's home page and
the health check say so; the same file uploaded twice while queued is queued once; and the
worker rides out a database it cannot reach instead of exiting."""
import io
import logging

from sqlalchemy.exc import OperationalError

from qa_app.extensions import db
from qa_app.models import ImportBatch, Job, Role
from qa_app.services import jobs
from qa_app.worker import Worker
from tests.helpers import csrf_token, make_user, sign_in

CSV = b"child_id,referral_id,referral_date,decision\nC1,R1,2015-05-01,nfa\n"
NOT_RUNNING = "The background worker is not running"


def _upload(client):
    return client.post("/data/imports/new", data={
        "csrf_token": csrf_token(client), "kind": "referrals", "file": (io.BytesIO(CSV), "referrals.csv")},
        content_type="multipart/form-data")


def test_with_no_worker_the_import_page_the_admin_home_and_the_health_check_say_so(app, client):
    app.config["JOBS_IN_PROCESS"] = False  # nothing runs the queued job: as with no worker
    with app.app_context():
        user = make_user(Role.QA_LEAD, Role.ADMIN)
    sign_in(client, user.email)
    page = client.get(_upload(client).headers["Location"]).get_data(as_text=True)
    assert NOT_RUNNING in page
    assert NOT_RUNNING in client.get("/").get_data(as_text=True)
    assert client.get("/health").json == {"status": "ok", "worker": "not running"}
    with app.app_context():
        jobs.beat()  # a worker starts
    with app.app_context():
        batch_id = db.session.scalar(db.select(ImportBatch.id))
    assert NOT_RUNNING not in client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert NOT_RUNNING not in client.get("/").get_data(as_text=True)
    assert client.get("/health").json == {"status": "ok", "worker": "running"}


def test_the_same_file_uploaded_twice_while_the_first_waits_is_queued_once(app, client):
    app.config["JOBS_IN_PROCESS"] = False
    with app.app_context():
        user = make_user(Role.QA_LEAD)
    sign_in(client, user.email)
    first, second = _upload(client), _upload(client)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 1


def test_the_worker_retries_a_database_it_cannot_reach_and_carries_on(app, monkeypatch, caplog):
    app.config.update(WORKER_RETRY_SECONDS=0.01, JOB_POLL_SECONDS=0.01)
    real_claim, failures = jobs.claim, []

    def locked_twice(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("claim", {}, Exception("database is locked"))
        return real_claim(*args, **kwargs)
    monkeypatch.setattr(jobs, "claim", locked_twice)
    with app.app_context(), caplog.at_level(logging.WARNING, logger="casefile.worker"):
        assert Worker().run(once=True) == 0  # it came back, found nothing queued and stopped
    assert len(failures) == 2
    assert caplog.text.count("could not be reached") == 2
