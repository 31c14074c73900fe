"""Judgements a board reads in words: which way is good for a measure (its polarity), whether
the latest figure is Better, Worse or Similar to a year earlier, and Red, Amber or Green against
a target the QA lead set. Never colour alone, and always on the rate or percentage: counts
rise with referrals whatever the practice."""
from dataclasses import dataclass

HIGHER, LOWER, NEITHER = "higher", "lower", "neither"
POLARITIES = (HIGHER, LOWER, NEITHER)
POLARITY_WORDS = {HIGHER: "Higher", LOWER: "Lower", NEITHER: "Neither"}
NOT_APPLICABLE = "[z]"
NOT_AVAILABLE = "[x]"

# The measures a target can be set for, with their polarity as the background report reads
# them. A referral rate is context (higher may mean better-known services), so neither.
MEASURES = {
    "referral_rate_per_10k": ("Referrals per 10,000 children", NEITHER, "rate"),
    "re_referral_pct": ("Re-referrals within 12 months, % of referrals", LOWER, "percent"),
    "repeat_plans_ever_pct": ("Repeat child protection plans (ever), % of plans started", LOWER, "percent"),
    "repeat_plans_within_2y_pct": ("Repeat plans within two years, % of plans started", LOWER, "percent"),
}
# Within these a change is "Similar": a percentage within 1 point, a rate within 5% of the earlier rate.
PERCENT_TOLERANCE_POINTS = 1.0
RATE_TOLERANCE_SHARE = 0.05
TOLERANCE_NOTE = (f"Judgement compares the rate or percentage with the same period a year earlier, in the "
                  f"direction \"Good performance is\" gives: Better or Worse, or Similar when a percentage "
                  f"moved by no more than {PERCENT_TOLERANCE_POINTS:.1f} percentage point or a rate by no more "
                  f"than {RATE_TOLERANCE_SHARE:.0%} of its earlier value. Where good performance is neither "
                  "higher nor lower, the judgement is [z].")


@dataclass(frozen=True)
class Target:
    measure: str
    target: float  # in the measure's own unit: a percentage as 9.5, a rate as 450.0
    amber_tolerance: float  # how far on the wrong side of the target is still Amber
    polarity: str
    from_year: int  # the first financial year it applies to (2015 for 2015/16)


def polarity_words(polarity: str) -> str:
    return POLARITY_WORDS[polarity]


def judgement(now, before, polarity: str, kind: str) -> str:
    """Better, Worse or Similar, for a rate ("rate") or a percentage ("percent") in its own unit."""
    if polarity == NEITHER:
        return NOT_APPLICABLE
    if now is None or before is None or (now == 0 and before == 0):
        return NOT_AVAILABLE
    tolerance = PERCENT_TOLERANCE_POINTS if kind == "percent" else abs(before) * RATE_TOLERANCE_SHARE
    change = now - before
    if abs(change) <= tolerance + 1e-9:
        return "Similar"
    return "Better" if (change > 0) == (polarity == HIGHER) else "Worse"


def rag(value, target: Target | None) -> str:
    """Green on or past the target, Amber within its tolerance on the wrong side, Red beyond."""
    if target is None:
        return NOT_APPLICABLE
    if value is None:
        return NOT_AVAILABLE
    short_by = target.target - value if target.polarity == HIGHER else value - target.target
    if target.polarity == NEITHER:
        short_by = abs(value - target.target)
        return "Green" if short_by <= target.amber_tolerance else "Red"
    if short_by <= 0:
        return "Green"
    return "Amber" if short_by <= target.amber_tolerance + 1e-9 else "Red"


def target_for(targets: list[Target], measure: str, financial_year: int) -> Target | None:
    """The target that applies in a financial year: the latest set from that year or before."""
    applying = [t for t in targets if t.measure == measure and t.from_year <= financial_year]
    return max(applying, key=lambda t: t.from_year) if applying else None
