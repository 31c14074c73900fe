"""The import's set-based merge of staged rows into the case data, a first load's rows written
straight into their empty table, and the data-quality findings for the children a file
touched. Called by `imports._merge` inside its one transaction."""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import text
from sqlalchemy.schema import AddConstraint, DropConstraint

from audit_tools.quality import NFA_THEN_PLAN_DAYS, child_findings
from audit_tools.readers import ImportReport
from audit_tools.readers.columnar import CheckedFrame
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import driver_rows, from_db_date, is_sqlite
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
_RECORD_COLUMNS = {
    "referral": ("staged_referral", "referral_id",
                 ("child_id", "referral_date", "decision", "source", "team")),
    "cp_plan": ("staged_plan", "plan_id",
                ("child_id", "start_date", "end_date", "category", "team", "previous_plans")),
}


def merge_records(target: str, batch_id: int) -> dict:
    staged, key, columns = _RECORD_COLUMNS[target]
    names = {"staged": staged, "target": target, "key": key, "columns": ", ".join(columns),
             "same": " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in columns),
             "updates": ", ".join(f"{c} = excluded.{c}" for c in columns)}
    params = {"batch": batch_id}
    total, known, unchanged = db.session.execute(text(_COUNT.format(**names)), params).one()
    if known == 0 and _empty(target):
        with _indexes_set_aside(target):
            db.session.execute(text(_INSERT.format(**names)), params)
    elif known == 0:
        db.session.execute(text(_INSERT.format(**names)), params)
    elif unchanged < total:
        db.session.execute(text(_UPSERT.format(**names)), params)
    return {"added": total - known, "updated": known - unchanged, "unchanged": unchanged}


def _empty(target: str) -> bool:
    return db.session.execute(text(f"SELECT 1 FROM {target} LIMIT 1")).first() is None  # nosec B608


@contextmanager
def _indexes_set_aside(target: str):
    """For a first load into an empty table: each secondary index dropped, and built again in
    one sort after the rows are in, which is several times quicker than keeping it up a row
    at a time. On PostgreSQL the foreign keys too: checked row by row they took most of the
    load's time, added back they are checked for every row in one join, before the commit."""
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


@dataclass
class FirstLoad:
    """A file's rows written straight into their table, which was empty (no staging: the
    checked frame had already found each id once). The data-quality checks find the rows in
    that table (every row there is the file's), and name their place in the file through
    `locations`."""
    table: str  # "referral" or "cp_plan"
    key: str  # the council's id column
    counts: dict
    end_date: date | None  # the latest date in the file
    frame: pl.DataFrame

    def locations(self, record_ids) -> dict[str, str]:
        """{record id: "row 12"} for the few rows a warning lists."""
        return dict(self.frame.filter(pl.col(self.key).is_in(list(record_ids)))
                    .select(self.key, pl.format("row {}", pl.col("row"))).iter_rows())


_FIRST_LOAD = {
    "referral_id": ("referral", "referrals", ("referral_date",)),
    "plan_id": ("cp_plan", "cp_plans", ("start_date", "end_date")),
}


def first_load_possible(checked: CheckedFrame) -> bool:
    """Is the table this file's rows go into empty (so far: load_first asks again, in the
    transaction that loads it)?"""
    return _empty(_FIRST_LOAD[_key_of(checked)][0])


def _key_of(checked: CheckedFrame) -> str:
    return next(field for field in checked.fields if field in _FIRST_LOAD)


