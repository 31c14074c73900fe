"""An independent expectation for the measures: a brute-force reading of the definitions in
DESIGN.md section 3 (and docs/decisions.md, "Repeat plans"), sharing no code with
audit_tools.measures or audit_tools.periods, compared with the library on random histories.
tests/test_measures_fast_path_brute_force.py compares the same brute force with the database's
fast path. A bug in a helper both the library and the fast path use (months arithmetic, the
windows' edges) makes these fail, where comparing the two with each other cannot.

The brute force is slow on purpose: for each referral it looks at every other referral."""
import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from audit_tools.measures import find_re_referrals, find_repeat_plans, plan_measures, referral_measures
from audit_tools.periods import Period
from audit_tools.records import DECISIONS, CPPlan, Referral


# --- the definitions, read literally ----------------------------------------------------------

def months_before(day: date, months: int) -> date:
    """`months` calendar months before `day`; a day the earlier month lacks becomes its last
    day (29 February 2016 less 12 months is 28 February 2015)."""
    year, month = day.year, day.month - months
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def one_decimal_pct(part: int, whole: int):
    if whole == 0:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def in_period(day, period) -> bool:
    return period.start <= day <= period.end


def is_re_referral(referral, all_referrals) -> bool:
    """Another referral of the same child with an earlier date, not more than 12 calendar
    months before (previous date >= this date minus 12 months). Same-day referrals do not count."""
    cutoff = months_before(referral.referral_date, 12)
    return any(other.child_id == referral.child_id and cutoff <= other.referral_date < referral.referral_date
               for other in all_referrals)


