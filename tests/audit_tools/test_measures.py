"""Every definition in DESIGN.md section 3 at its edges."""
from datetime import date

import pytest

from audit_tools.measures import (find_re_referrals, find_repeat_plans, forecast_full_period,
                                  measures_summary, percentage, plan_measures, rate_per_10k,
                                  referral_measures)
from audit_tools.periods import custom, financial_quarter, financial_year
from audit_tools.records import CPPlan, Referral

FY = financial_year(2015)


def referral(child, day, decision="assessment", rid=None):
    return Referral(rid or f"{child}-{day.isoformat()}", child, day, decision)


def plan(child, start, end=None, pid=None, previous=None):
    return CPPlan(pid or f"{child}-{start.isoformat()}", child, start, end, previous_plans=previous)


def re_referral_ids(referrals, period=FY):
    return [r.referral.referral_id for r in find_re_referrals(referrals, period)]


def test_a_referral_exactly_12_months_after_the_last_is_a_re_referral():
    assert re_referral_ids([referral("A", date(2014, 6, 10)), referral("A", date(2015, 6, 10), rid="second")]) == ["second"]


def test_a_referral_12_months_and_a_day_after_the_last_is_not():
    assert re_referral_ids([referral("A", date(2014, 6, 9)), referral("A", date(2015, 6, 10))]) == []


def test_29_february_looks_back_to_28_february():
    period = financial_year(2015)
    assert re_referral_ids([referral("A", date(2015, 2, 28)), referral("A", date(2016, 2, 29), rid="leap")], period) == ["leap"]
    assert re_referral_ids([referral("A", date(2015, 2, 27)), referral("A", date(2016, 2, 29))], period) == []


def test_same_day_referrals_are_not_re_referrals_of_each_other():
    same_day = [referral("A", date(2015, 5, 1), rid="one"), referral("A", date(2015, 5, 1), rid="two")]
    assert re_referral_ids(same_day) == []
    # but both are re-referrals of an earlier day's referral
    assert re_referral_ids(same_day + [referral("A", date(2015, 4, 2))]) == ["one", "two"]


def test_history_before_the_period_counts_but_is_not_itself_counted():
    referrals = [referral("A", date(2015, 1, 5)), referral("A", date(2015, 4, 20), rid="in")]
    measures = referral_measures(referrals, FY)
    assert measures.referrals == 1 and measures.re_referrals == 1
    assert re_referral_ids(referrals) == ["in"]


def test_other_childrens_referrals_do_not_make_a_re_referral():
    assert re_referral_ids([referral("A", date(2015, 4, 2)), referral("B", date(2015, 5, 2))]) == []


def test_referral_measures_rates_decisions_and_children():
    referrals = [
        referral("A", date(2015, 4, 1), "nfa"),
        referral("A", date(2015, 5, 1), "assessment"),      # re-referral, 1 month
        referral("A", date(2015, 12, 1), "section_47"),     # re-referral, 7 months
        referral("B", date(2015, 6, 1), "professional_conversation"),
        referral("B", date(2015, 10, 1), "early_help"),     # re-referral, 4 months
        referral("C", date(2016, 4, 1), "nfa"),             # after the period
    ]
    m = referral_measures(referrals, FY, population=60_000)
    assert m.referrals == 5
    assert m.rate_per_10k == 0.8
    assert (m.re_referrals, m.re_referral_pct) == (3, 60.0)
    assert m.decisions == {"nfa": 1, "professional_conversation": 1, "early_help": 1,
                           "assessment": 1, "section_47": 1}
    assert m.decisions_pct["nfa"] == 20.0
    assert (m.children_referred, m.children_re_referred) == (2, 2)
    assert m.re_referral_intervals == {"3 months or less": 1, "3 to 6 months": 1, "6 to 12 months": 1}


def test_percentages_round_half_up_and_are_none_without_a_denominator():
    assert percentage(1, 8) == 12.5
    assert percentage(1, 16) == 6.3  # 6.25: half up, where round() would give 6.2
    assert percentage(3, 0) is None
    assert rate_per_10k(2089, 60_166) == 347.2
    assert rate_per_10k(10, None) is None


def test_a_second_plan_is_a_repeat_ever_and_within_two_years_at_exactly_24_months():
    plans = [plan("A", date(2012, 1, 1), date(2013, 6, 1)), plan("A", date(2015, 6, 1), pid="second")]
    repeats = find_repeat_plans(plans, FY)
    assert [(r.plan.plan_id, r.within_two_years) for r in repeats] == [("second", True)]


def test_an_earlier_plan_that_ended_24_months_and_a_day_before_is_a_repeat_but_not_within_two_years():
    plans = [plan("A", date(2012, 1, 1), date(2013, 5, 31)), plan("A", date(2015, 6, 1), pid="second")]
    assert [(r.plan.plan_id, r.within_two_years) for r in find_repeat_plans(plans, FY)] == [("second", False)]


