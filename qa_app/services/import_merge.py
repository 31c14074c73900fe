"""The import's set-based merge of staged rows into the case data, and the data-quality findings
for the children a file touched. Called by `imports._merge` inside its one transaction."""
from sqlalchemy import text
from sqlalchemy.schema import AddConstraint, DropConstraint

from audit_tools.quality import child_findings
from audit_tools.readers import ImportReport
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import from_db_date, is_sqlite
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
    if known == 0 and db.session.execute(text(f"SELECT 1 FROM {target} LIMIT 1")).first() is None:  # nosec B608
        # A first load into an empty table: a plain insert, then each secondary index built in
        # one sort, which is several times quicker than keeping it up a row at a time. On
        # PostgreSQL the foreign keys too: checked row by row they took most of the load's time,
        # added back they are checked for every row in one join, before the commit.
        table = db.metadata.tables[target]
        keys = [] if is_sqlite() else list(table.foreign_key_constraints)
        connection = db.session.connection()
        for key in keys:
            connection.execute(DropConstraint(key))
        for index in table.indexes:
            index.drop(connection)
        db.session.execute(text(_INSERT.format(**names)), params)
        for index in table.indexes:
            index.create(connection)
        for key in keys:
            connection.execute(AddConstraint(key))
        if keys:
            db.session.execute(text(f"ANALYZE {target}"))  # nosec B608
    elif known == 0:
        db.session.execute(text(_INSERT.format(**names)), params)
    elif unchanged < total:
        db.session.execute(text(_UPSERT.format(**names)), params)
    return {"added": total - known, "updated": known - unchanged, "unchanged": unchanged}


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
# its plans; referrals on a day it has another referral (same-day pairs lie within those
# groups); and, if it has a plan, its NFA referrals. Reading only these gives the same findings
# as reading every referral, for a fraction of the rows.
_TOUCHED = ("SELECT child_id FROM staged_referral WHERE batch_id = :batch UNION "
            "SELECT child_id FROM staged_plan WHERE batch_id = :batch")
_FINDING_PLANS = f"SELECT plan_id, child_id, start_date, end_date FROM cp_plan WHERE child_id IN ({_TOUCHED})"
_FINDING_REFERRALS = (
    "SELECT r.referral_id, r.child_id, r.referral_date, r.decision FROM referral r "
    f"WHERE r.decision = 'nfa' AND r.child_id IN (SELECT child_id FROM cp_plan WHERE child_id IN ({_TOUCHED})) "
    "UNION "
    "SELECT r.referral_id, r.child_id, r.referral_date, r.decision FROM referral r "
    # A row-value IN, not a join: the databases look the few same-day pairs up in the index,
    # where a join to the grouped rows compared every referral with every pair.
    "WHERE (r.child_id, r.referral_date) IN "
    f"(SELECT child_id, referral_date FROM referral WHERE child_id IN ({_TOUCHED}) "
    " GROUP BY child_id, referral_date HAVING count(*) > 1)")


def record_quality_warnings(batch_id: int, report: ImportReport) -> None:
    """Check each child the file touched who could have a finding, in child id order."""
    params = {"batch": batch_id}
    plans, referrals = {}, {}
    for plan_id, child_id, start, end in db.session.execute(text(_FINDING_PLANS), params):
        plans.setdefault(child_id, []).append(
            PlanRecord(plan_id, child_id, from_db_date(start), from_db_date(end)))
    for referral_id, child_id, day, decision in db.session.execute(text(_FINDING_REFERRALS), params):
        referrals.setdefault(child_id, []).append(
            ReferralRecord(referral_id, child_id, from_db_date(day), decision))
    for child_id in sorted(plans.keys() | referrals.keys()):
        for finding in child_findings(child_id, referrals.get(child_id, []), plans.get(child_id, [])):
            report.warning(f"child {child_id}", None, ", ".join(finding.record_ids),
                           f"{finding.label}: {finding.detail}", kind=finding.kind)