def expected_referral_figures(referrals, period, population=None) -> dict:
    counted = [r for r in referrals if in_period(r.referral_date, period)]
    re_referrals = [r for r in counted if is_re_referral(r, referrals)]
    decisions = {d: sum(1 for r in counted if r.decision == d) for d in DECISIONS}
    rate = None
    if population:
        rate = float((Decimal(len(counted)) * 10_000 / Decimal(population))
                     .quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return {
        "referrals": len(counted), "re_referrals": len(re_referrals),
        "re_referral_pct": one_decimal_pct(len(re_referrals), len(counted)),
        "re_referral_ids": sorted(r.referral_id for r in re_referrals),
        "decisions": decisions, "rate_per_10k": rate,
        "children_referred": len({r.child_id for r in counted}),
        "children_re_referred": len({r.child_id for r in re_referrals}),
    }


def is_repeat_ever(plan, all_plans) -> bool:
    """The child had an earlier plan (an earlier start date) at any time, or, when none is
    loaded, Annex A records previous plans (docs/decisions.md)."""
    earlier = [p for p in all_plans if p.child_id == plan.child_id and p.start_date < plan.start_date]
    return bool(earlier) or bool(plan.previous_plans)


def is_repeat_within_two_years(plan, all_plans) -> bool:
    """An earlier plan ended not more than 24 calendar months before this plan's start
    (inclusive), and on or before that start: an overlapping (or open) plan does not count."""
    window_start = months_before(plan.start_date, 24)
    return any(p.child_id == plan.child_id and p.start_date < plan.start_date and p.end_date is not None
               and window_start <= p.end_date <= plan.start_date for p in all_plans)


def expected_plan_figures(plans, period) -> dict:
    started = [p for p in plans if in_period(p.start_date, period)]
    ever = [p for p in started if is_repeat_ever(p, plans)]
    within = [p for p in started if is_repeat_within_two_years(p, plans)]
    return {
        "cp_plans_started": len(started),
        "repeat_plans_ever": len(ever), "repeat_plans_ever_pct": one_decimal_pct(len(ever), len(started)),
        "repeat_plans_within_2y": len(within),
        "repeat_plans_within_2y_pct": one_decimal_pct(len(within), len(started)),
        "repeat_ever_ids": sorted(p.plan_id for p in ever), "repeat_within_ids": sorted(p.plan_id for p in within),
        "plans_ended": sum(1 for p in plans if p.end_date is not None and in_period(p.end_date, period)),
    }


# --- what the library says, in the same shape ---------------------------------------------------

def library_referral_figures(measures, re_referrals) -> dict:
    return {"referrals": measures.referrals, "re_referrals": measures.re_referrals,
            "re_referral_pct": measures.re_referral_pct,
            "re_referral_ids": sorted(r.referral.referral_id for r in re_referrals),
            "decisions": measures.decisions, "rate_per_10k": measures.rate_per_10k,
            "children_referred": measures.children_referred, "children_re_referred": measures.children_re_referred}


def library_plan_figures(measures, repeats) -> dict:
    return {"cp_plans_started": measures.cp_plans_started, "repeat_plans_ever": measures.repeat_plans_ever,
            "repeat_plans_ever_pct": measures.repeat_plans_ever_pct,
            "repeat_plans_within_2y": measures.repeat_plans_within_2y,
            "repeat_plans_within_2y_pct": measures.repeat_plans_within_2y_pct,
            "repeat_ever_ids": sorted(r.plan.plan_id for r in repeats),
            "repeat_within_ids": sorted(r.plan.plan_id for r in repeats if r.within_two_years),
            "plans_ended": measures.plans_ended}


# --- random histories around the edges -------------------------------------------------------

EDGES = [date(2016, 2, 29), date(2015, 2, 28), date(2015, 3, 1), date(2014, 2, 28), date(2015, 4, 1),
         date(2016, 3, 31), date(2015, 3, 31), date(2016, 4, 1), date(2014, 3, 31), date(2013, 8, 31)]
# Gaps between a child's events: the same day, months exactly (12 and 24 are the windows' edges)
# and a day either side, month ends, or anything.
GAPS = st.one_of(st.just(("days", 0)), st.tuples(st.just("months"), st.sampled_from([3, 6, 12, 24])),
                 st.tuples(st.just("days"), st.integers(1, 900)))
EDGE_NUDGE = st.sampled_from([-1, 0, 0, 1])
# A new plan 24 months (or 12) after the last one ended, a day either side, often: the edge of
# "within two years".
AFTER_AN_END = st.one_of(st.just(("months", 24)), st.just(("months", 12)), GAPS)


def _after(day: date, gap, nudge: int) -> date:
    kind, amount = gap
    if kind == "days":
        return day + timedelta(days=amount)
    # `amount` months after `day`, found as the day whose `amount` months before is `day`'s
    # month end or day: walk forward, since the brute force only knows "months before".
    candidate = day + timedelta(days=28 * amount)
    while months_before(candidate, amount) < day:
        candidate += timedelta(days=1)
    return candidate + timedelta(days=nudge)


@st.composite
def histories(draw, max_children=6):
    referrals, plans = [], []
    for child in range(draw(st.integers(1, max_children))):
        child_id = f"C{child}"
        day = draw(st.sampled_from(EDGES) | st.dates(date(2012, 1, 1), date(2016, 12, 31)))
        for _ in range(draw(st.integers(0, 6))):
            referrals.append(Referral(f"R{len(referrals):04d}", child_id, day, draw(st.sampled_from(DECISIONS))))
            day = _after(day, draw(GAPS), draw(EDGE_NUDGE))
        day = draw(st.sampled_from(EDGES) | st.dates(date(2011, 1, 1), date(2016, 3, 31)))
        for _ in range(draw(st.integers(0, 4))):
            end = draw(st.none() | st.builds(_after, st.just(day), GAPS, EDGE_NUDGE))
            if end is not None and end < day:
                end = day
            plans.append(CPPlan(f"P{len(plans):04d}", child_id, day, end,
                                previous_plans=draw(st.none() | st.integers(0, 2))))
            # The next plan follows this one's start (it may overlap) or its end (the two-year window).
            if end is not None and draw(st.booleans()):
                day = _after(end, draw(AFTER_AN_END), draw(EDGE_NUDGE))
            else:
                day = _after(day, draw(GAPS), draw(EDGE_NUDGE))
    return referrals, plans


# The windows' edges, always tried: 12 months exactly and a day more (with 29 February), and an
# earlier plan ending 24 months exactly, a day more, or on the new plan's start day.
EDGE_HISTORY = (
    [Referral("R1", "A", date(2014, 9, 1), "nfa"), Referral("R2", "A", date(2015, 9, 1), "assessment"),
     Referral("R3", "B", date(2014, 8, 31), "nfa"), Referral("R4", "B", date(2015, 9, 1), "nfa"),
     Referral("R5", "C", date(2015, 2, 28), "early_help"), Referral("R6", "C", date(2016, 2, 29), "nfa"),
     Referral("R7", "C", date(2016, 2, 29), "section_47"), Referral("R8", "D", date(2015, 2, 27), "nfa"),
     Referral("R9", "D", date(2016, 2, 29), "nfa")],
    [CPPlan("P1", "A", date(2012, 6, 1), date(2013, 9, 1)), CPPlan("P2", "A", date(2015, 9, 1)),
     CPPlan("P3", "B", date(2012, 6, 1), date(2013, 8, 31)), CPPlan("P4", "B", date(2015, 9, 1)),
     CPPlan("P5", "C", date(2015, 5, 1), date(2015, 10, 1)), CPPlan("P6", "C", date(2015, 10, 1)),
     CPPlan("P7", "D", date(2015, 5, 1)), CPPlan("P8", "D", date(2015, 10, 1), date(2016, 1, 1)),
     CPPlan("P9", "E", date(2015, 6, 1), previous_plans=2), CPPlan("P10", "E", date(2015, 6, 1), date(2015, 6, 1))])

PERIODS = [Period(date(2015, 4, 1), date(2016, 3, 31), "2015/16"), Period(date(2016, 1, 1), date(2016, 3, 31), "Q4"),
           Period(date(2015, 2, 28), date(2015, 3, 31), "edge"), Period(date(2014, 4, 1), date(2015, 3, 31), "2014/15"),
           Period(date(2016, 2, 29), date(2016, 2, 29), "leap day")]


def test_the_brute_force_months_agree_with_the_worked_examples():
    assert months_before(date(2016, 2, 29), 12) == date(2015, 2, 28)
    assert months_before(date(2016, 3, 31), 1) == date(2016, 2, 29)
    assert months_before(date(2015, 1, 15), 24) == date(2013, 1, 15)


# No shrinking: a failure shows as found, so a broken measure fails in seconds.
@settings(max_examples=150, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(history=histories(), population=st.none() | st.integers(1, 90_000))
@example(history=EDGE_HISTORY, population=60_000)
def test_the_library_gives_the_definitions_figures(history, population):
    referrals, plans = history
    for period in PERIODS:
        measured = library_referral_figures(referral_measures(referrals, period, population),
                                            find_re_referrals(referrals, period))
        assert measured == expected_referral_figures(referrals, period, population), period
        planned = library_plan_figures(plan_measures(plans, period), find_repeat_plans(plans, period))
        assert planned == expected_plan_figures(plans, period), period
