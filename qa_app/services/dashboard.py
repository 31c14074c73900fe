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


def compare_with_last_year(period: Period) -> PeriodComparison:
    last_year = period.same_period_last_year()
    history = referral_history(last_year.start, period.end)
    plans = measure_plan_records(last_year.start, period.end)
    return PeriodComparison(
        referral_measures(history, period, population_for(period)),
        referral_measures(history, last_year, population_for(last_year)),
        plan_measures(plans, period), plan_measures(plans, last_year))


def build_dashboard() -> Dashboard | None:
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
    history = referral_history(min(years[0].start, to_date.same_period_last_year().start), years[-1].end)
    plans = measure_plan_records(years[0].start, years[-1].end)
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
