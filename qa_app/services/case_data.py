"""Reading case data back as plain records for audit_tools, and the reference figures a QA
lead enters: child population and benchmarks."""
import csv
import io
from datetime import date
from itertools import repeat

from sqlalchemy import func, select

from audit_tools.measures import RE_REFERRAL_MONTHS, ReferralHistory, measures_summary
from audit_tools.periods import Period, add_months, financial_year_of, parse_period
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import collector_paused, driver_rows, from_db_date, placeholder, to_db_date, write_transaction
from qa_app.extensions import db
from qa_app.models import Benchmark, ChildPopulation, CPPlan, Referral
from qa_app.services.audit_trail import record_event

BENCHMARK_MEASURES = {
    "referrals": "Number of referrals",
    "referral_rate_per_10k": "Referrals per 10,000 children",
    "re_referral_pct": "Re-referrals (%)",
    "repeat_plans_ever_pct": "Second or subsequent CP plans, ever (%)",
    "repeat_plans_within_2y_pct": "Repeat CP plans within two years (%)",
}
COMPARATORS = ("SN", "England")


class ReferenceDataError(ValueError):
    pass


# The columns a record is made from, in its fields' order: select these, map with the function below.
REFERRAL_COLUMNS = (Referral.referral_id, Referral.child_id, Referral.referral_date, Referral.decision,
                    Referral.source, Referral.team)
PLAN_COLUMNS = (CPPlan.plan_id, CPPlan.child_id, CPPlan.start_date, CPPlan.end_date, CPPlan.category,
                CPPlan.team, CPPlan.previous_plans)


def referral_record(row) -> ReferralRecord:
    """A referral row (REFERRAL_COLUMNS, from the ORM or the driver) as the library's record."""
    referral_id, child_id, day, decision, source, team = row
    return ReferralRecord(referral_id, child_id, from_db_date(day), decision, source, team)


def plan_record(row) -> PlanRecord:
    """A plan row (PLAN_COLUMNS, from the ORM or the driver) as the library's record."""
    plan_id, child_id, start, end, category, team, previous_plans = row
    return PlanRecord(plan_id, child_id, from_db_date(start), from_db_date(end), category, team, previous_plans)


def _column_names(columns) -> str:
    return ", ".join(column.name for column in columns)


def referral_records(start: date, end: date) -> list[ReferralRecord]:
    """Referrals from RE_REFERRAL_MONTHS (12) months before `start` to `end`: the period plus the look-back a
    re-referral needs.

    Read through the driver, not the ORM: a year of a large council is hundreds of thousands
    of rows, and SQLAlchemy's per-value date parsing on SQLite was most of the time."""
    connection = db.session.connection()
    marker = placeholder(connection)
    rows = connection.exec_driver_sql(
        f"SELECT {_column_names(REFERRAL_COLUMNS)} FROM referral "  # nosec B608: column names and markers only
        f"WHERE referral_date >= {marker} AND referral_date <= {marker} ORDER BY referral_date, referral_id",
        (_db_date(connection, add_months(start, -RE_REFERRAL_MONTHS)), _db_date(connection, end)))
    return [referral_record(row) for row in rows]


# Between the values of a day's referrals in one text: the unit separator, which no decision
# holds. A child id that holds it splits into more values than the day has referrals, and the
# count says so.
_UNIT = "\x1f"


@collector_paused()
def referral_history(start: date, end: date) -> ReferralHistory:
    """The referrals from `start` to `end` for measures, read as (date, child, decision) from
    the covering index ix_referral_date_child_decision (no table lookups, no record objects),
    with each child's latest referral in the 12 months before `start`. The definitions stay
    in audit_tools.measures; tests/test_measures_fast_path.py proves the figures equal to
    building the history from the records.

    Each day comes as one row holding all its referrals (_referrals_by_day): the driver's cost
    per row, not the database's, was most of reading a year row by row."""
    connection = db.session.connection()
    look_back = _referrals_by_day(connection, ("child_id",), add_months(start, -RE_REFERRAL_MONTHS), start,
                                  last_included=False)
    year = _referrals_by_day(connection, ("decision", "child_id"), start, end, last_included=True)
    if look_back is None or year is None:
        return _referral_history_by_rows(connection, start, end)
    earlier = {}  # child -> day of their latest referral before `start`
    for day, _, children in look_back:  # date order: the latest day wins
        earlier.update(zip(children, repeat(day)))
    dates, children, decisions = [], [], []
    for day, count, values in year:
        dates += repeat(day, count)
        decisions += values[0::2]
        children += values[1::2]
    return ReferralHistory.from_columns(dates, children, decisions, earlier)


