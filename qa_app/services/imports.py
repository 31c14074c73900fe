"""Importing case data, all or nothing.

1. The upload is stored under a generated name in instance/uploads (the user's file name is
   only ever shown, never used as a path) and an ImportBatch is queued.
2. The file is read and checked row by row into staging tables, committed in chunks so the
   progress page can show how far it has got. Real tables are untouched.
3. If any row, or the file as a whole, had an error, the staging rows are dropped and the batch
   fails with every error listed. Otherwise one transaction merges the staged rows into the real
   tables, counting what was added, updated and unchanged, and records data-quality warnings.
"""
import hashlib
import secrets
import time
from pathlib import Path

import polars as pl
from flask import current_app
from sqlalchemy import delete, func, select, text

from audit_tools.readers import FileRejected, ImportProblem, ImportReport
from audit_tools.readers.columnar import CheckedFrame
from audit_tools.readers.formats import import_format
from audit_tools.readers.safety import file_type_of
from audit_tools.records import Child as ChildRecord
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import (is_sqlite, placeholder, read_transaction, restart_without_foreign_keys, to_db_date,
                       write_transaction)
from qa_app.extensions import db
from qa_app.models import ImportBatch, ImportKind, ImportStatus, StagedChild, StagedPlan, StagedReferral
from qa_app.models.base import utcnow
from qa_app.services import data_quality
from qa_app.services import import_findings, import_frame, import_merge, jobs, measures_cache
from qa_app.services.audit_trail import record_event

STAGING_CHUNK = 5_000


class ImportRefused(ValueError):
    """The upload cannot even be queued (wrong kind of file for the choice made)."""


def uploads_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored_path(batch: ImportBatch) -> Path:
    return uploads_dir() / f"batch-{batch.id}.{file_type_of(batch.file_name)}"


def queue_import(kind: str, source, file_name: str, user=None, blank_bad_optional=False,
                 retry_of: ImportBatch | None = None) -> ImportBatch:
    """Store the file (a path or a binary stream) and queue a batch for it. With
    blank_bad_optional, bad cells in optional columns are imported as blank and listed."""
    kind = ImportKind(kind)
    file_name = Path(file_name or "").name[:255] or "upload"
    try:
        file_type = file_type_of(file_name)
    except FileRejected as error:
        raise ImportRefused(str(error)) from None
    if file_type not in kind.file_types:
        raise ImportRefused(f"{file_name}: {kind.label} must be a "
                            f"{' or '.join('.' + t for t in kind.file_types)} file")
    temporary = uploads_dir() / f"incoming-{secrets.token_hex(16)}"
    digest = hashlib.sha256()
    with open(temporary, "wb") as out:
        stream = open(source, "rb") if isinstance(source, (str, Path)) else source
        try:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        finally:
            if isinstance(source, (str, Path)):
                stream.close()
    with write_transaction():
        waiting = db.session.scalar(select(ImportBatch).where(
            ImportBatch.kind == kind.value, ImportBatch.checksum == digest.hexdigest(),
            ImportBatch.blank_bad_optional == blank_bad_optional,
            ImportBatch.status.in_([ImportStatus.QUEUED.value, ImportStatus.CHECKING.value])).limit(1))
    if waiting is not None:
        # The same file is already waiting or being imported: it is not queued twice.
        temporary.unlink(missing_ok=True)
        waiting.already_waiting = True
        return waiting
    with write_transaction():
        batch = ImportBatch(kind=kind.value, file_name=file_name, checksum=digest.hexdigest(),
                            created_by_id=user.id if user else None,
                            blank_bad_optional=blank_bad_optional,
                            retry_of_id=retry_of.id if retry_of else None)
        db.session.add(batch)
        db.session.flush()
        details = {"kind": kind.value, "file_name": file_name, "checksum": batch.checksum}
        if blank_bad_optional:
            details["blank_bad_optional"] = True
        if retry_of:
            details["retry_of"] = retry_of.id
        record_event("import_uploaded", actor=user, object_type="import_batch", object_id=batch.id,
                     details=details)
    temporary.rename(_stored_path(batch))
    return batch


