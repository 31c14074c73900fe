"""The measures page's figures, worked out once for each version of the loaded data.

At a million referrals the page's figures (the dashboard's three years and quarters, a period
beside the year before, the data-quality counts) take seconds to work out, and they change
only when the case data does. So they are kept in the measures_cache table, in the database
rather than in a worker's memory so that every gunicorn worker shares them and none serves
figures it worked out before an import another worker ran.

Each entry carries the data version it was worked out from, read from the database on every
page view (`data_version`), and is used only while that version is current. The version is
taken from the data itself rather than from a counter that writers must remember to bump:
case data changes only through an import (whose merge and "succeeded" status are committed
together), and a delete of any kind, by any route, changes a table's row count.
"""
import dataclasses
import hashlib
import json
from datetime import date

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from audit_tools.measures import Forecast, PlanMeasures, ReferralMeasures
from audit_tools.periods import Period
from qa_app.db import collector_paused, is_sqlite, write_transaction
from qa_app.extensions import db
from qa_app.models import ChildPopulation, ImportStatus, MeasuresCache
from qa_app.services import data_quality
from qa_app.services.case_data import benchmarks
from qa_app.services.dashboard import (Dashboard, MeasureReads, PeriodComparison, YearColumn,
                                       build_dashboard, compare_with_last_year)

_VERSION_SQL = text(
    "SELECT (SELECT count(*) FROM import_batch WHERE status = :succeeded), "
    "(SELECT max(finished_at) FROM import_batch WHERE status = :succeeded), "
    "(SELECT count(*) FROM referral), (SELECT max(id) FROM referral), "
    "(SELECT count(*) FROM cp_plan), (SELECT max(id) FROM cp_plan), (SELECT count(*) FROM child)")


def data_version() -> str:
    """A fingerprint of the loaded data and the child population figures the rates use."""
    loaded = db.session.execute(_VERSION_SQL, {"succeeded": ImportStatus.SUCCEEDED.value}).one()
    populations = db.session.execute(
        select(ChildPopulation.year, ChildPopulation.population).order_by(ChildPopulation.year)).all()
    fingerprint = json.dumps([list(loaded), [list(p) for p in populations]], default=str)
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


@collector_paused()  # until the data read for the figures is freed (qa_app.db.collector_paused)
def measures_page(period: Period | None) -> tuple[Dashboard | None, PeriodComparison | None,
                                                  list[data_quality.Found]]:
    """The dashboard, `period` beside the same period a year before (if asked for) and the
    data-quality counts as at the dashboard's last day. What is not kept yet is worked out
    from one read of the data where the periods allow (MeasureReads)."""
    version = data_version()  # read before the figures: at worst they are newer than their version
    reads = MeasureReads()
    board = _dashboard(version, reads)
    if board is None:
        return None, None, []
    comparison = None
    if period is not None:
        comparison = _cached(version, f"comparison {period.start} {period.end} {period.label}",
                             lambda: compare_with_last_year(period, reads))
    return board, comparison, _data_quality_counts(version, board.as_of)


def dashboard() -> Dashboard | None:
    return _dashboard(data_version(), MeasureReads())


def _dashboard(version: str, reads: MeasureReads) -> Dashboard | None:
    """build_dashboard(), kept per data version and day (the dashboard never shows a year in
    the future, so what it shows depends on today). Benchmarks are read afresh: a QA lead
    uploads them without any import."""
    def work():
        board = build_dashboard(reads)
        if board is not None:
            board.benchmarks = {}
        return board
    board = _cached(version, f"dashboard {date.today().isoformat()}", work)
    if board is not None:
        board.benchmarks = benchmarks()
    return board


def _data_quality_counts(version: str, as_of: date | None) -> list[data_quality.Found]:
    """data_quality.in_loaded_data's counts (without rows) as at `as_of`."""
    counts = _cached(version, f"data-quality {as_of}",
                     lambda: {f.check.kind: f.count for f in data_quality.in_loaded_data(as_of)})
    return [data_quality.Found(check, counts.get(check.kind, 0), []) for check in data_quality.checks()]


def re_referral_facts(period: Period, previous_decision: str | None, work) -> list[tuple[date, str, date]]:
    """`work()`'s list of the period's re-referrals as (day, child, previous referral's day),
    kept per data version like the page's figures: the re-referrals list reads a year of the
    index to find them (a second at a million referrals), and a QA lead pages through the
    same list."""
    return _cached(data_version(), f"re-referrals {period.start} {period.end} {previous_decision or 'any'}",
                   work, _facts_as_columns, _facts_from_columns)


def _facts_as_columns(facts) -> dict:
    """Three columns of texts: quicker to write and read back than a tagged list per re-referral."""
    days, children, previous = zip(*facts) if facts else ((), (), ())
    texts = {day: day.isoformat() for day in {*days, *previous}}
    return {"days": [texts[day] for day in days], "children": list(children),
            "previous": [texts[day] for day in previous]}


def _facts_from_columns(kept: dict) -> list[tuple[date, str, date]]:
    days = {text: date.fromisoformat(text) for text in {*kept["days"], *kept["previous"]}}  # each day parsed once
    return list(zip(map(days.__getitem__, kept["days"]), kept["children"], map(days.__getitem__, kept["previous"])))


def _cached(version: str, name: str, work, encode=None, decode=None):
    """What `work()` returns, kept under `name` for this data version; figures are kept as
    tagged JSON (_encode/_decode) unless the entry brings its own encoding."""
    row = db.session.get(MeasuresCache, name)
    if row is not None and row.data_version == version:
        return (decode or _decode)(row.figures)
    figures = work()
    _store(name, version, (encode or _encode)(figures))
    return figures


def _store(name: str, version: str, figures) -> None:
    insert = sqlite_insert if is_sqlite() else postgres_insert
    with write_transaction():
        # Figures for data that is no longer loaded will never be read again.
        db.session.execute(delete(MeasuresCache).where(MeasuresCache.data_version != version))
        statement = insert(MeasuresCache).values(name=name, data_version=version, figures=figures)
        # Two workers may work out the same figures at once; either's are right.
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["name"], set_={"data_version": version, "figures": figures}))


# Figures go into a JSON column as tagged dataclasses and dates; only these types come back out.
_TYPES = {cls.__name__: cls for cls in (Dashboard, YearColumn, PeriodComparison, ReferralMeasures,
                                        PlanMeasures, Forecast, Period)}


def _encode(value):
    if dataclasses.is_dataclass(value):
        return {"type": type(value).__name__,
                "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("Only dicts keyed by text can be kept")
        return {"dict": {key: _encode(item) for key, item in value.items()}}
    return value


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "dict" in value:
            return {key: _decode(item) for key, item in value["dict"].items()}
        return _TYPES[value["type"]](**{key: _decode(item) for key, item in value["fields"].items()})
    return value
