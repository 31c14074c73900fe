"""Backups that restore: a consistent copy of the database while the app is in use.

SQLite: the online backup API copies every page in one step inside a read transaction, so the
copy is one moment's database even while people save (WAL lets their saves go on meanwhile).
The copy is checked with PRAGMA integrity_check before it is given its final name.
PostgreSQL: pg_dump's custom format (a consistent snapshot by design) and pg_restore.
Connection details go to pg_dump through libpq's environment, never on its command line.
"""
import os
import shutil
import sqlite3
# pg_dump and pg_restore run with argument lists, never a shell.
import subprocess  # nosec B404
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from qa_app.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
COUNTED_TABLES = ("user", "child", "referral", "cp_plan", "audit_programme", "case_audit",
                  "case_audit_section", "moderation", "audit_event")


class BackupError(RuntimeError):
    """The backup or restore could not be made; nothing was left under the target name."""


@dataclass
class BackupSummary:
    path: Path
    integrity: str = "ok"
    revision: str | None = None
    counts: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"{self.path}: integrity {self.integrity}, schema revision {self.revision}"]
        lines += [f"  {table}: {count:,} rows" for table, count in self.counts.items()]
        return lines


def backup(target) -> BackupSummary:
    target = _new_file(target)
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return _backup_sqlite(Path(url.database), target)
    if url.get_backend_name() == "postgresql":
        return _pg_tool("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], url, target)
    raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore(backup_file, target) -> BackupSummary:
    """Restore a backup into a new SQLite file, or (a pg_dump file) into an empty PostgreSQL
    database given by URL. The running app's database is never overwritten."""
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup file")
    with open(backup_file, "rb") as handle:
        magic = handle.read(16)
    if magic == SQLITE_MAGIC:
        if "://" in str(target):
            raise BackupError("a SQLite backup restores into a new file: give its path")
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            _check(source, backup_file)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup_file}: the backup is damaged ({error})") from error
        finally:
            source.close()
        return _backup_sqlite(backup_file, _new_file(target))
    if magic.startswith(PG_DUMP_MAGIC):
        if not str(target).startswith(("postgres://", "postgresql")):
            raise BackupError("a PostgreSQL backup restores into an empty database: give its URL, "
                              "postgresql://user@host/new_database")
        url = make_url(str(target))
        _refuse_unless_empty(url)
        return _pg_tool("pg_restore", ["--no-owner", "--exit-on-error", f"--dbname={url.database}",
                                       str(backup_file)], url, backup_file, summarise_url=url)
    raise BackupError(f"{backup_file}: not a Casefile QA backup (neither SQLite nor pg_dump)")


def _refuse_unless_empty(url) -> None:
    """A restore goes only into a database holding no tables at all, ours or anyone's, as the
    SQLite restore goes only into a new file: pg_restore would otherwise add our tables beside
    whatever is there, or fail halfway through."""
    engine = create_engine(normalise_database_url(url.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            found = connection.execute(text(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 5")).scalars().all()
    except Exception as error:  # noqa: BLE001 - any driver's refusal to connect
        raise BackupError(f"cannot reach the database to restore into: {error}") from error
    finally:
        engine.dispose()
    if found:
        raise BackupError(f"the database {url.database} is not empty (it holds {', '.join(found)}): "
                          "restore into a new, empty database")


def _new_file(target) -> Path:
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: give a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder")
    return target


def _backup_sqlite(source_path: Path, target: Path) -> BackupSummary:
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page in one step: one consistent moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            summary = _check(copy, target)
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed: {error}") from error
    finally:
        source.close()
    os.chmod(partial, 0o600)  # it holds children's records
    os.replace(partial, target)
    return summary


def _check(connection: sqlite3.Connection, path: Path) -> BackupSummary:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    integrity = "ok" if result == [("ok",)] else "; ".join(r[0] for r in result[:5])
    if integrity != "ok":
        raise BackupError(f"{path}: the backup is damaged (integrity check: {integrity})")
    summary = BackupSummary(path, integrity)
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "alembic_version" in tables:
        summary.revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    for table in COUNTED_TABLES:
        if table in tables:
            # Table names from COUNTED_TABLES, our own constant, found in the backup: nothing typed.
            summary.counts[table] = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # nosec B608
    return summary


def _pg_tool(tool: str, arguments: list[str], url, path: Path, summarise_url=None) -> BackupSummary:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} is not installed: apt-get install postgresql-client (same major "
                          "version as the server or newer)")
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = url.password
    completed = subprocess.run([program, *arguments], env=env, capture_output=True, text=True,  # nosec B603
                               check=False)
    if completed.returncode != 0:
        if tool == "pg_dump":
            path.unlink(missing_ok=True)
        raise BackupError(f"{tool} failed: {completed.stderr.strip()}")
    if tool == "pg_dump":
        os.chmod(path, 0o600)
    return _pg_summary(summarise_url or url, path)


def _pg_summary(url, path: Path) -> BackupSummary:
    engine = create_engine(normalise_database_url(url.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            summary = BackupSummary(path)
            tables = set(inspect(connection).get_table_names())
            if "alembic_version" in tables:
                summary.revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            for table in COUNTED_TABLES:
                if table in tables:
                    # Table names from COUNTED_TABLES, our own constant: nothing typed.
                    summary.counts[table] = connection.execute(
                        text(f'SELECT count(*) FROM "{table}"')).scalar()  # nosec B608
            return summary
    finally:
        engine.dispose()