def start_import_in_background(batch_id: int) -> None:
    """Queue the import as a durable job for the worker (`flask --app wsgi worker`)."""
    jobs.enqueue("import", {"batch_id": batch_id})


def _run_import_job(payload: dict) -> None:
    batch = run_import(payload["batch_id"])
    if batch.status == ImportStatus.SUCCEEDED.value:
        _work_out_measures_page()


def _work_out_measures_page() -> None:
    """Work out the measures page's figures for the new data now, in the worker, so the first
    QA lead to open the page after an import does not wait for a million rows to be read."""
    try:
        measures_cache.measures_page(None)
    except Exception:
        # The import is committed and stands; the page works its figures out when first opened.
        current_app.logger.exception("Working out the measures page after an import failed")


def _abandon_import(payload: dict, reason: str) -> None:
    """The import's job could not finish: drop what it staged and fail the batch, saying why."""
    batch = db.session.get(ImportBatch, payload["batch_id"])
    if batch is None or batch.finished:
        return
    report = ImportReport(batch.file_name)
    report.error(None, None, None, f"the import did not finish: {reason}. Nothing was written. "
                                   "Upload the file again")
    # The file goes first: once the batch shows as failed, nothing of it is left.
    _stored_path(batch).unlink(missing_ok=True)
    _fail(batch, report)


jobs.register("import", _run_import_job, _abandon_import)


def _records(kind: str, path: Path, file_name: str, report: ImportReport):
    return import_format(kind).read(path, file_name, report)