def _referrals_by_day(connection, columns: tuple[str, ...], first: date, last: date,
                      last_included: bool) -> list[tuple[date, int, list[str]]] | None:
    """(day, referrals that day, their `columns` values in turn) for each day from `first` to
    `last` with referrals, in date order, read as one row per day from the covering index:
    splitting a day's text is a C loop, where the driver makes a tuple and a text per value
    for each row (200,000 of them for a year and its look-back), and each day is parsed once.
    None when a value holds the separator, so the caller reads row by row."""
    sqlite = connection.dialect.name == "sqlite"
    marker = placeholder(connection)
    unit = f"{'char' if sqlite else 'chr'}({ord(_UNIT)})"
    values = f" || {unit} || ".join(columns)
    rows = driver_rows(
        connection, f"SELECT referral_date, count(*), {'group_concat' if sqlite else 'string_agg'}({values}, {unit}) "
        f"FROM referral WHERE referral_date >= {marker} AND referral_date {'<=' if last_included else '<'} {marker} "
        "GROUP BY referral_date ORDER BY referral_date", (_db_date(connection, first), _db_date(connection, last)))
    days = []
    for day, count, text in rows:
        split = text.split(_UNIT)
        if len(split) != count * len(columns):
            return None
        days.append((from_db_date(day), count, split))
    return days


def _referral_history_by_rows(connection, start: date, end: date) -> ReferralHistory:
    """referral_history read a row per referral: for data whose ids hold _UNIT."""
    marker = placeholder(connection)
    sqlite = connection.dialect.name == "sqlite"
    earlier = dict(driver_rows(  # date order: the latest day wins
        connection, f"SELECT child_id, referral_date FROM referral WHERE referral_date >= {marker} "
        f"AND referral_date < {marker} ORDER BY referral_date",
        (_db_date(connection, add_months(start, -RE_REFERRAL_MONTHS)), _db_date(connection, start))))
    rows = driver_rows(
        connection, f"SELECT referral_date, child_id, decision FROM referral WHERE referral_date >= {marker} "
        f"AND referral_date <= {marker} ORDER BY referral_date", (_db_date(connection, start), _db_date(connection, end)))
    dates, children, decisions = [list(column) for column in zip(*rows)] or ([], [], [])
    if sqlite:
        # A whole column mapped at once (a C-level loop), each distinct day parsed once.
        days = _days_of(earlier.values(), dates)
        earlier = dict(zip(earlier, map(days.__getitem__, earlier.values())))
        dates = list(map(days.__getitem__, dates))
    return ReferralHistory.from_columns(dates, children, decisions, earlier)


def _days_of(*texts) -> dict[str, date]:
    """SQLite's ISO date texts parsed once each: a year has 365 days and 100,000 referrals, and
    a dict lookup per row costs a fraction of a call."""
    return {text: from_db_date(text) for text in set().union(*texts)}


@collector_paused()
def dated_referral_rows(start: date, end: date) -> list[tuple[date, str, str]]:
    """(date, child, decision) of every referral from RE_REFERRAL_MONTHS before `start` to `end`,
    in date order, from the covering index: enough for ReferralHistory.from_dated_rows to find
    the re-referrals in the period, and for the decision made on each earlier day."""
    connection = db.session.connection()
    marker = placeholder(connection)
    rows = driver_rows(
        connection, f"SELECT referral_date, child_id, decision FROM referral WHERE referral_date >= {marker} "
        f"AND referral_date <= {marker} ORDER BY referral_date",
        (_db_date(connection, add_months(start, -RE_REFERRAL_MONTHS)), _db_date(connection, end)))
    if connection.dialect.name == "sqlite":
        days = _days_of(row[0] for row in rows)
        rows = [(days[day], child, decision) for day, child, decision in rows]
    return rows


def _db_date(connection, day: date):
    return to_db_date(day, connection.dialect.name == "sqlite")


def plan_records(end: date) -> list[PlanRecord]:
    """Every plan started by `end`: a repeat plan looks back for ever."""
    connection = db.session.connection()
    marker = placeholder(connection)
    rows = connection.exec_driver_sql(
        f"SELECT {_column_names(PLAN_COLUMNS)} FROM cp_plan "  # nosec B608: column names and markers only
        f"WHERE start_date <= {marker} ORDER BY start_date, plan_id", (_db_date(connection, end),))
    return [plan_record(row) for row in rows]


@collector_paused()
def measure_plan_records(start: date, end: date) -> list[PlanRecord]:
    """The plans plan_measures needs for periods from `start` to `end`, counted on days from
    `start` on: every plan of a child with a plan started in those periods (a repeat plan
    looks back for ever), plus plans that end on or after `start` or have not ended. A council
    with ten years of plans sends a fraction of them; the measures are the same
    (tests/test_measures_fast_path.py). The measures use no plan's category or team, so these
    records leave them out, and each SQLite date text is parsed once."""
    connection = db.session.connection()
    marker = placeholder(connection)
    sqlite = connection.dialect.name == "sqlite"
    # Most plans start by `end`: SQLite would look each one up through ix_cp_plan_start_date
    # (two to three times slower than reading the whole table); `+` keeps it off that index.
    started = "+start_date" if sqlite else "start_date"
    # No ORDER BY: the measures sort what they need.
    rows = driver_rows(
        connection, "SELECT plan_id, child_id, start_date, end_date, previous_plans FROM cp_plan "
        f"WHERE {started} <= {marker} AND (end_date IS NULL OR end_date >= {marker} OR child_id IN ("
        f" SELECT child_id FROM cp_plan WHERE start_date >= {marker} AND start_date <= {marker}))",
        (_db_date(connection, end), _db_date(connection, start), _db_date(connection, start),
         _db_date(connection, end)))
    if not sqlite:
        return [PlanRecord(pid, child, begin, finish, None, None, previous) for pid, child, begin, finish, previous in rows]
    _, _, starts, ends, _ = zip(*rows) if rows else ((),) * 5
    days = _days_of(starts, ends)  # with None: not ended
    return [PlanRecord(pid, child, days[begin], days[finish], None, None, previous)
            for pid, child, begin, finish, previous in rows]