def load_first(batch_id: int, checked: CheckedFrame) -> FirstLoad | None:
    """The checked rows of a house file straight into their table, if it is empty; None if it
    is not (then they are staged and merged as any other file's)."""
    key = _key_of(checked)
    target, counted_as, dates = _FIRST_LOAD[key]
    if not is_sqlite():
        # Another import starting a first load of the same table waits for this one's commit,
        # and then finds the table no longer empty.
        db.session.execute(text(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE"))  # nosec B608
    if not _empty(target):
        return None
    frame = checked.frame
    children = _add_children(frame.get_column("child_id").unique())
    columns = {field: pl.col(field) for field in _RECORD_COLUMNS[target][2] if field in frame.columns}
    with _indexes_set_aside(target):
        copy_frame(target, frame, {key: pl.col(key), **columns, "import_batch_id": pl.lit(batch_id)})
    latest = [day for day in (frame.get_column(column).max() for column in dates) if day]
    return FirstLoad(target, key, {"children": children, counted_as: {
        "added": frame.height, "updated": 0, "unchanged": 0}}, max(latest, default=None), frame)


def _add_children(child_ids: pl.Series) -> dict:
    """Add the children the file names who are not known yet, counted as merge_children does."""
    if is_sqlite():
        added = db.session.connection().connection.driver_connection.executemany(
            "INSERT INTO child (child_id) VALUES (?) ON CONFLICT (child_id) DO NOTHING",
            ((child_id,) for child_id in child_ids)).rowcount
    else:
        added = db.session.execute(text(
            "INSERT INTO child (child_id) SELECT unnest(CAST(:ids AS text[])) ON CONFLICT (child_id) DO NOTHING"),
            {"ids": child_ids.to_list()}).rowcount
    return {"added": added, "already_known": child_ids.len() - added}


def merge_children(batch_id: int) -> dict:
    params = {"batch": batch_id}
    # `touched` is a constant; the batch goes in as a parameter.
    touched = ("SELECT child_id FROM staged_child WHERE batch_id = :batch UNION "
               "SELECT child_id FROM staged_referral WHERE batch_id = :batch UNION "
               "SELECT child_id FROM staged_plan WHERE batch_id = :batch")
    total = db.session.execute(text(f"SELECT count(*) FROM ({touched}) c"), params).scalar()  # nosec B608
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


# What the findings for a child touched by the file need (audit_tools.quality.child_findings):
# its referrals on a day it has another referral (same-day pairs lie within those groups); each
# NFA referral made at most NFA_THEN_PLAN_DAYS before one of its plans starts, with that plan;
# and all its plans if it has two or more (overlaps) or one that starts and ends on the same
# day. A child with none of these has no finding, and reading only these gives the same findings
# as reading every record: after a plans file's first load, about 26,000 plans and 700 referrals
# of a million-referral database instead of 100,000 plans and 52,000 referrals.
_TOUCHED = ("SELECT child_id FROM staged_referral WHERE batch_id = :batch UNION "
            "SELECT child_id FROM staged_plan WHERE batch_id = :batch")


def _finding_queries(touched: str) -> tuple[str, str, str]:
    plans = ("SELECT plan_id, child_id, start_date, end_date FROM cp_plan WHERE child_id IN "
             f"(SELECT child_id FROM cp_plan WHERE child_id IN ({touched}) GROUP BY child_id "
             " HAVING count(*) > 1 OR max(CASE WHEN end_date = start_date THEN 1 ELSE 0 END) = 1)")
    earliest = (f"date(p.start_date, '-{NFA_THEN_PLAN_DAYS} days')" if is_sqlite()
                else f"p.start_date - {NFA_THEN_PLAN_DAYS}")
    nfa_before_plan = (
        "SELECT r.referral_id, r.child_id, r.referral_date, r.decision, p.plan_id, p.start_date, p.end_date "
        # From each plan to the child's referrals in the days before it (a range of the child's
        # date index); CROSS JOIN keeps SQLite from starting at the referrals, a million of them
        # after a referrals file.
        f"FROM cp_plan p CROSS JOIN referral r WHERE p.child_id IN ({touched}) "
        "AND r.child_id = p.child_id AND r.decision = 'nfa' "
        f"AND r.referral_date <= p.start_date AND r.referral_date >= {earliest}")
    same_day = (
        "SELECT r.referral_id, r.child_id, r.referral_date, r.decision FROM referral r "
        # A row-value IN, not a join: the databases look the few same-day pairs up in the index,
        # where a join to the grouped rows compared every referral with every pair.
        "WHERE (r.child_id, r.referral_date) IN "
        f"(SELECT child_id, referral_date FROM referral WHERE child_id IN ({touched}) "
        " GROUP BY child_id, referral_date HAVING count(*) > 1)")
    return plans, nfa_before_plan, same_day


def record_quality_warnings(batch_id: int, report: ImportReport, first_load: FirstLoad | None = None) -> None:
    """Check each child the file touched who could have a finding, in child id order."""
    params = {"batch": batch_id}
    # After a first load every row of its table is the file's, so the children it touched are
    # the table's (and found through its child index).
    queries = _finding_queries(
        f"SELECT child_id FROM {first_load.table}" if first_load else _touched_children(params))  # nosec B608: our constants
    plan_rows, pair_rows, same_day_rows = (_finding_rows(db.session.connection(), sql) for sql in queries)
    # {child: {id: row}}: a plan or referral can come from two of the queries, and counts once.
    plans, referrals = {}, {}
    for row in plan_rows:
        plans.setdefault(row[1], {})[row[0]] = row
    for referral_id, child_id, day, decision, plan_id, start, end in pair_rows:
        referrals.setdefault(child_id, {})[referral_id] = (referral_id, child_id, day, decision)
        plans.setdefault(child_id, {})[plan_id] = (plan_id, child_id, start, end)
    for row in same_day_rows:
        referrals.setdefault(row[1], {})[row[0]] = row
    for child_id in sorted(plans.keys() | referrals.keys()):
        child_plans = [PlanRecord(plan_id, child, from_db_date(start), from_db_date(end))
                       for plan_id, child, start, end in plans.get(child_id, {}).values()]
        child_referrals = [ReferralRecord(referral_id, child, from_db_date(day), decision)
                           for referral_id, child, day, decision in referrals.get(child_id, {}).values()]
        for finding in child_findings(child_id, child_referrals, child_plans):
            report.warning(f"child {child_id}", None, ", ".join(finding.record_ids),
                           f"{finding.label}: {finding.detail}", kind=finding.kind)
    if first_load is None:
        db.session.execute(text("DROP TABLE import_touched"))


def _finding_rows(connection, sql: str) -> list[tuple]:
    """The rows of one finding query, through the driver. On PostgreSQL in one process: for the
    same-day groups its parallel plan built the touched children's hash again in each worker
    and spilled the grouping to disk. The three queries took 2.2 s in parallel and 0.9 s in one
    process after a first load of a million referrals, 0.45 and 0.38 s after a plans file's,
    0.49 and 0.52 s after a re-import of the referrals."""
    if is_sqlite():
        return driver_rows(connection, sql)
    workers = connection.exec_driver_sql("SELECT current_setting('max_parallel_workers_per_gather')").scalar()
    connection.exec_driver_sql("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
    rows = driver_rows(connection, sql)
    connection.exec_driver_sql("SELECT set_config('max_parallel_workers_per_gather', %(workers)s, true)",
                               {"workers": workers})
    return rows


def _touched_children(params: dict) -> str:
    """The children the staged file touched, found once and kept in a temporary table, which
    the findings' queries read: each of the three worked them out again from the staged
    rows, and for a million of them that was most of a re-import's checks (3 s each)."""
    db.session.execute(text("DROP TABLE IF EXISTS import_touched"))
    # Gone at the end of the transaction (PostgreSQL) or dropped above (SQLite), and on
    # SQLite rolled back with it, as a temporary table created in a transaction is.
    db.session.execute(text("CREATE TEMPORARY TABLE import_touched (child_id VARCHAR(64) PRIMARY KEY)"
                            + ("" if is_sqlite() else " ON COMMIT DROP")))
    db.session.execute(text(f"INSERT INTO import_touched (child_id) {_TOUCHED}"), params)  # nosec B608: a constant
    if not is_sqlite():
        db.session.execute(text("ANALYZE import_touched"))
    return "SELECT child_id FROM import_touched"
