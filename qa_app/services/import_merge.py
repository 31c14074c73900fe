"""The import's set-based merge of staged rows into the case data, and what every way of
writing a file's rows shares: the tables' columns, setting secondary indexes aside around a
load into an empty table, and writing a checked frame a chunk at a time. Called by
`imports._merge` inside its one transaction; a file written from its frame is
`import_frame`'s, its data-quality findings `import_findings`'."""
from contextlib import contextmanager

import polars as pl
from sqlalchemy import text
from sqlalchemy.schema import AddConstraint, DropConstraint

from qa_app.db import is_sqlite
from qa_app.extensions import db

# Portable SQL (SQLite 3.35+ and PostgreSQL): set-based, so a million rows merge in seconds.
# One pass counts what is new and what is unchanged; only new and changed rows are written, so
# re-importing an unchanged file writes nothing (a row's import_batch_id is the import that
# last added or changed it).
_COUNT = "SELECT count(*), count(t.{key}), coalesce(sum(CASE WHEN {same} THEN 1 ELSE 0 END), 0) " \
         "FROM {staged} s LEFT JOIN {target} t ON t.{key} = s.{key} WHERE s.batch_id = :batch"
_INSERT = "INSERT INTO {target} ({key}, {columns}, import_batch_id) " \
          "SELECT {key}, {columns}, :batch FROM {staged} s WHERE s.batch_id = :batch"
_UPSERT = _INSERT + " AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{key} = s.{key} AND {same}) " \
          "ON CONFLICT ({key}) DO UPDATE SET {updates}, import_batch_id = excluded.import_batch_id"
RECORD_COLUMNS = {
    "referral": ("staged_referral", "referral_id",
                 ("child_id", "referral_date", "decision", "source", "team")),
    "cp_plan": ("staged_plan", "plan_id",
                ("child_id", "start_date", "end_date", "category", "team", "previous_plans")),
}


def merge_records(target: str, batch_id: int) -> dict:
    staged, key, columns = RECORD_COLUMNS[target]
    names = {"staged": staged, "target": target, "key": key, "columns": ", ".join(columns),
             "same": " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in columns),
             "updates": ", ".join(f"{c} = excluded.{c}" for c in columns)}
    params = {"batch": batch_id}
    total, known, unchanged = db.session.execute(text(_COUNT.format(**names)), params).one()
    if known == 0 and table_empty(target):
        with indexes_set_aside(target):
            db.session.execute(text(_INSERT.format(**names)), params)
    elif known == 0:
        db.session.execute(text(_INSERT.format(**names)), params)
    elif unchanged < total:
        db.session.execute(text(_UPSERT.format(**names)), params)
    return {"added": total - known, "updated": known - unchanged, "unchanged": unchanged}


def table_empty(target: str) -> bool:
    return db.session.execute(text(f"SELECT 1 FROM {target} LIMIT 1")).first() is None  # nosec B608


@contextmanager
def indexes_set_aside(target: str):
    """For a first load into an empty table: each secondary index dropped, and built again in
    one sort after the rows are in, which is several times quicker than keeping it up a row
    at a time. On PostgreSQL the foreign keys too: checked row by row they took most of the
    load's time, added back they are checked for every row in one join, before the commit.
    (On SQLite, which cannot drop a foreign key, load_frame turns the checks off instead.)"""
    table = db.metadata.tables[target]
    keys = [] if is_sqlite() else list(table.foreign_key_constraints)
    connection = db.session.connection()
    for key in keys:
        connection.execute(DropConstraint(key))
    for index in table.indexes:
        index.drop(connection)
    yield
    for index in table.indexes:
        index.create(connection)
    for key in keys:
        connection.execute(AddConstraint(key))
    if keys:
        db.session.execute(text(f"ANALYZE {target}"))  # nosec B608


# Rows handed to the database at a time when a checked frame is written to a table.
FRAME_CHUNK = 50_000


def copy_frame(table: str, frame: pl.DataFrame, columns: dict[str, pl.Expr]) -> None:
    """Write the frame into the table, `columns` being each table column's value as an
    expression over the frame, a chunk at a time so that only one chunk's values are ever
    out of the frame. On SQLite the driver's executemany takes each column's values zipped
    (dates as ISO text, as SQLite keeps them), no tuple of a row built before it is wanted;
    on PostgreSQL, COPY."""
    sqlite = is_sqlite()
    # Table and column names are our own constants; the values go in as parameters or COPY data.
    names = ", ".join(columns)
    cursor = db.session.connection().connection.driver_connection.cursor()
    for offset in range(0, frame.height, FRAME_CHUNK):
        chunk = frame.slice(offset, FRAME_CHUNK).select(**columns)
        if sqlite:
            chunk = chunk.with_columns(pl.col(pl.Date).cast(pl.String))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})",  # nosec B608
                               zip(*(values.to_list() for values in chunk.iter_columns())))
        else:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(chunk.write_csv(include_header=False))
    cursor.close()


_TOUCHED = ("SELECT child_id FROM staged_child WHERE batch_id = :batch UNION "
            "SELECT child_id FROM staged_referral WHERE batch_id = :batch UNION "
            "SELECT child_id FROM staged_plan WHERE batch_id = :batch")


def staged_children(batch_id: int) -> int:
    """How many children the batch's staged rows name."""
    return db.session.execute(text(f"SELECT count(*) FROM ({_TOUCHED}) c"), {"batch": batch_id}).scalar()  # nosec B608


def merge_children(batch_id: int, total: int | None = None) -> dict:
    """The staged children into child, counted; `total` (staged_children) if already known."""
    params = {"batch": batch_id}
    # `touched` is a constant; the batch goes in as a parameter.
    touched = _TOUCHED
    if total is None:
        total = staged_children(batch_id)
    added = db.session.execute(text(
        "SELECT count(DISTINCT s.child_id) FROM staged_child s WHERE s.batch_id = :batch AND NOT EXISTS "
        "(SELECT 1 FROM child WHERE child.child_id = s.child_id)"), params).scalar()
    db.session.execute(text(
        "INSERT INTO child (child_id, date_of_birth, sex, ethnicity, disability) "
        "SELECT child_id, max(date_of_birth), max(sex), max(ethnicity), max(disability) "
        "FROM staged_child WHERE batch_id = :batch GROUP BY child_id "
        "ON CONFLICT (child_id) DO UPDATE SET "
        "date_of_birth = coalesce(excluded.date_of_birth, child.date_of_birth), "
        "sex = coalesce(excluded.sex, child.sex), "
        "ethnicity = coalesce(excluded.ethnicity, child.ethnicity), "
        "disability = coalesce(excluded.disability, child.disability)"), params)
    # The children only referrals or plans name: those inserted here are the rest of the new ones.
    added += db.session.execute(text(
        f"INSERT INTO child (child_id) SELECT child_id FROM ({touched}) c WHERE true "  # nosec B608
        "ON CONFLICT (child_id) DO NOTHING"), params).rowcount
    return {"added": added, "already_known": total - added}