def run_import(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    path = _stored_path(batch)
    report = ImportReport(batch.file_name, blank_bad_optional=batch.blank_bad_optional)
    with write_transaction():
        batch.status = ImportStatus.CHECKING.value
    _drop_staging_in_steps()  # anything a stopped worker left of an earlier import
    keep_file = False
    try:
        checked, ids_unique = _stage(batch, path, report)
        if not ids_unique:
            # Whatever the cells said (issue 24): a duplicate id found only on the next upload
            # made the council correct the file twice. Rows refused for a cell error are not
            # staged; their ids, kept by the report, are counted with the staged ones.
            _report_duplicate_ids(batch, report)
        if report.ok:
            _merge(batch, report, checked)
        else:
            _quality_of_refused_file(batch, report, checked)
    except FileRejected as error:
        report.error(None, None, None, str(error).removeprefix(f"{batch.file_name}: "))
    except Exception:
        current_app.logger.exception("Import %s failed unexpectedly", batch_id)
        db.session.rollback()
        report.error(None, None, None, "the import stopped because of a fault in the service; "
                                       "nothing was written. Try again, or tell your admin")
    finally:
        # Kept only while the QA lead may still choose to import with the optional cells blank.
        keep_file = report.only_blankable_errors
        if not keep_file:
            path.unlink(missing_ok=True)
    if not report.ok:
        _fail(batch, report)
    return batch


# Staging columns in insert order. Rows go to the driver's executemany as plain tuples: the ORM's
# per-row bookkeeping cost more than reading and checking the file.
_STAGING = {
    ReferralRecord: ("staged_referral", ("batch_id", "location", "referral_id", "child_id",
                                         "referral_date", "decision", "source", "team")),
    PlanRecord: ("staged_plan", ("batch_id", "location", "plan_id", "child_id", "start_date",
                                 "end_date", "category", "team", "previous_plans")),
    ChildRecord: ("staged_child", ("batch_id", "child_id", "date_of_birth", "sex", "ethnicity",
                                   "disability")),
}


def _stage(batch: ImportBatch, path: Path, report: ImportReport) -> tuple[CheckedFrame | None, bool]:
    """Stage the file's checked rows, and say whether every id in the file is already known to
    be there once (so the duplicate check can be skipped). A checked frame with every id once
    is not staged but returned, for the merge to write from (import_frame.load_frame)."""
    checked = import_format(batch.kind).read_frame(path, batch.file_name, report)
    if checked is None:
        _stage_rows(batch, path, report)
        return None, False
    if checked.ids_unique and not _staged_before_publishing(checked):
        with write_transaction():
            batch.rows_processed = report.rows_read
        return checked, True
    _stage_frame(batch, checked)
    return None, checked.ids_unique


# On SQLite a transaction that writes holds the one write lock of the whole database, and every
# other user's save waits for it. A frame's rows written from the frame go in inside the import's
# one all-or-nothing transaction (import_frame.load_frame): for 300,000 referrals 3.6 s of lock
# on this 2-core machine, and a save arriving then waited that long. A larger file is staged
# first instead, a chunk to a transaction (the lock let go between them), and published from
# staging in one short transaction of set-based SQL (_merge). PostgreSQL's writers lock only what
# they write, so a long import there holds up no other user's save, and the frame path stays.
PUBLISH_FROM_FRAME_ROWS = import_merge.FRAME_CHUNK


def _staged_before_publishing(checked: CheckedFrame) -> bool:
    return is_sqlite() and checked.frame.height > PUBLISH_FROM_FRAME_ROWS


def _stage_rows(batch: ImportBatch, path: Path, report: ImportReport) -> None:
    buffers = {record_type: [] for record_type in _STAGING}
    as_text = is_sqlite()
    buffered = 0
    for location, record in _records(batch.kind, path, batch.file_name, report):
        values = [batch.id]
        if not isinstance(record, ChildRecord):
            values.append(location)
        for value in astuple_fast(record):
            values.append(to_db_date(value, as_text))
        buffers[type(record)].append(values)
        buffered += 1
        if buffered >= STAGING_CHUNK:
            _flush(batch, buffers, report.rows_read)
            buffered = 0
    _flush(batch, buffers, report.rows_read)


def _stage_frame(batch: ImportBatch, checked: CheckedFrame) -> None:
    """A checked frame into staging, in the row path's order, so staged ids and everything
    after are the same; committed a chunk at a time, so progress shows."""
    record_type = ReferralRecord if "referral_id" in checked.fields else PlanRecord
    table, columns = _STAGING[record_type]
    values = {"batch_id": pl.lit(batch.id), "location": pl.format("row {}", pl.col("row"))}
    values.update({c: pl.col(c) if c in checked.fields else pl.lit(None) for c in columns[2:]})
    for offset in range(0, checked.frame.height, import_merge.FRAME_CHUNK):
        with write_transaction():
            chunk = checked.frame.slice(offset, import_merge.FRAME_CHUNK)
            import_merge.copy_frame(table, chunk, values)
            batch.rows_processed = offset + chunk.height
        if offset + import_merge.FRAME_CHUNK < checked.frame.height:
            _let_waiting_saves_in()  # before the next chunk


# SQLite gives the write lock to no one in turn: a save waiting for it sleeps and looks again,
# every 100 ms once it has waited a third of a second, and a writer that takes the lock again
# straight after letting it go wins every time (a save waited through the whole of a
# 300,000-row import's steps, 4.5 s, for want of this pause).
SQLITE_WAITER_LOOKS_AGAIN_S = 0.1


def _let_waiting_saves_in() -> None:
    if is_sqlite():
        time.sleep(SQLITE_WAITER_LOOKS_AGAIN_S)


def astuple_fast(record):
    """A record's fields in declaration order (dataclasses.astuple deep-copies, which is slow)."""
    return [getattr(record, name) for name in record.__slots__]


def _flush(batch, buffers, rows_read) -> None:
    with write_transaction():
        connection = db.session.connection()
        marker = placeholder(connection)
        for record_type, rows in buffers.items():
            if rows:
                table, columns = _STAGING[record_type]
                # Table and columns from _STAGING, our own constant; the values go in as parameters.
                connection.exec_driver_sql(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})",  # nosec B608
                    [tuple(row) for row in rows])
                rows.clear()
        batch.rows_processed = rows_read


