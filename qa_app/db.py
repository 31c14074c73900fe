"""Database behaviour the app relies on, on SQLite and PostgreSQL.

SQLite: every connection gets WAL, foreign keys and a busy timeout. Only write_transaction()
starts with BEGIN IMMEDIATE, which takes the write lock at once; a deferred transaction that
reads first and writes later can fail at once with "database is locked" when another writer
got in between, and busy_timeout cannot help it. Everything else, form posts included, reads in
a plain (deferred) BEGIN, which never queues behind a writer: so the parsing, hashing and file
work a request does before or after its writes holds no lock, and one slow request cannot stall
every other user's save (issue 21, point 1).

PostgreSQL: a statement waits at most POSTGRES_LOCK_TIMEOUT_MS for a lock, as SQLite waits
SQLITE_BUSY_TIMEOUT_MS; either failure is a DatabaseBusy to the pages (database_busy()), which
re-show the form and ask the user to try again.
"""
import gc
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache

from flask import g, has_request_context
from sqlalchemy import Date, cast, event, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from qa_app.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_LOCK_TIMEOUT_MS = 30_000
# The largest id a database integer column holds on PostgreSQL (and well inside SQLite's).
MAX_DATABASE_ID = 2 ** 31 - 1
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)
_read_intent: ContextVar[bool] = ContextVar("read_intent", default=False)


def _wants_write() -> bool:
    """Inside write_transaction(): only there is the write lock taken."""
    return _write_intent.get()


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        if type(dbapi_connection).__module__.startswith("psycopg"):
            _configure_postgres_connection(dbapi_connection)
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN, instead of the driver's own guesswork.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a power cut loses at most the last commit
    # SQLite's default page cache is 2 MB; a million referrals' indexes need far more, or every
    # import and measure thrashes it.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


# Kept in the connection's info (which lasts as long as the driver's connection): how many rows
# it had written when its transaction began, and whether restart_without_foreign_keys turned
# SQLite's foreign-key checks off for that transaction.
_CHANGES_AT_BEGIN = "sqlite_changes_at_begin"
_FOREIGN_KEYS_OFF = "sqlite_foreign_keys_off"


