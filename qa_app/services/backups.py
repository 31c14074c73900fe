"""Backups that restore: a consistent copy of the database while the app is in use.

SQLite: the online backup API copies every page in one step inside a read transaction, so the
copy is one moment's database even while people save (WAL lets their saves go on meanwhile).
The copy is checked with PRAGMA integrity_check before it is given its final name.
PostgreSQL: pg_dump's custom format (a consistent snapshot by design) and pg_restore.
Connection details go to pg_dump through libpq's environment, never on its command line.

The backup is one archive (an uncompressed tar): manifest.json first, then the database copy
(database.sqlite3 or database.dump), then every action evidence file the copy names, as
evidence/<stored name>. The manifest gives each file's size and SHA-256. A restore reads the
manifest, then checks every file against it while unpacking beside the targets, and only when
all match (nothing missing, nothing extra, nothing changed) restores the database and moves the
evidence files into their new folder: a tampered or incomplete archive restores nothing. The
checksums find damage and missing files; they do not stop someone who rewrites the manifest
too, so archives are kept encrypted and off the machine (docs/operations.md).
"""
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
# pg_dump and pg_restore run with argument lists, never a shell.
import subprocess  # nosec B404
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from qa_app.extensions import db
from qa_app.services.actions import evidence_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
ARCHIVE_FORMAT = "casefile-qa-backup"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
# The only names an archive may hold: a path in it never reaches the file system as given.
_ARCHIVED_NAME = re.compile(r"^(database\.(sqlite3|dump)|evidence/[0-9a-f]{32})$")
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

    evidence_files: int | None = None
    evidence_bytes: int = 0
    missing_evidence: list = field(default_factory=list)
    checksums: str | None = None
    evidence_folder: Path | None = None

    def lines(self) -> list[str]:
        lines = [f"{self.path}: integrity {self.integrity}, schema revision {self.revision}"]
        if self.checksums:
            lines.append(f"  checksums {self.checksums}")
        if self.evidence_files is not None:
            into = f", restored into {self.evidence_folder}" if self.evidence_folder else ""
            lines.append(f"  {self.evidence_files} evidence files ({self.evidence_bytes:,} bytes){into}")
        if self.missing_evidence:
            lines.append(f"  {len(self.missing_evidence)} evidence files named in the database were not on disk "
                         f"and are not in the archive: {', '.join(self.missing_evidence[:10])}")
        lines += [f"  {table}: {count:,} rows" for table, count in self.counts.items()]
        return lines


def backup(target) -> BackupSummary:
    """One archive at target: the database copy, the evidence files it names, their manifest."""
    target = _new_file(target)
    url = db.engine.url
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix=".casefile-backup-", dir=target.parent) as work:
        if url.get_backend_name() == "sqlite":
            database = Path(work) / "database.sqlite3"
            summary = _backup_sqlite(Path(url.database), database)
            copy = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            try:
                stored_names = [row[0] for row in copy.execute(
                    "SELECT stored_name FROM action_update WHERE stored_name IS NOT NULL ORDER BY id")]
            finally:
                copy.close()
        else:
            database = Path(work) / "database.dump"
            summary = _pg_tool("pg_dump", ["--format=custom", "--no-owner", f"--file={database}"], url, database)
            # Named after the dump: a file uploaded since is simply also kept.
            stored_names = list(db.session.scalars(text(
                "SELECT stored_name FROM action_update WHERE stored_name IS NOT NULL ORDER BY id")))
            db.session.rollback()
        files = {database.name: database}
        for stored_name in stored_names:
            path = evidence_dir() / stored_name
            if _ARCHIVED_NAME.match(f"evidence/{stored_name}") and path.is_file():
                files[f"evidence/{stored_name}"] = path
            else:
                summary.missing_evidence.append(stored_name)
        manifest = {"format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": database.name, "schema_revision": summary.revision,
                    "missing_evidence": summary.missing_evidence,
                    "files": {name: _size_and_sha256(path) for name, path in files.items()}}
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
                for name, path in files.items():
                    with open(path, "rb") as handle:
                        member = _member(name, manifest["files"][name]["size"])
                        archive.addfile(member, handle)
            os.chmod(partial, 0o600)  # it holds children's records
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(f"the archive could not be written: {error}") from error
    summary.path = target
    summary.checksums = f"SHA-256 of {len(files)} files in {MANIFEST}"
    summary.evidence_files = len(files) - 1
    summary.evidence_bytes = sum(entry["size"] for name, entry in manifest["files"].items() if name.startswith("evidence/"))
    return summary


