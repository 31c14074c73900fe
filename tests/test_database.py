"""The database behaves as the app relies on, on SQLite and PostgreSQL."""
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from qa_app.db import restart_without_foreign_keys, write_transaction
from qa_app.extensions import db
from qa_app.models import AuditEvent, Role, User
from qa_app.services.audit_trail import record_event
from tests.conftest import using_postgres
from tests.helpers import make_user

sqlite_only = pytest.mark.skipif(using_postgres(), reason="about SQLite's own settings")


@sqlite_only
def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


@sqlite_only
def test_a_transaction_that_has_written_is_never_restarted_without_foreign_keys(app):
    """All or nothing: the restart that turns SQLite's foreign-key checks off for a bulk load
    would commit what came before it, so it is refused once anything is written, and what
    was written still goes with the rest when the transaction fails."""
    with app.app_context():
        with pytest.raises(RuntimeError):
            with write_transaction():
                record_event("login", details={"reason": "test"})
                db.session.flush()
                assert not restart_without_foreign_keys()
                assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
                raise RuntimeError("a fault after the write")
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
        with write_transaction():
            assert restart_without_foreign_keys()
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 0
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # the next transaction's


def test_the_audit_trail_cannot_be_changed_or_deleted(app):
    with app.app_context():
        with write_transaction():
            record_event("login", details={"reason": "test"})
        for statement in ("UPDATE audit_event SET outcome = 'denied'", "DELETE FROM audit_event"):
            with pytest.raises(DatabaseError, match="append-only"):
                with write_transaction():
                    db.session.execute(text(statement))
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 1


def test_concurrent_read_then_write_transactions_do_not_fail(app):
    """Many threads each read a row and then write: on SQLite this fails with "database is
    locked" unless write transactions take the lock when they begin."""
    with app.app_context():
        user = make_user(Role.AUDITOR)
    errors = []

    def worker():
        try:
            with app.app_context():
                for _ in range(10):
                    with write_transaction():
                        row = db.session.get(User, user.id, populate_existing=True, with_for_update=True)
                        row.failed_login_count = row.failed_login_count + 1
                db.session.remove()
        except Exception as error:  # collected and asserted below
            errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        # No lost updates either: every increment survived.
        assert db.session.get(User, user.id).failed_login_count == 80
