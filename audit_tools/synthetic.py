"""A synthetic council, calibrated to the background report (Shropshire, 2013/14 to 2015/16),
for demos and tests. Nothing here is real data.

Calibration targets (the report's figures): referrals 2,089 in 2013/14 and 2,722 in 2014/15,
1,516 by the end of Q2 2014/15 and 1,125 by the end of Q2 2015/16; re-referrals 27.1% in Q2
2014/15 and 20.8% in Q2 2015/16; professional conversation 26.8% -> 3.4%, SWA 43% -> 48.8% and
section 47 16% -> 26.8% (April to September, 2014 against 2015); 165 plans started in 2013/14,
31 (18.8%) second or subsequent and 14 (8.5%) within two years; 134 plans started April to
September 2015, 18 second or subsequent and 10 within two years. History starts in 2011.

The demo loads this council moved forward in whole years (`demo_council_in_the_present`), so
the report's 2014/15 is the last complete financial year before today's and the data runs to
the end of last month.
"""
import calendar
import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from audit_tools.measures import re_referral_cutoff
from audit_tools.periods import add_months, financial_quarter, financial_year_of
from audit_tools.records import DECISIONS, CPPlan, Referral

TEAMS = ("Compass", "North", "South", "Central")
SOURCES = ("6", "6", "6", "2A", "2A", "3D", "3A", "1A", "1D", "5A", "8", "3B", "9")
CATEGORIES = ("NEG", "NEG", "NEG", "EMO", "EMO", "PHY", "SAB", "MUL")
POPULATION = {2011: 60_400, 2012: 60_300, 2013: 60_170, 2014: 59_760, 2015: 59_800}

# Referrals per quarter of each financial year (Q1..Q4); 2015/16 stops at Q2.
REFERRALS_PER_QUARTER = {
    2011: (580, 590, 560, 570), 2012: (600, 610, 570, 560), 2013: (540, 530, 510, 509),
    2014: (760, 756, 610, 596), 2015: (571, 554),
}
RE_REFERRAL_PCT = {(2014, 2): 27.1, (2015, 2): 20.8}
DEFAULT_RE_REFERRAL_PCT = 24.0
# Shares of decisions, in DECISIONS order: nfa, professional_conversation, early_help,
# assessment, section_47.
DECISION_MIX = {
    2011: (0.12, 0.24, 0.06, 0.42, 0.16), 2012: (0.12, 0.25, 0.05, 0.42, 0.16),
    2013: (0.10, 0.26, 0.05, 0.43, 0.16), 2014: (0.092, 0.268, 0.05, 0.43, 0.16),
    2015: (0.13, 0.034, 0.078, 0.488, 0.268),
}
# Plans started per financial year: (total, repeats ever, of which within two years).
PLANS = {2011: (170, 30, 14), 2012: (168, 29, 13), 2013: (165, 31, 14), 2014: (150, 22, 11),
         2015: (134, 18, 10)}
# The report's last complete financial year (2014/15) and the calibrated data's last day.
REPORT_YEAR = 2014
CALIBRATED_UNTIL = date(2015, 9, 30)


def _exact_mix(rng, count, shares):
    """A shuffled list of decisions with exactly the rounded shares (largest remainders)."""
    raw = [share * count for share in shares]
    counts = [int(x) for x in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:count - sum(counts)]:
        counts[index] += 1
    decisions = [d for d, n in zip(DECISIONS, counts) for _ in range(n)]
    rng.shuffle(decisions)
    return decisions


def _days_in(rng, period, count):
    span = (period.end - period.start).days
    return sorted(period.start + timedelta(days=rng.randint(0, span)) for _ in range(count))


