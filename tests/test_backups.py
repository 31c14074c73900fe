"""`flask backup` takes a consistent copy while people save, and `flask restore` brings it back
into a new database with every answer saved before the backup."""
import json
import threading

import pytest
from sqlalchemy import create_engine, text

from config import normalise_database_url
from qa_app.extensions import db
from qa_app.models import User
from qa_app.services import case_audits
from tests.conftest import SERVER_DATABASE_URL, using_postgres
from tests.test_case_audits import re_referral_audit  # noqa: F401  (fixture)


class Saver(threading.Thread):
    """An auditor saving the lead part again and again, each save a new answer."""

    def __init__(self, app, case_audit_id, auditor_id):
        super().__init__(daemon=True)
        self.app, self.case_audit_id, self.auditor_id = app, case_audit_id, auditor_id
        self.saved_versions = []  # the record's version after each committed save
        self.enough = threading.Event()
        self.error = None

    def run(self):
        try:
            with self.app.app_context():
                auditor = db.session.get(User, self.auditor_id)
                version = 1
                while not self.enough.is_set() and len(self.saved_versions) < 2000:
                    part = case_audits.save_part(self.case_audit_id, "lead",
                                                 {"what_changed": f"answer saved as version {version + 1}"},
                                                 version, submit=False, user=auditor)
                    version = part.record.version
                    self.saved_versions.append(version)
                    db.session.remove()
                    auditor = db.session.get(User, self.auditor_id)
        except Exception as error:  # reported by the test
            self.error = error


def restored_state(url):
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            version, answers = connection.execute(text("SELECT version, answers FROM case_audit")).one()
            saves = connection.execute(text(
                "SELECT count(*) FROM audit_event WHERE action = 'case_audit_saved'")).scalar()
    finally:
        engine.dispose()
    return version, answers if isinstance(answers, dict) else json.loads(answers), saves


def test_a_backup_taken_during_saves_restores_with_every_answer_saved_before_it(
        app, re_referral_audit, tmp_path):  # noqa: F811
    case_audit_id, auditor = re_referral_audit
    saver = Saver(app, case_audit_id, auditor.id)
    saver.start()
    try:
        while len(saver.saved_versions) < 10 and saver.is_alive():
            threading.Event().wait(0.01)
        saved_before = saver.saved_versions[-1]
        suffix = "dump" if using_postgres() else "sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / f"backup.{suffix}")])
        saved_during = saver.saved_versions[-1]
    finally:
        saver.enough.set()
        saver.join(30)
    assert saver.error is None, saver.error
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert saved_during > saved_before, "no save was made while the backup ran"

    if using_postgres():
        target = restore_database(SERVER_DATABASE_URL)
    else:
        target = str(tmp_path / "restored.sqlite3")
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / f"backup.{suffix}"), "--to", target])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output and "case_audit: 1 rows" in result.output
    version, answers, save_events = restored_state(target if using_postgres() else f"sqlite:///{target}")
    # Every save finished before the backup began is there, and the copy is one moment: the
    # answer is the one saved at that version, with exactly one audit-trail event per save.
    assert saved_before <= version <= saved_during
    assert answers["what_changed"] == f"answer saved as version {version}"
    assert save_events == version - 1


def restore_database(server_url):
    """A new, empty PostgreSQL database beside the test one."""
    name = normalise_database_url(server_url).rsplit("/", 1)[1] + "_restored"
    engine = create_engine(normalise_database_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def test_a_backup_never_overwrites_a_file_and_restore_refuses_what_is_not_a_backup(app, tmp_path):
    existing = tmp_path / "existing.sqlite3"
    existing.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_text() == "keep me"
    result = app.test_cli_runner().invoke(args=["restore", str(existing), "--to", str(tmp_path / "new.sqlite3")])
    assert result.exit_code == 1 and "not a Casefile QA backup" in result.output
    assert not (tmp_path / "new.sqlite3").exists()


@pytest.mark.skipif(using_postgres(), reason="SQLite files only")
def test_a_damaged_sqlite_backup_is_refused_on_restore(app, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    data = bytearray(backup.read_bytes())
    for offset in range(4096 * 3, len(data), 4096):  # scribble over pages after the header
        data[offset + 100:offset + 400] = b"\x7f" * 300
    backup.write_bytes(bytes(data))
    result = app.test_cli_runner().invoke(args=["restore", str(backup), "--to", str(tmp_path / "new.sqlite3")])
    assert result.exit_code == 1 and "backup.sqlite3: the backup is damaged" in result.output, result.output
    assert not (tmp_path / "new.sqlite3").exists()
