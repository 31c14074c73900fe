"""A synthetic council, calibrated to the background report (Shropshire, 2013/14 to 2015/16),
for demos and tests. Nothing here is real data.

Calibration targets (the report's figures): referrals 2,089 in 2013/14 and 2,722 in 2014/15,
1,516 by the end of Q2 2014/15 and 1,125 by the end of Q2 2015/16; re-referrals 27.1% in Q2
2014/15 and 20.8% in Q2 2015/16; professional conversation 26.8% -> 3.4%, SWA 43% -> 48.8% and
section 47 16% -> 26.8% (April to September, 2014 against 2015); 165 plans started in 2013/14,
31 (18.8%) second or subsequent and 14 (8.5%) within two years; 134 plans started April to
September 2015, 18 second or subsequent and 10 within two years. History starts in 2011.
"""
import random
from collections import Counter
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


def demo_plans(rng: random.Random, referrals: list[Referral]) -> list[CPPlan]:
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
            end = end if end <= date(2015, 9, 30) else None  # still open at the data's end
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


def demo_council(seed: int = 2015) -> tuple[list[Referral], list[CPPlan]]:
    rng = random.Random(seed)
    referrals = demo_referrals(rng)
    return referrals, demo_plans(rng, referrals)