def demo_referrals(rng: random.Random) -> list[Referral]:
    referrals, last_referral = [], {}  # child -> date of their latest referral
    next_child = 1
    for year, per_quarter in sorted(REFERRALS_PER_QUARTER.items()):
        for quarter, count in enumerate(per_quarter, start=1):
            period = financial_quarter(year, quarter)
            days = _days_in(rng, period, count)
            pct = RE_REFERRAL_PCT.get((year, quarter), DEFAULT_RE_REFERRAL_PCT)
            repeat_slots = set(rng.sample(range(count), round(count * pct / 100)))
            decisions = _exact_mix(rng, count, DECISION_MIX[year])
            for index, day in enumerate(days):
                child = None
                if index in repeat_slots:
                    window = re_referral_cutoff(day)
                    eligible = [c for c, last in last_referral.items() if window <= last < day]
                    child = rng.choice(eligible) if eligible else None
                if child is None:
                    child = f"C{next_child:06d}"
                    next_child += 1
                last_referral[child] = day
                referrals.append(Referral(
                    f"R{len(referrals) + 1:07d}", child, day, decisions[index],
                    rng.choice(SOURCES), rng.choice(TEAMS)))
            # Forget children last referred over a year ago: they can no longer be re-referred.
            cutoff = re_referral_cutoff(period.end)
            last_referral = {c: d for c, d in last_referral.items() if d >= cutoff}
    return referrals


def demo_plans(rng: random.Random, referrals: list[Referral], data_until: date = CALIBRATED_UNTIL) -> list[CPPlan]:
    """Plans for children whose referral led to a section 47 enquiry, with the calibrated
    share of second plans."""
    s47 = [r for r in referrals if r.decision == "section_47"]
    rng.shuffle(s47)
    used_children, plans = set(), []

    def new_plan(child, start, end, team, previous=None):
        plans.append(CPPlan(f"P{len(plans) + 1:06d}", child, start, end, rng.choice(CATEGORIES),
                            team, previous))

    def plan_length(start):
        months = rng.choice((4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 18))
        return add_months(start, months)

    # Latest year first: a repeat plan's earlier plan lands in an earlier year, and counts
    # towards that year's total.
    earlier_plans_in = Counter()
    for year, (total, repeats, within) in sorted(PLANS.items(), reverse=True):
        last_day = date(2015, 9, 30) if year == 2015 else date(year + 1, 3, 31)
        candidates = [r for r in s47 if date(year, 4, 1) <= r.referral_date + timedelta(days=14) <= last_day
                      and r.child_id not in used_children]
        chosen, chosen_children = [], set()
        for referral in candidates:
            if referral.child_id not in chosen_children:
                chosen.append(referral)
                chosen_children.add(referral.child_id)
            if len(chosen) == total - earlier_plans_in[year]:
                break
        for index, referral in enumerate(chosen):
            child = referral.child_id
            used_children.add(child)
            start = referral.referral_date + timedelta(days=14)
            end = plan_length(start)
            end = end if end <= data_until else None  # still open at the data's end
            if index < repeats:
                # Within two years: the earlier plan ended 2 to 20 months before this one
                # started; otherwise more than two years before.
                gap = rng.randint(2, 20) if index < within else rng.randint(26, 60)
                earlier_end = add_months(start, -gap)
                earlier_start = add_months(earlier_end, -rng.randint(4, 12))
                earlier_plans_in[financial_year_of(earlier_start)] += 1
                new_plan(child, earlier_start, earlier_end, referral.team)
            new_plan(child, start, end, referral.team)
    return sorted(plans, key=lambda p: (p.start_date, p.plan_id))


def demo_council(seed: int = 2015, data_until: date = CALIBRATED_UNTIL) -> tuple[list[Referral], list[CPPlan]]:
    """The calibrated council, April 2011 to September 2015, then (if `data_until` is later)
    months at the 2015/16 rates up to `data_until`, drawn from their own random numbers so
    the calibrated months are the same whatever `data_until` is. Nothing after `data_until`."""
    rng = random.Random(seed)
    referrals = demo_referrals(rng)
    plans = demo_plans(rng, referrals, data_until)
    if data_until > CALIBRATED_UNTIL:
        more_referrals, more_plans = _months_after_calibration(random.Random(seed + 1), referrals, plans, data_until)
        referrals, plans = referrals + more_referrals, plans + more_plans
    return ([r for r in referrals if r.referral_date <= data_until],
            [p for p in plans if p.start_date <= data_until])