@collector_paused()
def summary_of(period: Period, population: int | None) -> dict:
    """measures_summary (what `flask measures --json` prints) over the fast reads, with the
    year's columns freed before the cycle collector runs again."""
    return measures_summary(referral_history(period.start, period.end),
                            measure_plan_records(period.start, period.end), period, population)


def data_range() -> tuple[date | None, date | None]:
    """First and last dates of any referral or plan start: what the data covers."""
    # One aggregate a subquery: SQLite answers a lone min() or max() from the index's ends,
    # but scans every row (a second, at a million referrals) for both in one select.
    first_ref, last_ref, first_plan, last_plan = db.session.execute(select(
        select(func.min(Referral.referral_date)).scalar_subquery(),
        select(func.max(Referral.referral_date)).scalar_subquery(),
        select(func.min(CPPlan.start_date)).scalar_subquery(),
        select(func.max(CPPlan.start_date)).scalar_subquery())).one()
    firsts = [d for d in (first_ref, first_plan) if d]
    lasts = [d for d in (last_ref, last_plan) if d]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def population_for(period: Period) -> int | None:
    """The population of the financial year the period starts in (docs/decisions.md)."""
    row = db.session.get(ChildPopulation, financial_year_of(period.start))
    return row.population if row else None


def populations() -> list[ChildPopulation]:
    return db.session.scalars(select(ChildPopulation).order_by(ChildPopulation.year)).all()


def set_population(year: int, population: int, user=None) -> None:
    if not 1990 <= year <= 2100:
        raise ReferenceDataError("Enter a year between 1990 and 2100")
    if not 1 <= population <= 20_000_000:
        raise ReferenceDataError("Enter the number of children aged 0 to 17, a whole number above 0")
    with write_transaction():
        row = db.session.get(ChildPopulation, year)
        before = row.population if row else None
        if row is None:
            db.session.add(ChildPopulation(year=year, population=population))
        else:
            row.population = population
        record_event("population_set", actor=user, object_type="child_population", object_id=year,
                     details={"before": before, "after": population})


def benchmarks() -> dict[tuple[str, str, str], float]:
    """{(measure, period, comparator): value}"""
    return {(b.measure, b.period, b.comparator): b.value
            for b in db.session.scalars(select(Benchmark))}


def parse_benchmark_csv(content: bytes, file_name: str) -> list[tuple[str, str, str, float]]:
    """Rows of `measure, period, comparator, value`; every problem named by row and column."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{file_name}: save the file as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:4] != ["measure", "period", "comparator", "value"]:
        raise ReferenceDataError(f"{file_name}, row 1: expected the headings measure, period, "
                                 f"comparator, value (found {', '.join(header) or 'none'})")
    rows, problems = [], []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * 4
        measure, period, comparator, value = cells[:4]
        where = f"{file_name}, row {number}"
        if measure not in BENCHMARK_MEASURES:
            problems.append(f"{where}, column 'measure': '{measure}': expected one of "
                            f"{', '.join(BENCHMARK_MEASURES)}")
        try:
            parse_period(period)
        except ValueError:
            problems.append(f"{where}, column 'period': '{period}': expected a period like 2014/15, "
                            "Q2 2014/15 or 2014")
        if comparator not in COMPARATORS:
            problems.append(f"{where}, column 'comparator': '{comparator}': expected SN or England")
        try:
            number_value = float(value.replace(",", ""))
        except ValueError:
            problems.append(f"{where}, column 'value': '{value}': expected a number")
            continue
        rows.append((measure, period, comparator, number_value))
    if problems:
        raise ReferenceDataError("\n".join(problems))
    return rows


def import_benchmarks(rows, user=None, file_name="benchmarks.csv") -> int:
    with write_transaction():
        existing = {(b.measure, b.period, b.comparator): b for b in db.session.scalars(select(Benchmark))}
        for measure, period, comparator, value in rows:
            row = existing.get((measure, period, comparator))
            if row is None:
                db.session.add(Benchmark(measure=measure, period=period, comparator=comparator, value=value))
            else:
                row.value = value
        record_event("benchmarks_imported", actor=user, object_type="benchmark",
                     details={"file_name": file_name, "rows": len(rows)})
    return len(rows)