def _configure_postgres_connection(dbapi_connection) -> None:
    """A lock wait as long as SQLite's busy timeout, and no longer: a save that cannot get its
    row in time is asked to try again instead of waiting for ever behind a long import."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # SET outside a transaction lasts for the connection
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(POSTGRES_LOCK_TIMEOUT_MS)}")
    finally:
        dbapi_connection.autocommit = autocommit


class DatabaseBusy(Exception):
    """Another writer held the lock for longer than this request could wait: raised at once
    by write_transaction() while the page is being shown again after one such wait (errors.py),
    so that the form comes back to the user now rather than after a second wait."""


# SQLite's busy answers, and PostgreSQL's lock_not_available (lock_timeout) and deadlock_detected.
_BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked")
_BUSY_POSTGRES_CODES = {"55P03", "40P01"}


def database_busy(error: BaseException) -> bool:
    """The database refused because another writer held its lock too long: nothing was saved,
    and the same request a little later should go through."""
    if isinstance(error, DatabaseBusy):
        return True
    original = getattr(error, "orig", None) or error
    if isinstance(original, sqlite3.OperationalError):
        return str(original).strip().lower().startswith(_BUSY_SQLITE_MESSAGES)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code in _BUSY_POSTGRES_CODES


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(connection):
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        _foreign_keys_back_on(driver, connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
        connection.info[_CHANGES_AT_BEGIN] = driver.total_changes


@event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection, record):
    if dbapi_connection is not None and isinstance(dbapi_connection, sqlite3.Connection):
        _foreign_keys_back_on(dbapi_connection, record.info)


def _foreign_keys_back_on(driver, info) -> None:
    if info.pop(_FOREIGN_KEYS_OFF, False):
        driver.execute("PRAGMA foreign_keys=ON")


def restart_without_foreign_keys(off: bool = True) -> bool:
    """SQLite: begin the current write transaction again with the per-row foreign-key checks
    off (or, off=False, on again), for a bulk load that checks its keys itself in one pass
    before the commit (for a million referrals, 1.1 s of the insert's 2.9 s). SQLite ignores
    PRAGMA foreign_keys inside a transaction, hence the restart, which is only done if the
    transaction has written no row yet, so that ending it commits nothing; otherwise False,
    and nothing changes. Another writer may get in between: the caller reads again whatever
    it read before. Every later statement of the transaction goes unchecked too; the checks
    are on again from the connection's next transaction."""
    if not is_sqlite() or not _wants_write() or db.session().in_nested_transaction():
        return False  # (COMMIT would release a savepoint's caller's work too)
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if not driver.in_transaction or driver.total_changes != connection.info.get(_CHANGES_AT_BEGIN):
        return False
    driver.execute("COMMIT")  # of reads only
    # Noted before the PRAGMA: an interrupt between the two must still find the checks to put back.
    connection.info[_FOREIGN_KEYS_OFF] = off
    driver.execute(f"PRAGMA foreign_keys={'OFF' if off else 'ON'}")
    driver.execute("BEGIN IMMEDIATE")
    return True


def database_id(value) -> int | None:
    """An id typed into (or edited in) a query string, as an int the database can be asked
    about; None for anything that could not be a row's id (blank, not digits, zero, or too big
    for an integer column, which PostgreSQL would refuse and SQLite's driver overflow on)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_DATABASE_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_DATABASE_ID else None


def in_write_transaction() -> bool:
    """Inside write_transaction(): whatever is added now is committed with the caller's change."""
    return _write_intent.get()


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def database_answers() -> None:
    """Ask the database the smallest question; raises if it cannot answer."""
    db.session.execute(text("SELECT 1"))


def to_db_date(value, sqlite: bool | None = None):
    """A date as a raw SQL parameter: ISO text on SQLite, which keeps dates as text (as
    SQLAlchemy's Date type does), the date itself elsewhere. Anything else is passed through."""
    sqlite = is_sqlite() if sqlite is None else sqlite
    return value.isoformat() if sqlite and isinstance(value, date) else value


@lru_cache(maxsize=65536)
def _parse_iso(text: str) -> date:
    return date.fromisoformat(text)


def from_db_date(value) -> date | None:
    """A date read through the driver: ISO text on SQLite, a date on PostgreSQL."""
    return _parse_iso(value) if isinstance(value, str) else value


@contextmanager
def collector_paused():
    """Python's cycle collector paused while measures read, index and count a year of rows.

    Hundreds of thousands of new row tuples and list entries each count towards a collection,
    and each collection walks every young object again, the year's columns among them: with
    the collector running, it took a third of a year's measures. Nothing made here is in a
    reference cycle, so there is nothing for it to find, and the columns are freed (by their
    reference counts) before it runs again, on leaving the outermost pause. Usable as a
    decorator; a pause inside another leaves the collector to the outer one."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def day_of(timestamp):
    """SQL for the day of a timestamp column, comparable with a date column: SQLite's date()
    gives the ISO text its dates are kept as; elsewhere a cast to DATE."""
    return func.date(timestamp) if is_sqlite() else cast(timestamp, Date)


def placeholder(connection) -> str:
    """The driver's parameter marker, for the few queries run through the driver for speed."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def driver_rows(connection, sql: str, params=()) -> list[tuple]:
    """Every row through the driver's own cursor: no result wrapping and no per-value
    conversion, which for a year of a large council's referrals was most of the time."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextmanager
def _unit_of_work(intent: ContextVar[bool]):
    """Commit at the end, roll back on any error, with the session marked as meaning to write
    (or only to read) for as long as it lasts."""
    session = db.session()
    token = intent.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        intent.reset(token)


@contextmanager
def write_transaction():
    """One unit of work that writes: commits at the end, rolls back on any error.

    Service functions wrap their changes in this, so a change and its audit-trail event are
    committed together or not at all.
    """
    if has_request_context() and g.get("database_busy"):
        raise DatabaseBusy("showing the form again after the database was busy")
    session = db.session()  # the request's own Session, behind the scoped proxy
    if is_sqlite() and session.in_transaction() and not _wants_write() and not _holds_changes(session):
        # What came before only read: end that snapshot and begin again holding the write lock.
        if has_request_context():
            # Expiring what the request read, so that it is read again under the lock, fresh.
            session.rollback()
        else:
            # A job or command (or a test) may hand what it read to another context, where an
            # expired object could not be read again: the values it read stand, as they did
            # between its transactions before.
            session.commit()
    with _unit_of_work(_write_intent) as session:
        yield session


def _holds_changes(session) -> bool:
    """Changes made before write_transaction() (which the rollback above would lose): the
    transaction is left to take the lock when it writes them."""
    if session.new or session.dirty or session.deleted:
        return True
    connection = session.connection()
    return connection.connection.driver_connection.total_changes != connection.info.get(_CHANGES_AT_BEGIN)


@contextmanager
def read_transaction():
    """A unit of work that only reads, even inside a form post, so that slow work done with what
    it read (hashing a password, writing a workbook) holds no lock, and on SQLite auditors' saves
    go on meanwhile. Nothing in it may write; take plain values out of it, and a
    write_transaction() after it starts afresh, holding the lock."""
    session = db.session()
    if session.in_transaction():
        session.commit()  # end the request's snapshot; nothing is pending
    with _unit_of_work(_read_intent) as session:
        yield session
