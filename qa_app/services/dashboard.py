"""The measures dashboard: the background report's tables, computed from the loaded data."""
from dataclasses import dataclass, field
from datetime import date

from audit_tools.measures import (Forecast, PlanMeasures, ReferralMeasures,
                                  forecast_full_period, plan_measures, rate_per_10k,
                                  referral_measures)
from audit_tools.periods import Period, custom, financial_year, financial_year_of, quarters_of
from qa_app.services.case_data import (benchmarks, data_range, measure_plan_records, population_for,
                                       referral_history)

YEARS_SHOWN = 3


@dataclass
class YearColumn:
    period: Period
    referrals: ReferralMeasures
    plans: PlanMeasures
    population: int | None
    in_progress: bool = False
    forecast: Forecast | None = None
    forecast_rate: float | None = None


@dataclass
class Dashboard:
    as_of: date
    years: list[YearColumn]
    quarters: list[tuple[Period, ReferralMeasures]]
    decisions_now: ReferralMeasures
    decisions_last_year: ReferralMeasures
    benchmarks: dict = field(default_factory=dict)

    def benchmark(self, measure: str, period: Period, comparator: str):
        return self.benchmarks.get((measure, period.label, comparator))


@dataclass
class PeriodComparison:
    """One period's measures beside the same period a year earlier."""
    this: ReferralMeasures
    last_year: ReferralMeasures
    plans: PlanMeasures
    plans_last_year: PlanMeasures


class MeasureReads:
    """The referral histories and plans read for measures, each reused for any later periods
    it covers: the measures page's dashboard reads three years (and the look-back), and the
    period a QA lead asks for is usually among them. A history from `start` to `end` measures
    any period inside it (each referral's look-back is read with it), and the plans read for
    `start` to `end` include every plan the measures of a period inside it use
    (tests/test_measures_fast_path.py)."""

    def __init__(self):
        self._histories, self._plans = [], []

    def history(self, start: date, end: date):
        return self._covering(self._histories, start, end, referral_history)

    def plans(self, start: date, end: date):
        return self._covering(self._plans, start, end, measure_plan_records)

    @staticmethod
    def _covering(reads, start, end, read):
        for first, last, found in reads:
            if first <= start and end <= last:
                return found
        found = read(start, end)
        reads.append((start, end, found))
        return found


def compare_with_last_year(period: Period, reads: MeasureReads | None = None) -> PeriodComparison:
    reads = reads or MeasureReads()
    last_year = period.same_period_last_year()
    history = reads.history(last_year.start, period.end)
    plans = reads.plans(last_year.start, period.end)
    return PeriodComparison(
        referral_measures(history, period, population_for(period)),
        referral_measures(history, last_year, population_for(last_year)),
        plan_measures(plans, period), plan_measures(plans, last_year))


def build_dashboard(reads: MeasureReads | None = None) -> Dashboard | None:
    reads = reads or MeasureReads()
    first, last = data_range()
    if last is None:
        return None
    # Never a year in the future: data dated after today (loaded before imports refused such
    # dates) is left out, so the page opens on the latest year that has data and has started.
    last = min(last, date.today())
    latest = financial_year_of(last)
    earliest = min(latest, max(financial_year_of(first), latest - YEARS_SHOWN + 1))
    years = [financial_year(y) for y in range(earliest, latest + 1)]
    to_date = custom(years[-1].start, last)
    history = reads.history(min(years[0].start, to_date.same_period_last_year().start), years[-1].end)
    plans = reads.plans(years[0].start, years[-1].end)
    columns = []
    for period in years:
        population = population_for(period)
        column = YearColumn(period, referral_measures(history, period, population),
                            plan_measures(plans, period, as_at=min(period.end, last)), population)
        if last < period.end:
            column.in_progress = True
            column.forecast = forecast_full_period(column.referrals.referrals, period, last)
            column.forecast_rate = rate_per_10k(column.forecast.value, population)
        columns.append(column)
    quarters = [(q, referral_measures(history, q))
                for year in years[-2:] for q in quarters_of(financial_year_of(year.start))
                if q.start <= last]
    return Dashboard(
        as_of=last, years=columns, quarters=quarters,
        decisions_now=referral_measures(history, to_date),
        decisions_last_year=referral_measures(history, to_date.same_period_last_year()),
        benchmarks=benchmarks())
