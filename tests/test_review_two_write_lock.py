"""Second security review, point 1: a form post takes the write lock only for its writes, so one
slow request (a questionnaire held in its parse) and a large import in the worker never stall
another user's save; and a save that still cannot get the lock re-shows the form, asking the user
to try again, instead of a 500. Real database files, real threads and a real worker process."""
import importlib
import io
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import audit_tools.questionnaires
from config import normalise_database_url
from qa_app.extensions import db
from qa_app.models import CaseAudit, ImportBatch, PartnershipSetting, Referral, Role
from qa_app.services import questionnaires as questionnaire_service
from tests.case_data_helpers import REFERRAL_HEADINGS, write_csv
from tests.conftest import using_postgres
from tests.helpers import csrf_token, make_user, post_form, sign_in
from tests.test_case_audits import open_form, re_referral_audit  # noqa: F401  (a fixture)
from tests.test_moderation import submitted  # noqa: F401  (a fixture)
from tests.test_worker import queue_for_worker, running_worker, wait_until

# The size. On this 2-core machine the import takes well under the minute the brief allows.
qa_db = importlib.import_module("qa_app.db")  # the module: qa_app.db the name is the SQLAlchemy object
IMPORT_ROWS = 300_000
TYPED = "Anyshire partnership typed 5c1e"


def _signed_in(app, *roles):
    with app.app_context():
        user = make_user(*roles)
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _questionnaire_upload():
    source = (Path(audit_tools.questionnaires.__file__).parent / "re-referral-audit.v1.yaml").read_text()
    return source.replace("version: 1", "version: 2", 1).encode()


def _batch(app, batch_id):
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        state = (batch.status, batch.rows_processed)
        db.session.remove()
        return state


def test_a_slow_parse_and_a_large_import_never_hold_up_another_users_save(
        app, database_url, tmp_path, monkeypatch):
    parsing, release = threading.Event(), threading.Event()
    real_parse = questionnaire_service.parse_questionnaire

    def slow_parse(source, name):
        parsing.set()
        release.wait(120)  # as the nested-list questionnaire did, for 20-37 s
        return real_parse(source, name)
    monkeypatch.setattr(questionnaire_service, "parse_questionnaire", slow_parse)

    big = write_csv(tmp_path / "big.csv", REFERRAL_HEADINGS,
                    ([f"C{i}", f"R{i}", "2015-06-01", "NFA", "", "North"] for i in range(IMPORT_ROWS)))
    qa_lead, admin = _signed_in(app, Role.QA_LEAD), _signed_in(app, Role.ADMIN)
    batch_id = queue_for_worker(app, big)
    uploaded = {}

    def upload():
        uploaded["response"] = qa_lead.post("/questionnaires/", data={
            "csrf_token": csrf_token(qa_lead), "file": (io.BytesIO(_questionnaire_upload()), "re-referral-audit.v2.yaml")},
            content_type="multipart/form-data")
    uploader = threading.Thread(target=upload)

    with running_worker(app, database_url) as worker:
        wait_until(lambda: _batch(app, batch_id)[0] != "queued", 60, "the worker to take the import")
        import_began = time.monotonic()
        uploader.start()
        assert parsing.wait(30), "the upload never reached its parse"
        save_times, saved, token = [], 0, csrf_token(admin)
        try:
            # Saves one after another for as long as the import runs, and at least three.
            while saved < 3 or _batch(app, batch_id)[0] in ("queued", "checking"):
                started = time.monotonic()
                response = admin.post("/admin/partnership", data={"csrf_token": token, "name": f"Partnership {saved}"})
                save_times.append(time.monotonic() - started)
                assert response.status_code == 302, response.get_data(as_text=True)[:500]
                saved += 1
                assert saved < 2000
            import_took = time.monotonic() - import_began
        finally:
            release.set()
            uploader.join(60)
        assert uploaded["response"].status_code == 302  # the slow upload still saved
        wait_until(lambda: _batch(app, batch_id)[0] not in ("queued", "checking"), 120, "the import to end")
        assert worker.poll() is None, "the worker died"
    slowest = max(save_times)
    print(f"\n{saved} saves during a {IMPORT_ROWS:,}-row import ({import_took:.2f} s) and a held parse: "
          f"slowest {slowest:.2f} s ({slowest / import_took:.2f} of the import), "
          f"median {sorted(save_times)[len(save_times) // 2]:.3f} s")
    # The held parse holds no lock, so saves go straight through. The import stages its rows a
    # chunk to a transaction, pausing between them, and publishes them in one short transaction
    # (issue 21); a save waits at most for one of these. Timed against the import itself in the
    # same run, as the benchmarks time against their baselines, because this 2-core machine is
    # shared: no save waits for as much as 60% of the import (0.27 to 0.46 measured, at loads of 2
    # to 4; the margin is for a busier machine). When the whole file was written in
    # one transaction, the save that met it waited for most of the import (3.3 s of 3.9 s, a
    # ratio of 0.85; 4-6.5 s under load), and so did a save that met a run of chunks written
    # back to back. Figures: docs/performance.md, "Issue 21".
    assert slowest < import_took * 0.6, (import_took, save_times)
    assert _batch(app, batch_id) == ("succeeded", IMPORT_ROWS)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Referral.id))) == IMPORT_ROWS
        assert db.session.get(PartnershipSetting, "partnership_name").value == f"Partnership {saved - 1}"


