"""Data-quality warnings a performance team expects, counted and listed with their rows.

The same checks run on one import (the staged rows, located by file row, shown on the import
page) and on everything loaded (shown on the measures page). Wording follows the DfE CIN
validator's: errors say what must be true and refuse the file; warnings are queries that start
"Please check:" and never stop an import.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text

from audit_tools.measures import LEGAL_PLANNING_MONTHS
from audit_tools.readers.census_rules import RULES as VALIDATOR_RULES
from audit_tools.quality import KINDS as CHILD_FINDINGS
from audit_tools.periods import add_months
from qa_app.db import from_db_date, is_sqlite, to_db_date
from qa_app.extensions import db
from qa_app.models import ImportBatch, ImportStatus, StagedPlan, StagedReferral

LISTED = 100
_BIRTH_KINDS = ("referral_before_birth", "referral_aged_18", "plan_before_birth")
FILE_KINDS = {"early_date": ("date before 1990 to check", "dates before 1990 to check")}


@dataclass(frozen=True)
class Check:
    kind: str
    records: str  # "referral" or "plan"
    condition: str  # SQL over s (the referral or plan) and c (its child)
    one: str  # "referral for a child with no date of birth"
    many: str
    query: str  # the warning, as the DfE validator words a query
    # What the condition reads besides the record: "child" (c), "birth date" (holds only for a
    # child whose date of birth is known) or "" (the record alone).
    reads: str = "child"

    def summary(self, count: int) -> str:
        return f"{count:,} {self.one if count == 1 else self.many}"


def _plus_18_years() -> str:
    return ("date(c.date_of_birth, '+18 years')" if is_sqlite()
            else "(c.date_of_birth + interval '18 years')")


def _birth_less_280_days() -> str:
    # The census allows a referral up to 40 weeks before the (expected) birth: rule 8606.
    return ("date(c.date_of_birth, '-280 days')" if is_sqlite()
            else "(c.date_of_birth - 280)")


def checks() -> list[Check]:
    return [
        Check("no_birth_date", "referral", "c.date_of_birth IS NULL",
              "referral for a child with no date of birth", "referrals for children with no date of birth",
              "Please check: the child's date of birth is missing"),
        Check("referral_before_birth", "referral", f"s.referral_date < {_birth_less_280_days()}",
              "referral more than 40 weeks before the child's date of birth",
              "referrals more than 40 weeks before the child's date of birth",
              "Please check (8606): Child referral date is more than 40 weeks before DOB or expected DOB",
              reads="birth date"),
        Check("referral_aged_18", "referral", f"s.referral_date >= {_plus_18_years()}",
              "referral for a child aged 18 or over", "referrals for children aged 18 or over",
              "Please check: the child was 18 or over on the referral date", reads="birth date"),
        Check("plan_before_birth", "plan", "s.start_date < c.date_of_birth",
              "CP plan starting before the child's date of birth",
              "CP plans starting before the child's date of birth",
              "Please check: the CP plan starts before the child's date of birth (expected only "
              "for a plan made before birth)", reads="birth date"),
        Check("plan_before_referral", "plan",
              "NOT EXISTS (SELECT 1 FROM referral r WHERE r.child_id = s.child_id "
              "AND r.referral_date <= s.start_date)",
              "CP plan starting before any referral for the child",
              "CP plans starting before any referral for the child",
              "Please check: the CP plan starts before any referral for this child", reads=""),
        Check("open_plan_15_months", "plan",
              "s.start_date <= :cutoff AND (s.end_date IS NULL OR s.end_date > :as_at)",
              f"CP plan open {LEGAL_PLANNING_MONTHS} months or more at the end date",
              f"CP plans open {LEGAL_PLANNING_MONTHS} months or more at the end date",
              f"Please check: the CP plan has been open {LEGAL_PLANNING_MONTHS} months or more: "
              "consider legal planning", reads=""),
    ]


_COLUMNS = {"referral": ("referral_id", "referral_date", "staged_referral", "referral"),
            "plan": ("plan_id", "start_date", "staged_plan", "cp_plan")}


def _params(as_at: date | None, **extra) -> dict:
    # With no end date known, no plan can be said to have been open 15 months.
    cutoff = add_months(as_at, -LEGAL_PLANNING_MONTHS) if as_at else date.min
    as_at = as_at or date.max
    values = {"as_at": as_at, "cutoff": cutoff, **extra}
    return {k: to_db_date(v) for k, v in values.items()}


def _row(row) -> tuple:
    where, record_id, child_id, day, birth = row
    return (where, record_id, child_id, from_db_date(day), from_db_date(birth))


@dataclass
class Found:
    check: Check
    count: int
    rows: list  # (where, record id, child id, date, date of birth)


def in_batch(batch_id: int, as_at: date | None, skip=(), loaded=None) -> list[Found]:
    """Each check over one import's staged rows (before they are dropped), with file locations.
    The counts take one pass over each staging table, as in_loaded_data's do. A file written
    from its frame (import_frame.FrameLoad) is not staged: its rows are found in their table."""
    wanted = [c for c in checks() if c.kind not in skip]
    params = _params(as_at, batch=batch_id)
    counts, sources = {}, {}
    for records in ("referral", "plan"):
        record_id, _, staged, table = _COLUMNS[records]
        if loaded is not None and loaded.table == table:
            counted, listed_from, location, order = loaded.rows(record_id)
            sources[records] = (counted, listed_from, "true", location, order)
        else:
            staged_rows = f"{staged} s"
            sources[records] = (staged_rows, staged_rows, "s.batch_id = :batch", "s.location", "s.id")
        group = [c for c in wanted if c.records == records]
        rows, _, batch_rows, _, _ = sources[records]
        if not group or db.session.execute(text(
                f"SELECT 1 FROM {rows} WHERE {batch_rows} LIMIT 1"), params).first() is None:
            continue
        for part, child_rows in _count_passes(group):
            sums = ", ".join(f"coalesce(sum(CASE WHEN {c.condition} THEN 1 ELSE 0 END), 0)" for c in part)
            totals = db.session.execute(text(
                f"SELECT {sums} FROM {rows} {child_rows} WHERE {batch_rows}"), params).one()
            counts.update({c.kind: int(n) for c, n in zip(part, totals)})
    found = []
    for check in wanted:
        count = counts.get(check.kind, 0)
        if count:
            record_id, day, _, _ = _COLUMNS[check.records]
            _, rows, batch_rows, location, order = sources[check.records]
            listed = db.session.execute(text(
                f"SELECT {location}, s.{record_id}, s.child_id, s.{day}, c.date_of_birth "
                f"FROM {rows} JOIN child c ON c.child_id = s.child_id "
                f"WHERE {batch_rows} AND {check.condition} ORDER BY {order} LIMIT {LISTED}"), params).all()
            if location == f"s.{record_id}":
                # A first load: the rows' places come from the file.
                places = loaded.locations(row[1] for row in listed)
                listed = [(places[row[1]], *row[1:]) for row in listed]
            found.append(Found(check, count, [_row(r) for r in listed]))
    return found


def _count_passes(group: list[Check]) -> list[tuple[list[Check], str]]:
    """The passes that count one import's rows for these checks, each with how it reads the
    children. One pass joining every row to its child, if any check reads the child. If none
    does, the checks on the date of birth count only the rows of children who have one (a
    house file's children often have none: for a million referrals that is a look-up per
    child with a date of birth, not a child look-up per row, 3 s on SQLite), and the checks on
    the record alone count without the children (every row's child is in `child`: the merge
    or first load added them, so the join dropped none)."""
    join = "JOIN child c ON c.child_id = s.child_id"
    if any(c.reads == "child" for c in group):
        return [(group, join)]
    birth = [c for c in group if c.reads == "birth date"]
    alone = [c for c in group if c.reads == ""]
    passes = [(alone, "")] if alone else []
    if birth:
        passes.append((birth, f"{join} AND c.date_of_birth IS NOT NULL "
                              "AND s.child_id IN (SELECT child_id FROM child WHERE date_of_birth IS NOT NULL)"))
    return passes


def in_loaded_data(as_at: date | None, kind: str | None = None, limit: int = 0) -> list[Found]:
    """Each check over everything loaded; rows (up to `limit`) name the file each came from.
    The counts take one pass over each table (a million referrals: one scan, not three)."""
    wanted = [c for c in checks() if not kind or c.kind == kind]
    params = _params(as_at)
    counts = {}
    for records in ("referral", "plan"):
        group = [c for c in wanted if c.records == records]
        if not group:
            continue
        table = _COLUMNS[records][3]
        sums = ", ".join(f"coalesce(sum(CASE WHEN {c.condition} THEN 1 ELSE 0 END), 0)" for c in group)
        # The conditions, tables and columns are the CHECKS' own constants; the dates go in as parameters.
        totals = db.session.execute(text(
            f"SELECT {sums} FROM {table} s JOIN child c ON c.child_id = s.child_id"), params).one()  # nosec B608
        counts.update({c.kind: int(n) for c, n in zip(group, totals)})
    found = []
    for check in wanted:
        record_id, day, _, table = _COLUMNS[check.records]
        rows = []
        if counts[check.kind] and limit:
            rows = [_row(r) for r in db.session.execute(text(
                f"SELECT b.file_name, s.{record_id}, s.child_id, s.{day}, c.date_of_birth "  # nosec B608: as above
                f"FROM {table} s JOIN child c ON c.child_id = s.child_id "
                f"LEFT JOIN import_batch b ON b.id = s.import_batch_id WHERE {check.condition} "
                f"ORDER BY s.{day}, s.{record_id} LIMIT {int(limit)}"), params)]
        found.append(Found(check, counts[check.kind], rows))
    return found


def check_named(kind: str) -> Check | None:
    return next((c for c in checks() if c.kind == kind), None)


def _file_end_date(batch_id: int, report, loaded=None):
    """The day the file describes: a census's ReferenceDate, else its latest referral or plan date."""
    if report.end_date:
        return report.end_date
    if loaded is not None:
        return loaded.end_date
    latest = [db.session.scalar(select(func.max(column)).where(model.batch_id == batch_id))
              for model, column in ((StagedReferral, StagedReferral.referral_date),
                                    (StagedPlan, StagedPlan.start_date), (StagedPlan, StagedPlan.end_date))]
    latest = [from_db_date(d) for d in latest if d]
    return max(latest) if latest else None


