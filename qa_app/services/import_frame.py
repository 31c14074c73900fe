"""A house file's checked rows written from its frame, not staged (the frame had already
found each id once): straight into their empty table (a first load), or compared with the
stored rows, only the new and changed ones written (a merge). Called by `imports._merge`
inside its one transaction."""
import sqlite3
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Date, text

from audit_tools.readers.columnar import CheckedFrame
from qa_app.db import is_sqlite, restart_without_foreign_keys
from qa_app.extensions import db
from qa_app.services.import_merge import FRAME_CHUNK, RECORD_COLUMNS, copy_frame, indexes_set_aside, table_empty


@dataclass
class FrameLoad:
    """A file's checked rows written from its frame, not staged (the frame had already found
    each id once): into their empty table (a first load), or compared with the stored rows and
    only the new and changed ones written (a merge). The data-quality checks then find the
    file's rows in that table, and name their place in the file."""
    table: str  # "referral" or "cp_plan"
    key: str  # the council's id column
    counts: dict
    end_date: date | None  # the latest date in the file
    frame: pl.DataFrame
    first: bool  # a first load
    whole_table: bool  # every row of the table is the file's (after a first load, always)

    @property
    def touched(self) -> str:
        """SQL for the children the file touched."""
        # After a first load, the table's (found through its child index).
        return f"SELECT child_id FROM {self.table}" if self.first else "SELECT child_id FROM import_touched"  # nosec B608: our constants

    def rows(self, record_id: str) -> tuple[str, str, str, str]:
        """The file's rows in the table, as FROM clauses for counting them and for listing
        them, their place in the file and the file's order."""
        if self.first:
            return f"{self.table} s", f"{self.table} s", f"s.{record_id}", "s.id"
        # import_rows holds the file's ids and rows; the merge wrote every one of them.
        in_file = f"{self.table} s JOIN import_rows f ON f.record_id = s.{record_id}"
        # Counting every row of the table needs no join (for a million, 2 s less).
        return (f"{self.table} s" if self.whole_table else in_file, in_file,
                "'row ' || CAST(f.file_row AS VARCHAR(12))", "f.file_row")

    def locations(self, record_ids) -> dict[str, str]:
        """{record id: "row 12"} for the few rows of a first load that a warning lists."""
        return dict(self.frame.filter(pl.col(self.key).is_in(list(record_ids)))
                    .select(self.key, pl.format("row {}", pl.col("row"))).iter_rows())

    def drop_temporary(self) -> None:
        if not self.first and is_sqlite():
            # PostgreSQL drops them at the commit (ON COMMIT DROP).
            db.session.execute(text("DROP TABLE import_rows"))
            db.session.execute(text("DROP TABLE import_touched"))


# Per table (its id column and values are import_merge.RECORD_COLUMNS'): what the batch's
# counts call its rows, and the dates whose latest is the file's end date.
_COUNTED_AS = {"referral": ("referrals", ("referral_date",)), "cp_plan": ("cp_plans", ("start_date", "end_date"))}


def _table_of(checked: CheckedFrame) -> str:
    return next(table for table, (_, key, _) in RECORD_COLUMNS.items() if key in checked.fields)