def _report_duplicate_ids(batch: ImportBatch, report: ImportReport) -> None:
    for model, id_column, column_name in ((StagedReferral, StagedReferral.referral_id, "referral_id"),
                                          (StagedPlan, StagedPlan.plan_id, "plan_id")):
        staged = dict(db.session.execute(
            select(id_column, func.count()).where(model.batch_id == batch.id)
            .group_by(id_column).having(func.count() > 1)).all())
        refused = report.refused_ids.get(column_name, {})
        # The staged copies of the refused rows' ids, a chunk of ids at a time.
        refused_ids = sorted(refused)
        for start in range(0, len(refused_ids), 500):
            staged.update(db.session.execute(
                select(id_column, func.count()).where(model.batch_id == batch.id,
                                                      id_column.in_(refused_ids[start:start + 500]))
                .group_by(id_column)).all())
        for record_id in sorted(staged.keys() | refused.keys()):
            count = staged.get(record_id, 0) + len(refused.get(record_id, ()))
            if count < 2:
                continue
            locations = db.session.scalars(
                select(model.location).where(model.batch_id == batch.id, id_column == record_id)
                .order_by(model.id).limit(5)).all() if record_id in staged else []
            locations = sorted([*locations, *refused.get(record_id, ())], key=_row_order)[:5]
            report.error(locations[0], column_name, record_id,
                         f"expected each {column_name} once in the file, but it is there {count} "
                         f"times ({', '.join(locations)}{', ...' if count > 5 else ''})")


def _row_order(location: str) -> int:
    """"row 12" -> 12: staged and refused copies of an id named in the file's order."""
    number = location.rpartition(" ")[2]
    return int(number) if number.isdigit() else 0


def _merge(batch: ImportBatch, report: ImportReport, checked: CheckedFrame | None = None) -> None:
    """Merge the staged rows, or write a checked frame's rows into their table; then the
    data-quality checks. All in one transaction: all or nothing."""
    # What depends on the staged rows alone is worked out before the write lock is taken.
    touched, early = (None, None) if checked is not None else _before_publishing(batch.id)
    with write_transaction():
        if checked is not None:
            loaded = import_frame.load_frame(batch.id, checked)
            counts = loaded.counts
            import_findings.record_quality_warnings(batch.id, report, loaded)
        else:
            loaded, (counts, first_loads, loaded_children) = None, _publish_staged(batch, touched)
            if early is not None and early.stand(first_loads):
                early.report_to(report)
            else:
                import_findings.record_quality_warnings(batch.id, report, touched=loaded_children)
        data_quality.record_for_batch(batch, report, loaded)
        if loaded is not None:
            loaded.drop_temporary()
        batch.counts = counts
        batch.status = ImportStatus.SUCCEEDED.value
        batch.finished_at = utcnow()
        batch.rows_processed = report.rows_read
        _store_report(batch, report)
        details = {"kind": batch.kind, "counts": counts, "warnings": report.warning_count}
        if batch.blank_bad_optional:
            details["optional_cells_left_blank"] = report.blanked_count
        record_event("import_succeeded", actor=batch.created_by, object_type="import_batch",
                     object_id=batch.id, details=details)
    # Out of the publishing transaction (on SQLite another 0.3 s of lock for 300,000 rows), a
    # chunk at a time; whatever a stopped worker leaves is dropped before the next import.
    _drop_staging_in_steps(batch.id)


class _NothingWritten(Exception):
    """Rolls back the look at a refused file's data quality."""


