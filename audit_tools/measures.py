"""The national warning-sign measures, defined once (DESIGN.md section 3).

Every function takes plain records (audit_tools.records) and a Period. Records from before
the period must be passed in too: a re-referral looks back 12 months, a repeat plan for ever.
"""
from bisect import bisect_left, bisect_right
from itertools import compress, repeat
from operator import attrgetter
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from audit_tools.periods import Period, add_months
from audit_tools.records import DECISIONS, CPPlan, Referral

RE_REFERRAL_MONTHS = 12
REPEAT_PLAN_MONTHS = 24
LEGAL_PLANNING_MONTHS = 15
RE_REFERRAL_INTERVAL_BANDS = ("3 months or less", "3 to 6 months", "6 to 12 months")
PLAN_DURATION_BANDS = ("3 months or less", "3 to 6 months", "6 to 12 months", "1 to 2 years",
                       "2 years or more")


def one_decimal(value: float) -> float:
    """Round half up to one decimal, as published tables do (Python's round() rounds half to even)."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percentage(part: int, whole: int) -> float | None:
    return None if not whole else one_decimal(part * 100 / whole)


def rate_per_10k(count: float, population: int | None) -> float | None:
    return None if not population else one_decimal(count * 10_000 / population)


# --- referrals ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReReferral:
    referral: Referral
    previous: Referral  # the child's most recent referral on an earlier day


def _by_child(records, *order):
    """Records grouped by child, each group sorted by the given attributes. Most children have
    one record, so sorting each group is quicker than sorting them all."""
    grouped = defaultdict(list)
    for record in records:
        grouped[record.child_id].append(record)
    key = attrgetter(*order)
    for group in grouped.values():
        if len(group) > 1:
            group.sort(key=key)
    return grouped


def re_referral_cutoff(day: date) -> date:
    """The earliest day a previous referral can be on for a referral on `day` to be a
    re-referral: 12 calendar months before (29 February less 12 months is 28 February)."""
    return add_months(day, -RE_REFERRAL_MONTHS)


def within_re_referral_window(previous_day: date, day: date) -> bool:
    """A referral on `day` is a re-referral when the child's previous referral (on an earlier
    day) was not more than 12 calendar months before it."""
    return previous_day >= re_referral_cutoff(day)


class ReferralHistory:
    """Referrals with each one's previous referral worked out once, so many periods (years,
    quarters) can be measured without grouping the records again."""

    def __init__(self, referrals):
        # One pass in date order, remembering for each child the day of their latest referral
        # and their latest referral before that day (same-day referrals share a "previous").
        # Sorting input that is already in date order, as the database returns it, is cheap.
        ordered = sorted(referrals, key=attrgetter("referral_date", "referral_id"))
        state = {}  # child -> (day of latest referral, latest referral before that day, latest referral)
        entries = []
        for referral in ordered:
            day = referral.referral_date
            known = state.get(referral.child_id)
            if known is None:
                before = None
            else:
                latest_day, before, latest = known
                if day != latest_day:
                    before = latest
            state[referral.child_id] = (day, before, referral)
            if before is not None and not within_re_referral_window(before.referral_date, day):
                before = None
            entries.append((referral, before))
        self._entries = entries
        self._index([r.referral_date for r, _ in entries], [r.child_id for r, _ in entries],
                    [r.decision for r, _ in entries],
                    [before.referral_date if before else None for _, before in entries])

    @classmethod
    def from_dated_rows(cls, rows, earlier=None) -> "ReferralHistory":
        """A history for measures only, from rows of (referral date, child, decision) in date
        order, and `earlier`: each child's latest referral day before the first row's day (the
        look-back). What a database reads from one covering index, with no record objects
        made. `re_referrals()` (the list with each previous referral) needs the records, so
        build the history from them for that."""
        dates, children, decisions = [list(column) for column in zip(*rows)] or ([], [], [])
        return cls.from_columns(dates, children, decisions, earlier)

    @classmethod
    def from_columns(cls, dates, children, decisions, earlier=None) -> "ReferralHistory":
        """from_dated_rows over the rows' three columns as lists (the referral dates in order):
        what a reader that converts a whole column at once hands over, with no tuple per row.
        Keeps per row only the previous referral's day, if a re-referral.

        A day at a time: every child referred that day is looked up before any is marked as
        referred on it, so each finds the day of their latest referral on an earlier day and
        same-day referrals share it, with the lookups and marks as C loops over the day's
        children. tests/test_measures_fast_path.py proves it equal to the records' pass."""
        history = cls.__new__(cls)
        latest = dict(earlier or {})  # child -> day of their latest referral
        previous = []
        first = 0
        for day in dict.fromkeys(dates):  # each day once, in order
            last = bisect_right(dates, day, first)
            referred = children[first:last]
            before = list(map(latest.get, referred))
            latest.update(zip(referred, repeat(day)))
            cutoff = re_referral_cutoff(day)  # within_re_referral_window, its cutoff worked out once per day
            previous += [found if found is not None and found >= cutoff else None for found in before]
            first = last
        history._entries = None
        history._index(dates, children, decisions, previous)
        return history

    def _index(self, dates, children, decisions, previous) -> None:
        """Columns of the referrals (in date order) and each one's previous referral day if a
        re-referral, with each re-referral's interval band worked out once, so a period's
        measures are a few slices and counts."""
        self._dates, self._children, self._decisions, self._previous = dates, children, decisions, previous
        bands = {}
        for day, earlier in zip(dates, previous):
            if earlier is not None and (day, earlier) not in bands:
                bands[(day, earlier)] = interval_band(day, earlier)
        self._bands = [None if earlier is None else bands[(day, earlier)] for day, earlier in zip(dates, previous)]

    def columns(self, period: Period):
        """(children, decisions, interval band or None) of the referrals in the period, as lists."""
        first, last = self._bounds(period)
        return self._children[first:last], self._decisions[first:last], self._bands[first:last]

    def _bounds(self, period: Period) -> tuple[int, int]:
        return (bisect_left(self._dates, period.start),
                bisect_left(self._dates, period.end + timedelta(days=1)))

    def _slice(self, period: Period):
        if self._entries is None:
            raise ValueError("This history was built for measures only: build it from the referrals to list them")
        first, last = self._bounds(period)
        return self._entries[first:last]

    def facts(self, period: Period) -> list[tuple[date, str, str, date | None]]:
        """(date, child, decision, previous referral's date if a re-referral) for each referral in the period."""
        first, last = self._bounds(period)
        return list(zip(self._dates[first:last], self._children[first:last], self._decisions[first:last],
                        self._previous[first:last]))

    def re_referral_days(self, period: Period) -> list[tuple[date, str, date]]:
        """(date, child, previous referral's date) of each re-referral in the period, in date order."""
        first, last = self._bounds(period)
        previous = self._previous[first:last]  # a date (never false) for a re-referral, else None
        return list(compress(zip(self._dates[first:last], self._children[first:last], previous), previous))

    def in_period(self, period: Period) -> list[Referral]:
        return [referral for referral, _ in self._slice(period)]

    def re_referrals(self, period: Period) -> list["ReReferral"]:
        return [ReReferral(referral, previous) for referral, previous in self._slice(period) if previous]