def record_for_batch(batch, report, loaded=None) -> None:
    """The performance team's checks on this file's rows, each warning naming its row."""
    # The house format has no date of birth column: its children's birth dates come from
    # Annex A or census files, so a missing one there is not this file's fault.
    skip = ("no_birth_date",) if batch.kind in ("referrals", "cp-plans") else ()
    if batch.kind == "cin-census":
        # The census reader checks these on each episode itself (rules 8606 and 1105), against
        # the episode's own referral, which is stricter than any referral for the child.
        skip = ("referral_before_birth", "plan_before_referral")
    as_at = _file_end_date(batch.id, report, loaded)
    for found in in_batch(batch.id, as_at, skip, loaded):
        for location, record_id, child_id, day, birth in found.rows:
            detail = f" (born {birth:%d/%m/%Y})" if birth and found.check.kind in _BIRTH_KINDS else ""
            if found.check.kind == "open_plan_15_months":
                detail = f" (from {day:%d/%m/%Y} to {as_at:%d/%m/%Y}, the file's end date)"
            report.warning(location, None, record_id, found.check.query + detail, kind=found.check.kind)
        # Rows past the first hundred are counted, not listed.
        hidden = found.count - len(found.rows)
        report.warning_count += hidden
        report.warning_kinds[found.check.kind] = report.warning_kinds.get(found.check.kind, 0) + hidden


