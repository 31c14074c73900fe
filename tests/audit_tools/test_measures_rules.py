"""Measure rules a mutation run found untested (docs/testing.md): the edges of the plan
duration bands and of "open 15 months or more", the forecast's first day and its refusal, and
that a prepared history and the summary give the same figures as the records."""
from datetime import date

import pytest

from audit_tools.measures import (PLAN_DURATION_BANDS, ReferralHistory, forecast_full_period, measures_summary,
                                  plan_measures, referral_measures)
from audit_tools.periods import custom, financial_year
from audit_tools.records import CPPlan, Referral

FY = financial_year(2015)  # 1 April 2015 to 31 March 2016


@pytest.mark.parametrize("start, end, band", [
    (date(2015, 1, 31), date(2015, 4, 30), "3 months or less"),  # 3 calendar months to the day (30 April)
    (date(2015, 1, 31), date(2015, 5, 1), "3 to 6 months"),
    (date(2015, 1, 1), date(2015, 7, 1), "3 to 6 months"), (date(2015, 1, 1), date(2015, 7, 2), "6 to 12 months"),
    (date(2015, 1, 1), date(2016, 1, 1), "6 to 12 months"), (date(2015, 1, 1), date(2016, 1, 2), "1 to 2 years"),
    (date(2014, 1, 1), date(2016, 1, 1), "1 to 2 years"), (date(2014, 1, 1), date(2016, 1, 2), "2 years or more"),
    (date(2010, 1, 1), date(2016, 1, 2), "2 years or more")])
def test_an_ended_plan_falls_in_the_band_of_its_length_with_each_edge_in_the_shorter_band(start, end, band):
    measures = plan_measures([CPPlan("P1", "C1", start, end)], FY)
    assert measures.plans_ended == 1
    assert measures.plans_ended_by_duration == {b: int(b == band) for b in PLAN_DURATION_BANDS}


def test_open_15_months_or_more_counts_plans_started_15_months_to_the_day_and_still_open():
    as_at = date(2016, 3, 31)  # less 15 calendar months: 31 December 2014
    plans = [CPPlan("on the day", "A", date(2014, 12, 31)), CPPlan("a day short", "B", date(2015, 1, 1)),
             CPPlan("ended on the day", "C", date(2013, 1, 1), date(2016, 3, 31)),
             CPPlan("ends after", "D", date(2013, 1, 1), date(2016, 4, 1))]
    assert plan_measures(plans, FY).plans_open_15_months == 2  # "on the day" and "ends after"
    assert plan_measures(plans, FY, as_at=date(2016, 1, 1)).plans_open_15_months == 2  # from 1 October 2014: C and D
    assert plan_measures(plans, FY, as_at=date(2015, 3, 31)).plans_open_15_months == 2  # C and D


def test_the_figures_name_their_period():
    assert plan_measures([], FY).period == FY
    assert referral_measures([], FY).period == FY


def test_a_prepared_history_gives_the_same_figures_as_the_records():
    referrals = [Referral("R1", "A", date(2015, 1, 10), "nfa"), Referral("R2", "A", date(2015, 6, 1), "assessment"),
                 Referral("R3", "B", date(2015, 6, 1), "early_help")]
    history = ReferralHistory(referrals)
    assert referral_measures(history, FY, 1000) == referral_measures(referrals, FY, 1000)
    assert referral_measures(history, FY, 1000).re_referrals == 1


def test_a_forecast_can_start_on_the_periods_first_day_and_stops_at_its_last():
    period = custom(date(2015, 4, 1), date(2015, 4, 10))
    first_day = forecast_full_period(3, period, date(2015, 4, 1))
    assert first_day.value == 30.0 and "in the 1 days from 01 Apr 2015 to 01 Apr 2015" in first_day.method
    assert forecast_full_period(3, period, date(2015, 5, 1)).value == 3.0  # after the end: the count itself


def test_a_forecast_before_the_period_starts_is_refused_in_words():
    with pytest.raises(ValueError) as refused:
        forecast_full_period(1, FY, date(2015, 3, 31))
    assert str(refused.value) == "Nothing of the period has happened yet, so there is nothing to forecast from"


def test_the_summary_uses_the_population_for_the_rate():
    referrals = [Referral(f"R{i}", f"C{i}", date(2015, 5, 1), "nfa") for i in range(30)]
    summary = measures_summary(referrals, [], FY, 60_000)
    assert summary["rate_per_10k"] == 5.0 and summary["referrals"] == 30
    assert measures_summary(referrals, [], FY, None)["rate_per_10k"] is None


def test_re_referral_intervals_are_banded_with_each_edge_in_the_shorter_band_and_empty_bands_zero():
    referrals = [Referral("A1", "A", date(2015, 3, 1), "nfa"), Referral("A2", "A", date(2015, 6, 1), "nfa"),
                 Referral("B1", "B", date(2015, 3, 1), "nfa"), Referral("B2", "B", date(2015, 9, 1), "nfa")]
    measures = referral_measures(referrals, FY)
    assert measures.re_referral_intervals == {"3 months or less": 1, "3 to 6 months": 1, "6 to 12 months": 0}
    assert measures.children_re_referred_pct == 100.0
    assert referral_measures(referrals[:1] + [Referral("C1", "C", date(2015, 5, 1), "nfa")], FY) \
        .children_re_referred_pct == 0.0


def test_the_re_referral_list_names_each_previous_referral_in_date_then_id_order():
    referrals = [Referral("R9", "A", date(2015, 6, 1), "nfa"), Referral("R5", "A", date(2015, 6, 1), "assessment"),
                 Referral("R1", "A", date(2015, 1, 1), "early_help")]
    from audit_tools.measures import find_re_referrals
    for given in (referrals, ReferralHistory(referrals)):
        found = find_re_referrals(given, FY)
        assert [(r.referral.referral_id, r.previous.referral_id) for r in found] == [("R5", "R1"), ("R9", "R1")]


def test_a_measures_only_history_refuses_to_list_in_words():
    history = ReferralHistory.from_dated_rows([(date(2015, 6, 1), "A", "nfa")])
    with pytest.raises(ValueError) as refused:
        history.re_referrals(FY)
    assert str(refused.value) == ("This history was built for measures only: build it from the referrals to "
                                  "list them")


def test_plans_given_newest_first_are_still_read_in_date_order():
    from audit_tools.measures import find_repeat_plans
    plans = [CPPlan("P2", "A", date(2015, 6, 1)), CPPlan("P1", "A", date(2013, 1, 1), date(2014, 1, 1))]
    [repeat] = find_repeat_plans(plans, FY)
    assert (repeat.plan.plan_id, repeat.previous.plan_id, repeat.within_two_years) == ("P2", "P1", True)
    # Two earlier plans on one day: the previous plan is the later id, whatever order they come in.
    same_day = [CPPlan("Q3", "B", date(2015, 6, 1)), CPPlan("Q2", "B", date(2013, 1, 1), date(2014, 1, 1)),
                CPPlan("Q1", "B", date(2013, 1, 1), date(2013, 6, 1))]
    assert find_repeat_plans(same_day, FY)[0].previous.plan_id == "Q2"