def find_re_referrals(referrals, period: Period) -> list[ReReferral]:
    """Referrals in the period whose child had a referral on an earlier day not more than 12
    calendar months before. Same-day referrals are not re-referrals of each other."""
    history = referrals if isinstance(referrals, ReferralHistory) else ReferralHistory(referrals)
    return history.re_referrals(period)


def interval_band(day: date, previous_day: date) -> str:
    if previous_day >= add_months(day, -3):
        return RE_REFERRAL_INTERVAL_BANDS[0]
    if previous_day >= add_months(day, -6):
        return RE_REFERRAL_INTERVAL_BANDS[1]
    return RE_REFERRAL_INTERVAL_BANDS[2]


def re_referral_interval_band(re_referral: ReReferral) -> str:
    return interval_band(re_referral.referral.referral_date, re_referral.previous.referral_date)


@dataclass
class ReferralMeasures:
    period: Period
    referrals: int
    rate_per_10k: float | None
    re_referrals: int
    re_referral_pct: float | None
    decisions: dict[str, int]
    decisions_pct: dict[str, float | None]
    children_referred: int
    children_re_referred: int
    children_re_referred_pct: float | None
    re_referral_intervals: dict[str, int] = field(default_factory=dict)


def referral_measures(referrals, period: Period, population: int | None = None) -> ReferralMeasures:
    """`referrals` is any iterable of Referral, or a ReferralHistory to reuse across periods."""
    history = referrals if isinstance(referrals, ReferralHistory) else ReferralHistory(referrals)
    children_in, decision_list, band_list = history.columns(period)
    bands = list(filter(None, band_list))  # a band is a non-empty text, None if not a re-referral
    decisions = Counter(decision_list)
    decision_counts = {decision: decisions.get(decision, 0) for decision in DECISIONS}
    children = set(children_in)
    children_re_referred = set(compress(children_in, band_list))
    intervals = Counter(bands)
    in_period, re_referrals = decision_list, bands
    return ReferralMeasures(
        period=period,
        referrals=len(in_period),
        rate_per_10k=rate_per_10k(len(in_period), population),
        re_referrals=len(re_referrals),
        re_referral_pct=percentage(len(re_referrals), len(in_period)),
        decisions=decision_counts,
        decisions_pct={d: percentage(n, len(in_period)) for d, n in decision_counts.items()},
        children_referred=len(children),
        children_re_referred=len(children_re_referred),
        children_re_referred_pct=percentage(len(children_re_referred), len(children)),
        re_referral_intervals={band: intervals.get(band, 0) for band in RE_REFERRAL_INTERVAL_BANDS},
    )