def summary_lines(warning_kinds: dict) -> list[str]:
    """'3 referrals for children with no date of birth', one line a kind, as stored on a batch."""
    lines = []
    named = {c.kind: c for c in checks()}
    for kind, count in (warning_kinds or {}).items():
        if kind in named:
            lines.append(named[kind].summary(count))
        elif kind in FILE_KINDS:
            lines.append(f"{count:,} {FILE_KINDS[kind][0 if count == 1 else 1]}")
        elif kind.startswith("rule_") and kind[5:] in VALIDATOR_RULES:
            rule = VALIDATOR_RULES[kind[5:]]
            lines.append(f"{count:,} × {rule.code}: {rule.message.rstrip('.')}")
        elif kind in CHILD_FINDINGS:
            lines.append(f"{count:,} × {CHILD_FINDINGS[kind].lower()}")
        else:
            lines.append(f"{count:,} other thing{'' if count == 1 else 's'} to check in the file")
    return lines


@dataclass(frozen=True)
class ValidatorQueries:
    batch_id: int
    file_name: str
    lines: list[str]


def validator_queries(limit: int = 10) -> list[ValidatorQueries]:
    """The DfE CIN validator's queries on the census files whose records are loaded, for the
    measures page: its records are counted as recorded, and these say where that may be wrong.
    Found on each file's import (they rest on what the file states, such as closure dates,
    that is not stored), so a file imported again counts once, at its latest import."""
    batches = db.session.scalars(
        select(ImportBatch).where(ImportBatch.status == ImportStatus.SUCCEEDED.value,
                                  ImportBatch.kind == "cin-census")
        .order_by(ImportBatch.id.desc()).limit(200)).all()
    found, seen = [], set()
    for batch in batches:
        if batch.file_name in seen:
            continue
        seen.add(batch.file_name)
        kinds = {k: n for k, n in ((batch.layout or {}).get("warning_kinds") or {}).items() if k.startswith("rule_")}
        if kinds:
            found.append(ValidatorQueries(batch.id, batch.file_name, summary_lines(kinds)))
    return found[:limit]