def load_frame(batch_id: int, checked: CheckedFrame) -> FrameLoad:
    """The checked rows of a house file, each id once, into their table: straight in if it is
    empty, else merged with the rows already there. In the caller's transaction."""
    target = _table_of(checked)
    key = RECORD_COLUMNS[target][1]
    counted_as, dates = _COUNTED_AS[target]
    if not is_sqlite():
        # Another import of the same table waits for this one's commit, so the rows compared
        # are the rows there when it writes; for as long as that takes (a worker, not a person
        # waiting: the connection's lock_timeout is for saves, qa_app/db.py).
        db.session.execute(text("SET LOCAL lock_timeout = 0"))
        db.session.execute(text(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE"))  # nosec B608
    frame = checked.frame
    first = table_empty(target)
    # On SQLite a first load's keys are checked once, after the load, instead of row by row.
    keys_unchecked = first and restart_without_foreign_keys()
    if keys_unchecked and not table_empty(target):
        # Another import filled the table while the transaction began again: a merge, which
        # keeps the checks (the restart cannot be refused here: nothing has been written).
        if not restart_without_foreign_keys(off=False):
            raise RuntimeError("could not turn SQLite's foreign-key checks back on for the merge")
        first = keys_unchecked = False
    if first:
        children = _add_children(frame.get_column("child_id").unique())
        columns = {field: pl.col(field) for field in RECORD_COLUMNS[target][2] if field in frame.columns}
        with indexes_set_aside(target):
            copy_frame(target, frame, {key: pl.col(key), **columns, "import_batch_id": pl.lit(batch_id)})
        if keys_unchecked:
            _check_foreign_keys(target)
        records = {"added": frame.height, "updated": 0, "unchanged": 0}
        whole_table = True
    else:
        children = _add_touched_children(frame.get_column("child_id").unique())
        records = _merge_frame(batch_id, target, key, frame)
        # Table name is our own constant.
        whole_table = db.session.execute(text(f"SELECT count(*) FROM {target}")).scalar() == frame.height  # nosec B608
    latest = [day for day in (frame.get_column(column).max() for column in dates) if day]
    return FrameLoad(target, key, {"children": children, counted_as: records},
                     max(latest, default=None), frame, first, whole_table)


def _merge_frame(batch_id: int, target: str, key: str, frame: pl.DataFrame) -> dict:
    """Compare the file's rows with the stored ones by id, as merge_records does, and write
    only the new and the changed: re-importing an unchanged file writes nothing to the table.
    Each row's id and values as one text (its signature) go into a temporary table, and the
    database compares each with the stored row's, so that only the new and changed ids come
    back, not a million stored rows. The file's ids and rows stay, in import_rows, for the
    data-quality checks to find the file's rows."""
    columns = RECORD_COLUMNS[target][2]
    _temporary_table("import_rows", "record_id VARCHAR(64) NOT NULL, file_row INTEGER NOT NULL", frame,
                     {"record_id": pl.col(key), "file_row": pl.col("row")})
    # SQLite keeps temporary tables in this process's memory (temp_store=MEMORY): a chunk's
    # signatures at a time, emptied after each (a million at once took 120 MB). PostgreSQL
    # compares the whole file in one hash join.
    step = FRAME_CHUNK if is_sqlite() else max(frame.height, 1)
    _temporary_table("import_signature", "record_id VARCHAR(64) NOT NULL, signature TEXT NOT NULL",
                     frame.clear(), {"record_id": pl.col(key), "signature": pl.lit("")})
    # Table and column names are our own constants.
    compare = text(f"SELECT f.record_id, t.{key} IS NULL FROM import_signature f LEFT JOIN {target} t "  # nosec B608
                   f"ON t.{key} = f.record_id WHERE t.{key} IS NULL OR {_stored_signature(columns)} <> f.signature")
    differing = []
    for offset in range(0, frame.height, step):
        chunk = frame.slice(offset, step)
        copy_frame("import_signature", chunk, {"record_id": pl.col(key), "signature": _frame_signature(chunk, columns)})
        if not is_sqlite():
            db.session.execute(text("ANALYZE import_signature"))
        differing += db.session.execute(compare).all()
        db.session.execute(text("DELETE FROM import_signature"))
    db.session.execute(text("DROP TABLE import_signature"))
    new = [record_id for record_id, is_new in differing if is_new]
    changed = [record_id for record_id, is_new in differing if not is_new]
    written = {key: pl.col(key), **{c: pl.col(c) for c in columns if c in frame.columns},
               "import_batch_id": pl.lit(batch_id)}
    if new:
        copy_frame(target, frame.filter(pl.col(key).is_in(new)), written)
    if changed:
        _update_changed(target, key, columns, frame.filter(pl.col(key).is_in(changed)), written)
    return {"added": len(new), "updated": len(changed), "unchanged": frame.height - len(differing)}


def _frame_signature(frame: pl.DataFrame, columns) -> pl.Expr:
    """Each row's values as one text: per column "-" if blank, else its length, ":" and its
    text (dates as ISO days), so that different values never give the same text. A column the
    file lacks is blank, as staging would have it."""
    parts = []
    for column in columns:
        if column not in frame.columns:
            parts.append(pl.lit("-"))
            continue
        value = pl.col(column).cast(pl.String)
        parts.append(pl.when(value.is_null()).then(pl.lit("-"))
                     .otherwise(pl.concat_str(value.str.len_chars().cast(pl.String), pl.lit(":"), value)))
    return pl.concat_str(parts)


def _stored_signature(columns) -> str:
    """The same text worked out by the database from a stored row `t` (SQLite keeps dates as
    ISO text; PostgreSQL writes them out so, whatever its DateStyle)."""
    types = {**db.metadata.tables["referral"].c, **db.metadata.tables["cp_plan"].c}
    parts = []
    for column in columns:
        if not is_sqlite() and isinstance(types[column].type, Date):
            value = f"to_char(t.{column}, 'YYYY-MM-DD')"
        else:
            value = f"CAST(t.{column} AS TEXT)"
        parts.append(f"CASE WHEN t.{column} IS NULL THEN '-' ELSE length({value}) || ':' || {value} END")
    return " || ".join(parts)


def _update_changed(target: str, key: str, columns, changed: pl.DataFrame, written: dict) -> None:
    """The changed rows into a temporary table, then one UPDATE … FROM (SQLite 3.33+ and
    PostgreSQL), as merge_records' upsert sets them: each column to the file's value (blank
    where the file has no such column) and the import that changed them."""
    _temporary_table("import_changed", _declared(target, written), changed, written)
    updates = ", ".join(f"{c} = c.{c}" if c in written else f"{c} = NULL" for c in (*columns, "import_batch_id"))
    # Table and column names are our own constants.
    db.session.execute(text(f"UPDATE {target} SET {updates} FROM import_changed c "  # nosec B608
                            f"WHERE {target}.{key} = c.{key}"))
    db.session.execute(text("DROP TABLE import_changed"))


def _declared(target: str, columns) -> str:
    """The columns as the target table declares them, for a temporary table of its rows."""
    table, dialect = db.metadata.tables[target], db.session.get_bind().dialect
    return ", ".join(f"{c} {table.c[c].type.compile(dialect=dialect)}" for c in columns)


def _temporary_table(name: str, declared: str, frame: pl.DataFrame, columns: dict[str, pl.Expr]) -> None:
    """A temporary table of the frame's values, for the statements of this transaction: gone
    at its end on PostgreSQL (ON COMMIT DROP), dropped by its user on SQLite (and rolled back
    with the transaction, as a temporary table created in one is)."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {name}"))
    db.session.execute(text(f"CREATE TEMPORARY TABLE {name} ({declared})"  # nosec B608: our constants
                            + ("" if is_sqlite() else " ON COMMIT DROP")))
    copy_frame(name, frame, columns)
    if not is_sqlite():
        db.session.execute(text(f"ANALYZE {name}"))


def _add_touched_children(child_ids: pl.Series) -> dict:
    """The children the file names into import_touched (which the findings read), and those
    not known yet into child, counted as merge_children does."""
    _temporary_table("import_touched", "child_id VARCHAR(64) PRIMARY KEY", child_ids.to_frame(),
                     {"child_id": pl.col("child_id")})
    # NOT EXISTS lets PostgreSQL anti-join the known children in one pass (2 s less for
    # 316,668 of them than a conflict found per row); ON CONFLICT still guards the insert.
    added = db.session.execute(text(
        "INSERT INTO child (child_id) SELECT t.child_id FROM import_touched t WHERE NOT EXISTS "
        "(SELECT 1 FROM child c WHERE c.child_id = t.child_id) ON CONFLICT (child_id) DO NOTHING")).rowcount
    return {"added": added, "already_known": child_ids.len() - added}


def _check_foreign_keys(target: str) -> None:
    """Every key of the loaded table's rows checked at once, each distinct value looked up
    once (the child ids through the index just built), where SQLite's own checks, row by row
    or by foreign_key_check, look up every row's; failing as SQLite would have. The children
    were added from the same frame, so it only fails on a fault."""
    for key in db.metadata.tables[target].foreign_key_constraints:
        columns = [column.name for column in key.columns]
        matched = " AND ".join(f"p.{element.column.name} = k.{element.parent.name}" for element in key.elements)
        present = " AND ".join(f"k.{column} IS NOT NULL" for column in columns)
        # Names from the table's own metadata.
        missing = db.session.execute(text(
            f"SELECT 1 FROM (SELECT DISTINCT {', '.join(columns)} FROM {target}) k "  # nosec B608
            f"WHERE {present} AND NOT EXISTS (SELECT 1 FROM {key.referred_table.name} p WHERE {matched}) LIMIT 1"))
        if missing.first() is not None:
            raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")


def _add_children(child_ids: pl.Series) -> dict:
    """Add the children the file names who are not known yet, counted as merge_children does."""
    # In key order, each new id goes in at the end of the child index, not somewhere in it:
    # on either database about half the time of the ids in the file's order.
    child_ids = child_ids.sort()
    if is_sqlite():
        added = db.session.connection().connection.driver_connection.executemany(
            "INSERT INTO child (child_id) VALUES (?) ON CONFLICT (child_id) DO NOTHING",
            ((child_id,) for child_id in child_ids)).rowcount
    else:
        added = db.session.execute(text(
            "INSERT INTO child (child_id) SELECT unnest(CAST(:ids AS text[])) ON CONFLICT (child_id) DO NOTHING"),
            {"ids": child_ids.to_list()}).rowcount
    return {"added": added, "already_known": child_ids.len() - added}