# --- child protection plans ---------------------------------------------------------------

@dataclass(frozen=True)
class RepeatPlan:
    plan: CPPlan
    previous: CPPlan | None  # the latest earlier plan loaded, if any
    within_two_years: bool


def find_repeat_plans(plans, period: Period) -> list[RepeatPlan]:
    """Plans started in the period for a child with an earlier plan (an earlier start date).

    A plan also counts as a repeat when Annex A says the child had previous plans, even if
    those plans are not loaded. It is a repeat within two years when an earlier plan ended on
    or before this one's start and not more than 24 calendar months before it (inclusive). An
    earlier plan that ends after this one starts, or has not ended, overlaps it: that is a
    data-quality warning, not a repeat within two years.
    """
    plans = list(plans)
    first, last = period.start, period.end  # `in period`, without a call per plan
    children = {p.child_id for p in plans if first <= p.start_date <= last}
    found = []
    for child_plans in _by_child((p for p in plans if p.child_id in children), "start_date", "plan_id").values():
        for index, plan in enumerate(child_plans):
            if not first <= plan.start_date <= last:
                continue
            earlier = [p for p in child_plans[:index] if p.start_date < plan.start_date]
            if not earlier and not plan.previous_plans:
                continue
            window_start = add_months(plan.start_date, -REPEAT_PLAN_MONTHS)
            within = any(p.end_date is not None and window_start <= p.end_date <= plan.start_date
                         for p in earlier)
            found.append(RepeatPlan(plan, earlier[-1] if earlier else None, within))
    found.sort(key=lambda r: (r.plan.start_date, r.plan.plan_id))
    return found


def plan_duration_band(plan: CPPlan) -> str:
    for months, band in zip((3, 6, 12, 24), PLAN_DURATION_BANDS):
        if plan.end_date <= add_months(plan.start_date, months):
            return band
    return PLAN_DURATION_BANDS[-1]