def _months_after_calibration(rng, referrals, plans, data_until):
    """Referrals from October 2015 at Q2 2015/16's pace (about 185 a month), the default
    re-referral share and 2015/16's decisions; about 45% of section 47 enquiries lead to a
    first plan two weeks later, as in 2015/16 (134 plans from some 300 enquiries)."""
    last_referral = {r.child_id: r.referral_date for r in referrals}
    next_child = 1 + max(int(r.child_id[1:]) for r in referrals)
    with_plans = {p.child_id for p in plans}
    more_referrals, more_plans = [], []
    month_start = CALIBRATED_UNTIL + timedelta(days=1)
    while month_start <= data_until:
        month_end = min(add_months(month_start, 1) - timedelta(days=1), data_until)
        count = round(185 * ((month_end - month_start).days + 1) / 30)
        days = sorted(month_start + timedelta(days=rng.randint(0, (month_end - month_start).days))
                      for _ in range(count))
        decisions = _exact_mix(rng, count, DECISION_MIX[2015])
        for day, decision in zip(days, decisions):
            child = None
            if rng.random() < DEFAULT_RE_REFERRAL_PCT / 100:
                cutoff = re_referral_cutoff(day)
                eligible = sorted(c for c, last in last_referral.items() if cutoff <= last < day)
                child = rng.choice(eligible) if eligible else None
            if child is None:
                child = f"C{next_child:06d}"
                next_child += 1
            last_referral[child] = day
            referral = Referral(f"R{len(referrals) + len(more_referrals) + 1:07d}", child, day, decision,
                                rng.choice(SOURCES), rng.choice(TEAMS))
            more_referrals.append(referral)
            start = day + timedelta(days=14)
            if decision == "section_47" and child not in with_plans and start <= data_until and rng.random() < 0.45:
                with_plans.add(child)
                more_plans.append(CPPlan(f"P{len(plans) + len(more_plans) + 1:06d}", child, start, None,
                                         rng.choice(CATEGORIES), referral.team))
        month_start = month_end + timedelta(days=1)
    return more_referrals, more_plans


def years_to_the_present(today: date) -> int:
    """Whole years that make the report's 2014/15 the last complete financial year before
    today's: in December 2026 (financial year 2026/27) that is 11, giving 2025/26."""
    return financial_year_of(today) - 1 - REPORT_YEAR


def moved_by_years(day: date | None, years: int) -> date | None:
    """The same day and month `years` later. 29 February moved into a year with no 29 February
    becomes 28 February, the rule add_months follows, so no day leaves its month."""
    if day is None:
        return None
    if day.month == 2 and day.day == 29 and not calendar.isleap(day.year + years):
        return date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def last_day_of_last_month(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def demo_council_in_the_present(today: date, seed: int = 2015) -> tuple[int, list[Referral], list[CPPlan]]:
    """The council moved forward by `years_to_the_present(today)` whole years, its data running
    to the end of last month. From October to March that means more months after the
    calibrated September; from April to September the calibrated months after last month are
    left out (imports refuse dates in the future), so the report's April-to-September
    2015/16 figures are whole only from October. Returns (years, referrals, plans)."""
    years = years_to_the_present(today)
    until = moved_by_years(last_day_of_last_month(today), -years)
    referrals, plans = demo_council(seed, data_until=until)
    return (years,
            [replace(r, referral_date=moved_by_years(r.referral_date, years)) for r in referrals],
            [replace(p, start_date=moved_by_years(p.start_date, years), end_date=moved_by_years(p.end_date, years))
             for p in plans])