def _quality_of_refused_file(batch: ImportBatch, report: ImportReport, checked: CheckedFrame | None) -> None:
    """A refused file's data-quality warnings, found as an import would find them, so the page
    shows them with its errors and the council corrects the file in one round. The rows that
    passed their checks are merged and checked in a transaction that is then rolled back:
    nothing of the file is written."""
    if checked is not None:
        _stage_frame(batch, checked)
    # Rows sharing an id cannot be merged; their errors say so, and the checks wait for them.
    for model, id_column in ((StagedReferral, StagedReferral.referral_id), (StagedPlan, StagedPlan.plan_id)):
        if db.session.execute(select(id_column).where(model.batch_id == batch.id)
                              .group_by(id_column).having(func.count() > 1).limit(1)).first():
            report.layout.append("Data-quality checks not run: some ids are in the file more than once")
            return
    try:
        with write_transaction():
            _merge_staged(batch)
            import_findings.record_quality_warnings(batch.id, report)
            data_quality.record_for_batch(batch, report)
            raise _NothingWritten
    except _NothingWritten:
        pass
    except Exception:
        # The file is refused for its errors either way: a fault here must not add one of its own.
        current_app.logger.exception("Data-quality checks on refused import %s failed", batch.id)
        db.session.rollback()
        report.layout.append("Data-quality checks not run on this refused file (a fault in the service)")


def _before_publishing(batch_id: int) -> tuple[int, import_findings.FindingsBeforePublishing | None]:
    """What can be worked out from the staged rows before the write lock is taken: how many
    children they name and, for a file going only into empty tables (a first load), its
    findings."""
    with read_transaction():
        touched = import_merge.staged_children(batch_id)
        targets = _targets(batch_id)
        if not (targets and all(import_merge.table_empty(table) for table in targets)) \
                or _staged(StagedChild, batch_id):
            return touched, None
        return touched, import_findings.findings_before_publishing(batch_id, targets)


def _targets(batch_id: int) -> list[str]:
    return [table for table, model in (("referral", StagedReferral), ("cp_plan", StagedPlan))
            if _staged(model, batch_id)]


def _publish_staged(batch: ImportBatch, touched: int) -> tuple[dict, list[str], str | None]:
    """The staged rows merged into the real tables, in the caller's transaction. When every
    table written was empty before (a first load), the foreign keys are checked once after
    the load rather than row by row on SQLite, as import_frame.load_frame does, and the
    children the file touched are those of the tables written, found through their child
    index (SQL, returned; else None) rather than gathered from staging again (for 300,000
    referrals, 0.3 s and 0.5 s less of SQLite's write lock)."""
    targets = _targets(batch.id)
    first_loads = [table for table in targets if import_merge.table_empty(table)]
    keys_unchecked = bool(targets) and first_loads == targets and restart_without_foreign_keys()
    if keys_unchecked and not all(import_merge.table_empty(table) for table in targets):
        # Another import wrote while the transaction began again: merged with the checks on.
        if not restart_without_foreign_keys(off=False):
            raise RuntimeError("could not turn SQLite's foreign-key checks back on for the merge")
        keys_unchecked = False
        first_loads = [table for table in targets if import_merge.table_empty(table)]
    counts = _merge_staged(batch, touched)
    if keys_unchecked:
        for table in targets:
            import_frame._check_foreign_keys(table)
    if not targets or first_loads != targets or _staged(StagedChild, batch.id):
        return counts, first_loads, None
    # Table names are our own constants.
    return counts, first_loads, " UNION ".join(f"SELECT child_id FROM {table}" for table in targets)  # nosec B608


def _staged(model, batch_id: int) -> bool:
    return db.session.execute(select(model.id).where(model.batch_id == batch_id).limit(1)).first() is not None


def _merge_staged(batch: ImportBatch, touched: int | None = None) -> dict:
    if not is_sqlite():
        # Fresh statistics, so the planner joins a million staged rows by hash, not by loop.
        db.session.execute(text("ANALYZE staged_referral, staged_plan, staged_child"))
    counts = {"children": import_merge.merge_children(batch.id, touched)}
    if db.session.scalar(select(func.count()).select_from(StagedReferral).where(StagedReferral.batch_id == batch.id)):
        counts["referrals"] = import_merge.merge_records("referral", batch.id)
    if db.session.scalar(select(func.count()).select_from(StagedPlan).where(StagedPlan.batch_id == batch.id)):
        counts["cp_plans"] = import_merge.merge_records("cp_plan", batch.id)
    return counts