def test_a_third_plan_is_within_two_years_if_any_earlier_plan_ended_within_them():
    plans = [plan("A", date(2010, 1, 1), date(2010, 6, 1)),
             plan("A", date(2013, 1, 1), date(2014, 1, 1)),
             plan("A", date(2015, 9, 1), pid="third")]
    [repeat] = find_repeat_plans(plans, FY)
    assert repeat.plan.plan_id == "third" and repeat.within_two_years
    assert repeat.previous.start_date == date(2013, 1, 1)


def test_an_overlapping_earlier_plan_is_a_repeat_ever_but_not_within_two_years():
    # Issue 11: a re-recorded plan one day later, both ending the same day (Annex A List 7).
    plans = [plan("A", date(2020, 11, 23), date(2021, 2, 16), pid="first"),
             plan("A", date(2020, 11, 24), date(2021, 2, 16), pid="again")]
    m = plan_measures(plans, financial_year(2020))
    assert (m.repeat_plans_ever, m.repeat_plans_ever_pct) == (1, 50.0)
    assert (m.repeat_plans_within_2y, m.repeat_plans_within_2y_pct) == (0, 0.0)


def test_an_earlier_plan_ending_on_the_new_plans_start_day_is_within_two_years():
    plans = [plan("A", date(2015, 1, 1), date(2015, 6, 1)), plan("A", date(2015, 6, 1), pid="next")]
    assert [(r.plan.plan_id, r.within_two_years) for r in find_repeat_plans(plans, FY)] == [("next", True)]


def test_a_first_plan_is_not_a_repeat_unless_annex_a_records_previous_plans():
    assert find_repeat_plans([plan("A", date(2015, 6, 1))], FY) == []
    [repeat] = find_repeat_plans([plan("A", date(2015, 6, 1), previous=2)], FY)
    assert repeat.previous is None and not repeat.within_two_years


def test_plans_starting_the_same_day_are_not_repeats_of_each_other():
    plans = [plan("A", date(2015, 6, 1), pid="x"), plan("A", date(2015, 6, 1), pid="y")]
    assert find_repeat_plans(plans, FY) == []


def test_plan_measures():
    plans = [
        plan("A", date(2013, 1, 1), date(2014, 1, 1)),
        plan("A", date(2015, 5, 1), date(2015, 7, 1)),       # repeat within 2y; ended, 2 months
        plan("B", date(2010, 1, 1), date(2011, 1, 1)),
        plan("B", date(2015, 6, 1)),                          # repeat ever only
        plan("C", date(2015, 7, 1), date(2016, 3, 31)),      # first plan; ended, 9 months
        plan("D", date(2014, 12, 1)),                         # open 16 months at 31 Mar 2016
        plan("E", date(2014, 12, 31), date(2016, 3, 31)),    # ends on the last day: not open
    ]
    m = plan_measures(plans, FY)
    assert m.cp_plans_started == 3
    assert (m.repeat_plans_ever, m.repeat_plans_ever_pct) == (2, 66.7)
    assert (m.repeat_plans_within_2y, m.repeat_plans_within_2y_pct) == (1, 33.3)
    assert m.plans_ended == 3
    assert m.plans_ended_by_duration == {"3 months or less": 1, "3 to 6 months": 0,
                                         "6 to 12 months": 1, "1 to 2 years": 1, "2 years or more": 0}
    assert m.plans_open_15_months == 1


def test_forecast_scales_the_year_to_date_and_says_how():
    forecast = forecast_full_period(1125, financial_year(2015), date(2015, 9, 30))
    assert forecast.value == 2250.0  # 1,125 × 366 ÷ 183
    assert "1,125 × 366 ÷ 183" in forecast.method
    with pytest.raises(ValueError):
        forecast_full_period(10, financial_year(2015), date(2015, 3, 31))


def test_measures_summary_has_exactly_the_published_keys():
    summary = measures_summary([referral("A", date(2015, 4, 1))], [], financial_quarter(2015, 1), None)
    assert set(summary) == {"start", "end", "referrals", "rate_per_10k", "re_referrals",
                            "re_referral_pct", "decisions", "cp_plans_started", "repeat_plans_ever",
                            "repeat_plans_ever_pct", "repeat_plans_within_2y",
                            "repeat_plans_within_2y_pct"}
    assert summary["repeat_plans_ever_pct"] is None and summary["rate_per_10k"] is None
    assert summary["start"] == "2015-04-01"


def test_custom_periods_are_inclusive():
    period = custom(date(2015, 4, 1), date(2015, 4, 1))
    assert referral_measures([referral("A", date(2015, 4, 1))], period).referrals == 1
