"""Lists of cases behind a measure, each with the child's referral and plan history: what a
QA lead reads before choosing what to audit."""
from bisect import bisect_left
from dataclasses import dataclass

from sqlalchemy import select

from audit_tools.measures import (ReferralHistory, ReReferral, RepeatPlan, find_re_referrals,
                                  find_repeat_plans)
from audit_tools.periods import Period, custom
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.db import collector_paused
from qa_app.extensions import db
from qa_app.models import CPPlan, Referral
from qa_app.services import measures_cache
from qa_app.services.case_data import (PLAN_COLUMNS, REFERRAL_COLUMNS, dated_referral_rows, plan_record, plan_records,
                                       referral_history, referral_record)


@dataclass
class ChildHistory:
    referrals: list[ReferralRecord]
    plans: list[PlanRecord]

    def referral_intervals(self):
        """(referral, days since the child's previous referral or None)."""
        previous = None
        for referral in self.referrals:
            yield referral, (referral.referral_date - previous).days if previous else None
            previous = referral.referral_date


def child_histories(child_ids) -> dict[str, ChildHistory]:
    child_ids = sorted(set(child_ids))
    histories = {child: ChildHistory([], []) for child in child_ids}
    for start in range(0, len(child_ids), 500):
        chunk = child_ids[start:start + 500]
        for row in db.session.execute(select(*REFERRAL_COLUMNS).where(Referral.child_id.in_(chunk))
                                      .order_by(Referral.referral_date)):
            histories[row.child_id].referrals.append(referral_record(row))
        for row in db.session.execute(select(*PLAN_COLUMNS).where(CPPlan.child_id.in_(chunk))
                                      .order_by(CPPlan.start_date)):
            histories[row.child_id].plans.append(plan_record(row))
    return histories


PAGE_SIZE = 100


@dataclass
class Page:
    """One page of a long list: a year's re-referrals at a large council is tens of thousands,
    and each row carries the child's history."""
    rows: list
    total: int
    number: int
    pages: int


def re_referral_list(period: Period, previous_decision: str | None = None, page: int = 1,
                     page_size: int = PAGE_SIZE) -> Page:
    """One page of the period's re-referrals, in date and referral-id order, each with the
    child's history.

    A large council's year has tens of thousands, so which referrals are re-referrals (and on
    what day each one's previous referral was) comes from the measures' fast history, read
    from the covering index with no records made. Only the children with a re-referral on the
    page's days are read in full, and the definition (find_re_referrals over each of those
    children's whole history) names the re-referrals and previous referrals shown;
    tests/test_measures_fast_path.py proves the pages together equal the definition's list."""
    facts = measures_cache.re_referral_facts(period, previous_decision,
                                             lambda: _re_referral_facts(period, previous_decision))
    pages = max(1, -(-len(facts) // page_size))
    page = min(max(page, 1), pages)
    first, last = (page - 1) * page_size, min(page * page_size, len(facts))
    if first >= last:
        return Page([], len(facts), page, pages)
    # Facts are in date order but not in referral-id order within a day, so the definition
    # orders the whole of the page's first and last days, and the page is cut from that.
    days = custom(facts[first][0], facts[last - 1][0])
    first_of_day = bisect_left([day for day, _, _ in facts], days.start)
    histories = child_histories(child for day, child, _ in facts if day in days)
    found = _definition(histories, days, previous_decision)
    shown = found[first - first_of_day:last - first_of_day]
    return Page([(r, histories[r.referral.child_id]) for r in shown], len(facts), page, pages)


@collector_paused()
def _re_referral_facts(period: Period, previous_decision: str | None) -> list[tuple]:
    """(day, child, previous referral's day) of each of the period's re-referrals, in date order."""
    if previous_decision:
        # The decision on each previous referral is needed too: read the look-back in full.
        rows = dated_referral_rows(period.start, period.end)
        history = ReferralHistory.from_dated_rows(rows)
    else:
        history = referral_history(period.start, period.end)
    facts = history.re_referral_days(period)
    if previous_decision:
        decisions = _previous_decisions(rows, facts, period)
        facts = [fact for fact in facts if decisions[fact] == previous_decision]
    return facts


def _definition(histories: dict, period: Period, previous_decision: str | None) -> list[ReReferral]:
    """The definition's re-referrals in the period among these children (each child's
    re-referrals depend on their own referrals only)."""
    found = find_re_referrals([r for h in histories.values() for r in h.referrals], period)
    return [r for r in found if not previous_decision or r.previous.decision == previous_decision]


def _previous_decisions(rows, facts, period: Period) -> dict:
    """The decision on each re-referral's previous referral. The covering index gives each
    child's decisions on the previous day; only when a child had referrals with different
    decisions that day does it matter which was the previous one, and the definition, over
    those few children's records, says."""
    wanted = {(child, previous) for _, child, previous in facts}
    made = {}
    for day, child, decision in rows:
        if (child, day) in wanted:
            made.setdefault((child, day), set()).add(decision)
    unclear = {child for (child, _), found in made.items() if len(found) > 1}
    settled = {}
    if unclear:
        for r in _definition(child_histories(unclear), period, None):
            settled[(r.referral.referral_date, r.referral.child_id, r.previous.referral_date)] = r.previous.decision
    return {(day, child, previous): settled[(day, child, previous)] if child in unclear
            else next(iter(made[(child, previous)])) for day, child, previous in facts}


def repeat_plan_list(period: Period, within_two_years: bool) -> list[tuple[RepeatPlan, ChildHistory]]:
    found = find_repeat_plans(plan_records(period.end), period)
    if within_two_years:
        found = [r for r in found if r.within_two_years]
    histories = child_histories(r.plan.child_id for r in found)
    return [(r, histories[r.plan.child_id]) for r in found]