def retry_leaving_optional_cells_blank(batch_id: int, user=None) -> ImportBatch:
    """A new import of a refused batch's file, with its bad optional cells left blank. Only for
    a batch whose every error was in an optional column (its file is kept for this)."""
    refused = db.session.get(ImportBatch, batch_id)
    path = _stored_path(refused)
    if refused.status != ImportStatus.FAILED or not (refused.layout or {}).get("can_blank_optional") \
            or not path.exists():
        raise ImportRefused("This file cannot be imported with cells left blank: upload it again")
    batch = queue_import(refused.kind, path, refused.file_name, user, blank_bad_optional=True,
                         retry_of=refused)
    path.unlink(missing_ok=True)
    return batch


def _drop_staging(batch_id: int) -> None:
    for model in (StagedChild, StagedReferral, StagedPlan):
        db.session.execute(delete(model).where(model.batch_id == batch_id))


def _drop_staging_in_steps(batch_id: int | None = None) -> None:
    """A batch's staged rows deleted a chunk to a transaction, so that no other user's save waits
    for the whole of it; with no batch, those of every finished batch (left by a worker stopped
    between publishing and tidying up: harmless, nothing reads a finished batch's staging)."""
    finished = select(ImportBatch.id).where(ImportBatch.finished_at.is_not(None))
    for model in (StagedChild, StagedReferral, StagedPlan):
        owner = model.batch_id == batch_id if batch_id is not None else model.batch_id.in_(finished)
        if batch_id is not None:
            with write_transaction():
                # The table's only rows are the batch's (no other import under way): emptied
                # whole, which SQLite does without visiting a row (for 300,000, 3 s less of
                # deleting and checkpointing them a chunk at a time).
                if db.session.execute(select(func.min(model.batch_id), func.max(model.batch_id))).one() \
                        == (batch_id, batch_id):
                    db.session.execute(delete(model))
                    continue
        while True:
            with write_transaction():
                chunk = select(model.id).where(owner).limit(import_merge.FRAME_CHUNK).scalar_subquery()
                if not db.session.execute(delete(model).where(model.id.in_(chunk))).rowcount:
                    break
            _let_waiting_saves_in()


def _store_report(batch: ImportBatch, report: ImportReport) -> None:
    batch.errors = [p.as_dict() for p in report.errors]
    batch.error_count = report.error_count
    batch.warnings = [p.as_dict() for p in report.warnings]
    batch.warning_count = report.warning_count
    batch.dropped_columns = report.dropped_columns
    batch.blanked = [p.as_dict() for p in report.blanked]
    batch.blanked_count = report.blanked_count
    batch.layout = {"notes": report.layout, "headings": report.headings,
                    "warning_kinds": report.warning_kinds,
                    "can_blank_optional": report.only_blankable_errors}


def _fail(batch: ImportBatch, report: ImportReport) -> None:
    with write_transaction():
        batch = db.session.get(ImportBatch, batch.id)
        _drop_staging(batch.id)
        batch.status = ImportStatus.FAILED.value
        batch.finished_at = utcnow()
        batch.rows_processed = report.rows_read
        _store_report(batch, report)
        record_event("import_failed", actor=batch.created_by, object_type="import_batch",
                     object_id=batch.id, outcome="failure",
                     details={"kind": batch.kind, "errors": report.error_count})


def warning_summary(batch: ImportBatch) -> list[str]:
    return data_quality.summary_lines((batch.layout or {}).get("warning_kinds"))


def describe_problem(problem: dict) -> str:
    """A stored problem as one sentence: file, place, column, value and what was expected."""
    return str(ImportProblem.from_dict(problem))


def latest_batches(limit=50):
    return db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)).all()

