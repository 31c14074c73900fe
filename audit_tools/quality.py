"""Data-quality findings for one child's records: worth reporting, not reasons to refuse a file."""
from dataclasses import dataclass
from datetime import timedelta

from audit_tools.records import CPPlan, Referral

NFA_THEN_PLAN_DAYS = 30

KINDS = {
    "same_day_referrals": "Same child referred twice on the same date",
    "overlapping_plans": "Overlapping child protection plans",
    "same_day_plan": "Plan starts and ends on the same day",
    "nfa_then_plan": "NFA referral followed by a plan within 30 days",
}


@dataclass(frozen=True)
class QualityFinding:
    kind: str
    child_id: str
    record_ids: tuple[str, ...]
    detail: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def child_findings(child_id: str, referrals: list[Referral], plans: list[CPPlan]) -> list[QualityFinding]:
    findings = []
    referrals = sorted(referrals, key=lambda r: (r.referral_date, r.referral_id))
    plans = sorted(plans, key=lambda p: (p.start_date, p.plan_id))
    for earlier, later in zip(referrals, referrals[1:]):
        if earlier.referral_date == later.referral_date:
            findings.append(QualityFinding("same_day_referrals", child_id,
                                           (earlier.referral_id, later.referral_id),
                                           f"both on {later.referral_date:%d %b %Y}"))
    for index, plan in enumerate(plans):
        if plan.end_date == plan.start_date:
            findings.append(QualityFinding("same_day_plan", child_id, (plan.plan_id,),
                                           f"{plan.start_date:%d %b %Y}"))
        for later in plans[index + 1:]:
            if plan.end_date is None or later.start_date < plan.end_date:
                findings.append(QualityFinding(
                    "overlapping_plans", child_id, (plan.plan_id, later.plan_id),
                    f"{later.plan_id} starts {later.start_date:%d %b %Y}, before {plan.plan_id} "
                    + ("ends" if plan.end_date else "has ended")))
    for referral in referrals:
        if referral.decision != "nfa":
            continue
        for plan in plans:
            if referral.referral_date <= plan.start_date <= referral.referral_date + timedelta(days=NFA_THEN_PLAN_DAYS):
                findings.append(QualityFinding(
                    "nfa_then_plan", child_id, (referral.referral_id, plan.plan_id),
                    f"NFA on {referral.referral_date:%d %b %Y}, plan from {plan.start_date:%d %b %Y}"))
    return findings