def _size_and_sha256(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size, member.mode = size, 0o600
    member.mtime = int(datetime.now(timezone.utc).timestamp())
    return member


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    archive.addfile(_member(name, len(data)), io.BytesIO(data))


def restore(backup_file, target, evidence_target=None) -> BackupSummary:
    """Restore a backup archive into a new SQLite file, or into an empty PostgreSQL database
    given by URL, and its evidence files into a new (or empty) folder, after checking every
    file against the manifest. The running app's database is never overwritten. A bare
    database file from before the archive (SQLite or pg_dump) still restores, without
    evidence files or checksums."""
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup file")
    with open(backup_file, "rb") as handle:
        magic = handle.read(16)
    if magic != SQLITE_MAGIC and not magic.startswith(PG_DUMP_MAGIC):
        return _restore_archive(backup_file, target, evidence_target)
    return _restore_database(backup_file, magic, target)


def _restore_archive(backup_file: Path, target, evidence_target) -> BackupSummary:
    try:
        archive = tarfile.open(backup_file, "r:")
    except (tarfile.TarError, OSError):
        raise BackupError(f"{backup_file}: not a Casefile QA backup (neither an archive, SQLite nor pg_dump)") from None
    damaged = f"{backup_file}: the backup is damaged or incomplete"
    with archive:
        try:
            members = archive.getmembers()
        except tarfile.TarError as error:
            raise BackupError(f"{damaged} ({error})") from None
        by_name = {member.name: member for member in members}
        manifest = _manifest(archive, by_name.get(MANIFEST), backup_file, damaged)
        listed = manifest["files"]
        extra = sorted(set(by_name) - set(listed) - {MANIFEST})
        if extra or len(by_name) != len(members):
            raise BackupError(f"{damaged}: it holds files not in its manifest ({', '.join(extra[:5]) or 'a repeated name'})")
        missing = sorted(name for name in listed if name not in by_name)
        if missing:
            raise BackupError(f"{damaged}: {', '.join(missing[:5])} is missing")
        database_name = manifest.get("database")
        if database_name not in listed or not all(_ARCHIVED_NAME.match(name) for name in listed):
            raise BackupError(f"{damaged}: its manifest does not name a database copy and evidence files")
        evidence_names = [name for name in listed if name.startswith("evidence/")]
        evidence_folder = _evidence_target(target, evidence_target, evidence_names)
        if database_name == "database.sqlite3":
            if "://" in str(target):
                raise BackupError("a SQLite backup restores into a new file: give its path")
            target = _new_file(target)
        else:
            _pg_target(target)
        # Unpacked beside the evidence folder (the same file system, so the files only move).
        holder = evidence_folder.parent if evidence_folder else None if "://" in str(target) else Path(target).parent
        with tempfile.TemporaryDirectory(prefix=".casefile-restore-", dir=holder) as work:
            work = Path(work)
            for name, entry in listed.items():
                member = by_name[name]
                if not member.isfile():
                    raise BackupError(f"{damaged}: {name} is not a file")
                unpacked = work / name.replace("/", "_")
                digest, size = hashlib.sha256(), 0
                source = archive.extractfile(member)
                with open(unpacked, "wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != entry.get("size") or digest.hexdigest() != entry.get("sha256"):
                    raise BackupError(f"{damaged}: {name} does not match its SHA-256 checksum in the manifest "
                                      "(the archive was changed or damaged after the backup). Nothing was restored")
            database = work / database_name
            with open(database, "rb") as handle:
                magic = handle.read(16)
            summary = _restore_database(database, magic, target, label=backup_file)
            if evidence_folder is not None:
                evidence_folder.mkdir(mode=0o700, parents=False, exist_ok=True)
                for name in evidence_names:
                    moved = evidence_folder / name.removeprefix("evidence/")
                    os.replace(work / name.replace("/", "_"), moved)
                    os.chmod(moved, 0o600)
    summary.path = backup_file
    summary.checksums = f"ok ({len(listed)} files checked against {MANIFEST})"
    summary.evidence_files = len(evidence_names)
    summary.evidence_bytes = sum(listed[name]["size"] for name in evidence_names)
    summary.missing_evidence = list(manifest.get("missing_evidence") or [])
    if evidence_folder is not None:
        summary.evidence_folder = evidence_folder
    return summary


def _manifest(archive, member, backup_file, damaged) -> dict:
    if member is None:
        raise BackupError(f"{damaged}: it has no {MANIFEST}")
    try:
        manifest = json.loads(archive.extractfile(member).read(1 << 24))
    except (ValueError, tarfile.TarError, AttributeError) as error:
        raise BackupError(f"{damaged}: its {MANIFEST} cannot be read ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT \
            or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{backup_file}: not a Casefile QA backup archive (its manifest is not ours)")
    if manifest.get("version") != ARCHIVE_VERSION:
        raise BackupError(f"{backup_file}: a backup archive of version {manifest.get('version')}, "
                          f"which this release cannot read")
    return manifest


def _evidence_target(target, evidence_target, evidence_names) -> Path | None:
    """Where the evidence files go: --evidence-to, or beside a SQLite target as
    <target>.evidence. It must be new or empty: a restore never mixes with files already there."""
    if evidence_target is None:
        if not evidence_names:
            return None
        if "://" in str(target):
            raise BackupError("this backup holds evidence files: give --evidence-to, a new or empty folder")
        evidence_target = Path(str(target) + ".evidence")
    folder = Path(evidence_target)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} is not empty: restore the evidence files into a new, empty folder")
    if not folder.parent.is_dir():
        raise BackupError(f"{folder.parent}: no such folder")
    return folder


def _pg_target(target) -> None:
    if not str(target).startswith(("postgres://", "postgresql")):
        raise BackupError("a PostgreSQL backup restores into an empty database: give its URL, "
                          "postgresql://user@host/new_database")
    _refuse_unless_empty(make_url(str(target)))


def _restore_database(backup_file: Path, magic: bytes, target, label=None) -> BackupSummary:
    label = label or backup_file
    if magic == SQLITE_MAGIC:
        if "://" in str(target):
            raise BackupError("a SQLite backup restores into a new file: give its path")
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            _check(source, label)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{label}: the backup is damaged ({error})") from error
        finally:
            source.close()
        return _backup_sqlite(backup_file, _new_file(target))
    if magic.startswith(PG_DUMP_MAGIC):
        _pg_target(target)
        url = make_url(str(target))
        return _pg_tool("pg_restore", ["--no-owner", "--exit-on-error", f"--dbname={url.database}",
                                       str(backup_file)], url, backup_file, summarise_url=url)
    raise BackupError(f"{label}: not a Casefile QA backup (neither SQLite nor pg_dump)")


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
