"""The data-quality findings for each child an import touched (audit_tools.quality's
child_findings over the records a finding can use). Called by `imports._merge` inside its one
transaction, after the rows are written."""
from dataclasses import dataclass

from sqlalchemy import text

from audit_tools.quality import NFA_THEN_PLAN_DAYS, child_findings
from audit_tools.readers import ImportReport
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import driver_rows, from_db_date, is_sqlite
from qa_app.extensions import db
from qa_app.services.import_frame import FrameLoad


# What the findings for a child touched by the file need (audit_tools.quality.child_findings):
# its referrals on a day it has another referral (same-day pairs lie within those groups); each
# NFA referral made at most NFA_THEN_PLAN_DAYS before one of its plans starts, with that plan;
# and all its plans if it has two or more (overlaps) or one that starts and ends on the same
# day. A child with none of these has no finding, and reading only these gives the same findings
# as reading every record: after a plans file's first load, about 26,000 plans and 700 referrals
# of a million-referral database instead of 100,000 plans and 52,000 referrals.
_TOUCHED = ("SELECT child_id FROM staged_referral WHERE batch_id = :batch UNION "
            "SELECT child_id FROM staged_plan WHERE batch_id = :batch")


def _finding_queries(touched: str, referral: str = "referral", cp_plan: str = "cp_plan") -> tuple[str, str, str]:
    """The three queries, over the tables named, or over what stands in for them (SQL)."""
    # (Every table named has an alias: PostgreSQL requires one of a subquery standing in.)
    plans = (f"SELECT plan_id, child_id, start_date, end_date FROM {cp_plan} q WHERE child_id IN "
             f"(SELECT child_id FROM {cp_plan} q2 WHERE child_id IN ({touched}) GROUP BY child_id "
             " HAVING count(*) > 1 OR max(CASE WHEN end_date = start_date THEN 1 ELSE 0 END) = 1)")
    earliest = (f"date(p.start_date, '-{NFA_THEN_PLAN_DAYS} days')" if is_sqlite()
                else f"p.start_date - {NFA_THEN_PLAN_DAYS}")
    nfa_before_plan = (
        "SELECT r.referral_id, r.child_id, r.referral_date, r.decision, p.plan_id, p.start_date, p.end_date "
        # From each plan to the child's referrals in the days before it (a range of the child's
        # date index); CROSS JOIN keeps SQLite from starting at the referrals, a million of them
        # after a referrals file.
        f"FROM {cp_plan} p CROSS JOIN {referral} r WHERE p.child_id IN ({touched}) "
        "AND r.child_id = p.child_id AND r.decision = 'nfa' "
        f"AND r.referral_date <= p.start_date AND r.referral_date >= {earliest}")
    same_day = (
        f"SELECT r.referral_id, r.child_id, r.referral_date, r.decision FROM {referral} r "
        # A row-value IN, not a join: the databases look the few same-day pairs up in the index,
        # where a join to the grouped rows compared every referral with every pair.
        "WHERE (r.child_id, r.referral_date) IN "
        f"(SELECT child_id, referral_date FROM {referral} q WHERE child_id IN ({touched}) "
        " GROUP BY child_id, referral_date HAVING count(*) > 1)")
    return plans, nfa_before_plan, same_day


def record_quality_warnings(batch_id: int, report: ImportReport, loaded: FrameLoad | None = None,
                            touched: str | None = None) -> None:
    """Check each child the file touched who could have a finding, in child id order. The
    children touched are the loaded frame's, or `touched` (SQL) if given, else the staged rows'."""
    params = {"batch": batch_id}
    queries = _finding_queries(loaded.touched if loaded else touched or _touched_children(params))
    _report_findings(report, (_finding_rows(db.session.connection(), sql) for sql in queries))
    if loaded is None and touched is None:
        db.session.execute(text("DROP TABLE import_touched"))


def _report_findings(report, rows) -> None:
    plan_rows, pair_rows, same_day_rows = rows
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


# The tables the findings read, and the batch's staged rows standing in for each (its own
# columns only, so that the queries read them as they would read the table).
_STAND_INS = {"referral": "(SELECT referral_id, child_id, referral_date, decision FROM staged_referral "
                          "WHERE batch_id = {batch})",
              "cp_plan": "(SELECT plan_id, child_id, start_date, end_date FROM staged_plan WHERE batch_id = {batch})"}


@dataclass
class FindingsBeforePublishing:
    """A staged file's findings worked out before it is published, outside the write lock (on
    SQLite 0.35 s of it for 300,000 referrals): they stand only if the tables the file goes
    into are still empty when it is published, and the others as they were (`stand`)."""
    warnings: list
    first_loads: tuple[str, ...]
    tables_then: dict

    def stand(self, first_loads: list[str]) -> bool:
        """Straight after publishing, in its transaction: the file went into the same empty
        tables, and no other import wrote to the tables it read besides."""
        others = [table for table in self.tables_then if table not in first_loads]
        return tuple(first_loads) == self.first_loads and _tables_now(others) == \
            {table: self.tables_then[table] for table in others}

    def report_to(self, report: ImportReport) -> None:
        for args, kwargs in self.warnings:
            report.warning(*args, **kwargs)


class _Noted:
    """Stands in for the report while the findings are worked out early."""

    def __init__(self):
        self.warnings = []

    def warning(self, *args, **kwargs):
        self.warnings.append((args, kwargs))


def _tables_now(tables) -> dict:
    """Enough of each table to tell whether another import has written to it since (imports
    alone write them: every row added or changed takes its import's batch id)."""
    return {table: tuple(db.session.execute(text(f"SELECT count(*), max(id), max(import_batch_id) FROM {table}")).one())  # nosec B608
            for table in tables}


def findings_before_publishing(batch_id: int, first_loads: list[str]) -> FindingsBeforePublishing | None:
    """For a file going only into empty tables (`first_loads`, which will then hold just its
    staged rows): its findings read from the staged rows where they will be. In a read
    transaction, before the publishing one. None where they cannot be read quickly so."""
    batch = int(batch_id)  # inlined: the queries run through the driver without parameters
    names = {table: _STAND_INS[table].format(batch=batch) for table in first_loads}
    touched = " UNION ".join(f"SELECT child_id FROM {names[table]} s" for table in first_loads)  # nosec B608
    noted = _Noted()
    connection = db.session.connection()
    tables_then = _tables_now(_STAND_INS)
    if "referral" in first_loads and tables_then["cp_plan"][0] and "cp_plan" not in first_loads:
        # From each stored plan to the staged referrals, which have no index on the child:
        # SQLite would read all of them again for every plan (100,000 plans and 300,000
        # referrals did not finish in 5 minutes). Worked out after publishing instead.
        return None
    # A query reading a table that is empty and is not the file's finds nothing (for a first
    # load of referrals before any plans, 0.4 s less of building the children's list to look in).
    empty = {table for table, (count, _, _) in tables_then.items() if not count and table not in first_loads}
    reads = ({"cp_plan"}, {"cp_plan", "referral"}, {"referral"})
    _report_findings(noted, ([] if reads[n] & empty else _finding_rows(connection, sql)
                             for n, sql in enumerate(_finding_queries(touched, **names))))
    return FindingsBeforePublishing(noted.warnings, tuple(first_loads), tables_then)


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