@pytest.fixture
def lock_waits_briefly(app, monkeypatch):
    """The app's lock wait cut from 30 s to a fraction of a second, on new connections."""
    monkeypatch.setattr(qa_db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(qa_db, "POSTGRES_LOCK_TIMEOUT_MS", 300, raising=False)
    with app.app_context():
        db.engine.dispose()


class _WriteLockHeldElsewhere:
    """Another process's long write: the whole database on SQLite; on PostgreSQL the table the
    save writes (EXCLUSIVE: it may still be read, as during a long import's merge)."""

    def __init__(self, database_url, table="partnership_setting"):
        self.database_url, self.table = database_url, table

    def __enter__(self):
        if using_postgres():
            self.engine = create_engine(normalise_database_url(self.database_url))
            self.connection = self.engine.connect()
            self.transaction = self.connection.begin()
            self.connection.execute(text(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE"))
        else:
            self.connection = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        if using_postgres():
            self.transaction.rollback()
            self.connection.close()
            self.engine.dispose()
        else:
            self.connection.execute("ROLLBACK")
            self.connection.close()


def test_a_save_that_cannot_get_the_lock_re_shows_the_form_with_what_was_typed(
        app, database_url, lock_waits_briefly):
    admin = _signed_in(app, Role.ADMIN)
    with _WriteLockHeldElsewhere(database_url):
        response = post_form(admin, "/admin/partnership", {"name": TYPED})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert TYPED in page
    assert "Nothing was saved" in page and "try again" in page
    with app.app_context():
        assert db.session.get(PartnershipSetting, "partnership_name") is None
    # Once the other write is over, the same form saves.
    assert post_form(admin, "/admin/partnership", {"name": TYPED}).status_code == 302


def test_an_auditors_answers_come_back_when_the_database_was_too_busy_to_save_them(
        app, database_url, re_referral_audit, lock_waits_briefly):  # noqa: F811
    """The longest typing in the service: the answer form does not save through a form class's
    validate_on_submit, so it handles the refusal itself, as it does a conflict."""
    case_audit_id, auditor = re_referral_audit
    client = app.test_client()
    assert sign_in(client, auditor.email).status_code == 302
    url = f"/audits/{case_audit_id}/lead"
    _, hidden = open_form(client, url)
    with _WriteLockHeldElsewhere(database_url, "case_audit"):
        response = client.post(url, data={**hidden, "what_changed": TYPED, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert TYPED in page and "Nothing was saved" in page
    assert client.post(url, data={**hidden, "what_changed": TYPED, "action": "save"}).status_code == 302


def test_a_moderators_typing_comes_back_when_the_database_was_too_busy_to_save_it(
        app, database_url, submitted, lock_waits_briefly):  # noqa: F811
    """The moderation page records a case read when it is drawn; shown again because the database
    could not take the moderation, that read must not wait for the lock too and lose the page."""
    _, audit_ids, _ = submitted
    lead = _signed_in(app, Role.QA_LEAD)
    url = f"/moderation/{audit_ids[0]}"
    typed = {"overall_grade": "Inadequate", "overall_grade_reason": TYPED, "comments": "Comments 5c1e",
             "outcome": "accepted"}
    assert lead.get(url).status_code == 200
    with _WriteLockHeldElsewhere(database_url, "moderation"):
        response = post_form(lead, url, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was saved" in page and TYPED in page and "Comments 5c1e</textarea>" in page
    assert re.search(r'value="Inadequate"[^>]*checked', page)
    with app.app_context():
        assert db.session.get(CaseAudit, audit_ids[0]).status == "submitted"
    assert post_form(lead, url, typed).status_code == 302


def test_a_reopen_reason_comes_back_when_the_database_was_too_busy_to_save_it(
        app, database_url, submitted, lock_waits_briefly):  # noqa: F811
    _, audit_ids, _ = submitted
    lead = _signed_in(app, Role.QA_LEAD)
    url = f"/moderation/{audit_ids[0]}/reopen"
    with _WriteLockHeldElsewhere(database_url, "case_audit"):
        response = post_form(lead, url, {"part": "lead", "reason": TYPED})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was saved" in page and TYPED in page
    with app.app_context():
        assert db.session.get(CaseAudit, audit_ids[0]).status == "submitted"
    assert post_form(lead, url, {"part": "lead", "reason": TYPED}).status_code == 302