def plans_open_at_least(plans, months: int, as_at: date) -> list[CPPlan]:
    """Plans open on as_at that started at least `months` calendar months before it."""
    return sorted(_open_at_least(plans, months, as_at), key=lambda p: (p.start_date, p.plan_id))


def _open_at_least(plans, months: int, as_at: date) -> list[CPPlan]:
    """plans_open_at_least in no order, for a count."""
    cutoff = add_months(as_at, -months)
    return [p for p in plans if p.start_date <= cutoff and (p.end_date is None or p.end_date > as_at)]


@dataclass
class PlanMeasures:
    period: Period
    cp_plans_started: int
    repeat_plans_ever: int
    repeat_plans_ever_pct: float | None
    repeat_plans_within_2y: int
    repeat_plans_within_2y_pct: float | None
    plans_ended: int
    plans_ended_by_duration: dict[str, int]
    plans_open_15_months: int


def plan_measures(plans, period: Period, as_at: date | None = None) -> PlanMeasures:
    """`as_at` (default: the period's end) is the day "open 15 months or more" is counted on;
    for a year in progress, the last day the data covers."""
    plans = list(plans)
    first, last = period.start, period.end  # `in period`, without a call per plan
    started = [p for p in plans if first <= p.start_date <= last]
    repeats = find_repeat_plans(plans, period)
    within = [r for r in repeats if r.within_two_years]
    ended = [p for p in plans if p.end_date is not None and first <= p.end_date <= last]
    durations = Counter(plan_duration_band(p) for p in ended)
    return PlanMeasures(
        period=period,
        cp_plans_started=len(started),
        repeat_plans_ever=len(repeats),
        repeat_plans_ever_pct=percentage(len(repeats), len(started)),
        repeat_plans_within_2y=len(within),
        repeat_plans_within_2y_pct=percentage(len(within), len(started)),
        plans_ended=len(ended),
        plans_ended_by_duration={band: durations.get(band, 0) for band in PLAN_DURATION_BANDS},
        plans_open_15_months=len(_open_at_least(plans, LEGAL_PLANNING_MONTHS, as_at or period.end)),
    )


# --- forecast and the one-object summary --------------------------------------------------

@dataclass(frozen=True)
class Forecast:
    value: float
    method: str


def forecast_full_period(count_to_date: int, period: Period, as_of: date) -> Forecast:
    """Scale a year-to-date count to the whole period, pro rata by days."""
    if as_of < period.start:
        raise ValueError("Nothing of the period has happened yet, so there is nothing to forecast from")
    as_of = min(as_of, period.end)
    elapsed = (as_of - period.start).days + 1
    value = one_decimal(count_to_date * period.days / elapsed)
    method = (f"Forecast: {count_to_date:,} in the {elapsed} days from {period.start:%d %b %Y} to "
              f"{as_of:%d %b %Y}, scaled to the {period.days} days of {period.label} "
              f"({count_to_date:,} × {period.days} ÷ {elapsed}).")
    return Forecast(value, method)


def measures_summary(referrals, plans, period: Period, population: int | None) -> dict:
    """The figures `flask measures --json` prints, with exactly its keys."""
    r = referral_measures(referrals, period, population)
    p = plan_measures(plans, period)
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "referrals": r.referrals,
        "rate_per_10k": r.rate_per_10k,
        "re_referrals": r.re_referrals,
        "re_referral_pct": r.re_referral_pct,
        "decisions": r.decisions,
        "cp_plans_started": p.cp_plans_started,
        "repeat_plans_ever": p.repeat_plans_ever,
        "repeat_plans_ever_pct": p.repeat_plans_ever_pct,
        "repeat_plans_within_2y": p.repeat_plans_within_2y,
        "repeat_plans_within_2y_pct": p.repeat_plans_within_2y_pct,
    }
