"""Issue 24: the demo council moved forward in whole years keeps the report's figures under the
moved year labels, ends its last complete financial year the March before today's financial
year began, and runs to the end of last month."""
from datetime import date

import pytest

from audit_tools.measures import measures_summary
from audit_tools.periods import financial_quarter, financial_year, financial_year_of, custom
from audit_tools.synthetic import (POPULATION, demo_council, demo_council_in_the_present, moved_by_years,
                                   years_to_the_present)

DECEMBER_2026 = date(2026, 12, 8)


def report_periods(years):
    """The periods the report's figures are counted over, `years` later."""
    return [financial_year(2013 + years), financial_year(2014 + years),
            financial_quarter(2014 + years, 2), financial_quarter(2015 + years, 2),
            custom(date(2014 + years, 4, 1), date(2014 + years, 9, 30)),
            custom(date(2015 + years, 4, 1), date(2015 + years, 9, 30))]


def figures(referrals, plans, period, years):
    summary = measures_summary(referrals, plans, period, POPULATION.get(period.start.year - years))
    return {k: v for k, v in summary.items() if k not in ("start", "end")}


@pytest.fixture(scope="module")
def report_council():
    return demo_council()


@pytest.fixture(scope="module")
def december_2026():
    return demo_council_in_the_present(DECEMBER_2026)


def test_in_december_2026_the_demo_moves_11_years_so_the_reports_2014_15_is_2025_26(december_2026):
    years, referrals, plans = december_2026
    assert years == 11 == years_to_the_present(DECEMBER_2026)
    assert financial_year(2014 + years).label == "2025/26"
    # The last complete financial year is the one before today's.
    assert financial_year_of(DECEMBER_2026) - 1 == 2014 + years


def test_the_moved_council_has_the_reports_figures_under_the_moved_labels(report_council, december_2026):
    years, referrals, plans = december_2026
    for before, after in zip(report_periods(0), report_periods(years)):
        assert figures(referrals, plans, after, years) == figures(*report_council, before, 0), after.label
    year_2025 = figures(referrals, plans, financial_year(2025), years)
    assert year_2025["re_referral_pct"] is not None and year_2025["referrals"] > 2600


def test_the_moved_council_runs_to_the_end_of_last_month_and_no_further(december_2026):
    _, referrals, plans = december_2026
    last = max(r.referral_date for r in referrals)
    assert date(2026, 11, 25) <= last <= date(2026, 11, 30)
    assert max(p.start_date for p in plans) <= date(2026, 11, 30)
    assert all(p.end_date is None or p.end_date <= date(2026, 11, 30) for p in plans)
    assert sum(date(2026, 10, 1) <= r.referral_date for r in referrals) > 300  # October and November too


def test_in_june_the_calibrated_months_after_last_month_are_left_out():
    years, referrals, plans = demo_council_in_the_present(date(2027, 6, 15))
    assert years == 12  # 2026/27 is the last complete year before 2027/28
    assert max(r.referral_date for r in referrals) <= date(2027, 5, 31)
    assert max(r.referral_date for r in referrals) >= date(2027, 5, 25)
    assert all(p.end_date is None or p.end_date <= date(2027, 5, 31) for p in plans)


def test_a_29_february_moved_into_a_year_without_one_becomes_28_february():
    assert moved_by_years(date(2012, 2, 29), 11) == date(2023, 2, 28)
    assert moved_by_years(date(2012, 2, 29), 12) == date(2024, 2, 29)
    assert moved_by_years(date(2013, 2, 28), 11) == date(2024, 2, 28)
    assert moved_by_years(None, 11) is None
