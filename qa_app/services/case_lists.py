"""Lists of cases behind a measure, each with the child's referral and plan history: what a
QA lead reads before choosing what to audit."""
from dataclasses import dataclass

from sqlalchemy import select

from audit_tools.measures import ReReferral, RepeatPlan, find_re_referrals, find_repeat_plans
from audit_tools.periods import Period
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.extensions import db
from qa_app.models import CPPlan, Referral
from qa_app.services.case_data import (PLAN_COLUMNS, REFERRAL_COLUMNS, plan_record, plan_records, referral_record,
                                       referral_records)


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


def re_referral_list(period: Period, previous_decision: str | None = None, page: int = 1) -> Page:
    found = find_re_referrals(referral_records(period.start, period.end), period)
    if previous_decision:
        found = [r for r in found if r.previous.decision == previous_decision]
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    histories = child_histories(r.referral.child_id for r in shown)
    return Page([(r, histories[r.referral.child_id]) for r in shown], len(found), page, pages)


def repeat_plan_list(period: Period, within_two_years: bool) -> list[tuple[RepeatPlan, ChildHistory]]:
    found = find_repeat_plans(plan_records(period.end), period)
    if within_two_years:
        found = [r for r in found if r.within_two_years]
    histories = child_histories(r.plan.child_id for r in found)
    return [(r, histories[r.plan.child_id]) for r in found]
