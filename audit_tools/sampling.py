"""Sampling frames and reproducible samples for case audits.

A sample is a pure function of (frame ids, method, size, stratification, seed,
ALGORITHM_VERSION): the same inputs give the same cases in the same order on any machine and
either database. Randomness comes from a random.Random(seed) passed in, and only its
getrandbits() is used, whose Mersenne Twister output Python keeps stable across versions
(Random.sample and shuffle have changed between versions; we do not rely on them).
"""
import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from audit_tools.measures import find_re_referrals, find_repeat_plans, plans_open_at_least
from audit_tools.periods import Period

ALGORITHM_VERSION = "casefile-sampling-1"
STRATIFY_FIELDS = {"team": "Team", "previous_decision": "Decision on the previous referral",
                   "decision": "Decision", "category": "Category of abuse", "age_band": "Age band"}
FILTER_FIELDS = ("team", "decision", "source", "category")
Z_SCORES = {90: 1.6449, 95: 1.9600, 99: 2.5758}
AGE_BANDS = ((1, "Under 1"), (5, "1 to 4"), (10, "5 to 9"), (16, "10 to 15"), (200, "16 and over"))


class SampleError(ValueError):
    """A draw that cannot be made as asked; the message says why and what to do."""

    def __init__(self, message, offer_census=False):
        super().__init__(message)
        self.offer_census = offer_census


@dataclass(frozen=True)
class FrameCase:
    """One case a sample can pick: a referral or a CP plan, with what it can be stratified by."""

    case_id: str  # referral id for referral frames, plan id for plan frames
    child_id: str
    case_date: date
    team: str | None = None
    decision: str | None = None
    previous_decision: str | None = None
    source: str | None = None
    category: str | None = None
    age_band: str | None = None


@dataclass(frozen=True)
class Filters:
    team: str | None = None
    decision: str | None = None
    source: str | None = None
    category: str | None = None

    def active(self) -> dict:
        return {name: getattr(self, name) for name in FILTER_FIELDS if getattr(self, name)}

    def keep(self, case: FrameCase) -> bool:
        return all(getattr(case, name) == value for name, value in self.active().items())


def age_band(birth: date | None, on: date) -> str | None:
    if birth is None:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(label for limit, label in AGE_BANDS if years < limit)


# --- frames -------------------------------------------------------------------------------

FRAMES = {
    "re-referrals": "Re-referrals",
    "repeat-plans-ever": "Repeat CP plans (second or subsequent, ever)",
    "repeat-plans-2y": "Repeat CP plans within two years",
    "referrals": "Referrals by decision",
    "plans-ended": "CP plans ended",
    "plans-open-15-months": "CP plans open 15 months or more",
}
REFERRAL_FRAMES = {"re-referrals", "referrals"}


@dataclass(frozen=True)
class FrameDefinition:
    kind: str
    period: Period
    filters: Filters = field(default_factory=Filters)
    previous_decisions: tuple[str, ...] = ()  # re-referrals: only after these decisions

    def describe(self) -> dict:
        return {"kind": self.kind, "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(), "label": self.period.label,
                "filters": self.filters.active(), "previous_decisions": list(self.previous_decisions)}


def build_frame(definition: FrameDefinition, referrals, plans, birth_dates=None) -> list[FrameCase]:
    """Every eligible case, in case id order, before exclusions. Without birth_dates every case's
    age band is "Not recorded"; a sample stratified by age band needs them."""
    cases = [c for c in _unfiltered(definition, referrals, plans) if definition.filters.keep(c)]
    return with_age_bands(sorted(cases, key=lambda c: c.case_id), birth_dates or {})


def with_age_bands(cases, birth_dates) -> list[FrameCase]:
    """The cases with their age band on the case date, from {child id: date of birth}."""
    return [replace(case, age_band=age_band(birth_dates.get(case.child_id), case.case_date)) for case in cases]


def _unfiltered(definition, referrals, plans):
    period, kind = definition.period, definition.kind
    if kind == "re-referrals":
        for found in find_re_referrals(referrals, period):
            if definition.previous_decisions and found.previous.decision not in definition.previous_decisions:
                continue
            r = found.referral
            yield FrameCase(r.referral_id, r.child_id, r.referral_date, r.team, r.decision,
                            found.previous.decision, r.source)
    elif kind == "referrals":
        for r in referrals:
            if r.referral_date in period:
                yield FrameCase(r.referral_id, r.child_id, r.referral_date, r.team, r.decision, None, r.source)
    elif kind in ("repeat-plans-ever", "repeat-plans-2y"):
        for found in find_repeat_plans(plans, period):
            if kind == "repeat-plans-2y" and not found.within_two_years:
                continue
            p = found.plan
            yield FrameCase(p.plan_id, p.child_id, p.start_date, p.team, category=p.category)
    elif kind == "plans-ended":
        for p in plans:
            if p.end_date is not None and p.end_date in period:
                yield FrameCase(p.plan_id, p.child_id, p.end_date, p.team, category=p.category)
    elif kind == "plans-open-15-months":
        for p in plans_open_at_least(plans, 15, period.end):
            yield FrameCase(p.plan_id, p.child_id, p.start_date, p.team, category=p.category)
    else:
        raise SampleError(f"There is no frame called {kind!r}")


def frame_hash(case_ids) -> str:
    """SHA-256 of the sorted ids, one a line: anyone can check a frame against it."""
    return hashlib.sha256("\n".join(sorted(case_ids)).encode()).hexdigest()


def strata(cases, field_name: str) -> dict[str, int]:
    counts = {}
    for case in cases:
        key = _stratum(case, field_name)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _stratum(case, field_name) -> str:
    return getattr(case, field_name) or "Not recorded"


# --- exclusions ---------------------------------------------------------------------------

def apply_exclusions(cases, excluded_children) -> tuple[list[FrameCase], list[FrameCase]]:
    """(eligible, excluded): cases of children audited recently or already in the programme."""
    excluded_children = set(excluded_children)
    kept = [c for c in cases if c.child_id not in excluded_children]
    return kept, [c for c in cases if c.child_id in excluded_children]



# --- drawing ------------------------------------------------------------------------------

def _below(rng, n: int) -> int:
    """A uniform integer in [0, n) from getrandbits alone (stable across Python versions)."""
    bits = n.bit_length()
    while True:
        value = rng.getrandbits(bits)
        if value < n:
            return value


def _draw(rng, ids: list[str], count: int) -> list[str]:
    """The first `count` of a Fisher-Yates shuffle of the sorted ids: a simple random sample in
    the order drawn."""
    pool = sorted(ids)
    for index in range(count):
        swap = index + _below(rng, len(pool) - index)
        pool[index], pool[swap] = pool[swap], pool[index]
    return pool[:count]


@dataclass(frozen=True)
class SampleRequest:
    method: str  # "census", "random" or "stratified"
    size: int | None = None
    percent: float | None = None
    stratify_by: str | None = None
    minimum_per_stratum: int = 0


@dataclass
class Sample:
    ids: list[str]
    method: str
    seed: int
    algorithm_version: str
    frame_size: int
    frame_hash: str
    allocation: dict[str, int] = field(default_factory=dict)


def size_for(request: SampleRequest, frame_size: int) -> int:
    if request.percent is not None:
        if not 0 < request.percent <= 100:
            raise SampleError("Enter a percentage above 0 and up to 100")
        wanted = int(Decimal(str(frame_size * request.percent / 100)).quantize(Decimal(1), ROUND_HALF_UP))
        return max(wanted, 1)
    if request.size is None or request.size < 1:
        raise SampleError("Enter how many cases to draw, 1 or more")
    return request.size


def allocate(stratum_sizes: dict[str, int], total: int, minimum: int = 0) -> dict[str, int]:
    """Proportional allocation by largest remainders, after giving each stratum its minimum.
    Ties in the remainders go to the larger stratum, then to the stratum named first."""
    short = {name: size for name, size in stratum_sizes.items() if size < minimum}
    if short:
        listed = ", ".join(f"{name} ({size})" for name, size in short.items())
        raise SampleError(f"These strata have fewer cases than the minimum of {minimum}: {listed}. "
                          "Lower the minimum, or draw without it.")
    allocation = {name: minimum for name in stratum_sizes}
    remaining = total - minimum * len(stratum_sizes)
    if remaining < 0:
        raise SampleError(f"A minimum of {minimum} in each of {len(stratum_sizes)} strata needs at "
                          f"least {minimum * len(stratum_sizes)} cases; you asked for {total}.")
    spare = {name: size - minimum for name, size in stratum_sizes.items()}
    pool = sum(spare.values())
    if remaining:
        quotas = {name: remaining * spare[name] / pool for name in spare}
        for name, quota in quotas.items():
            allocation[name] += int(quota)
        leftover = remaining - sum(int(q) for q in quotas.values())
        order = sorted(quotas, key=lambda n: (-(quotas[n] - int(quotas[n])), -stratum_sizes[n], n))
        for name in order[:leftover]:
            allocation[name] += 1
    return allocation


def draw_sample(cases: list[FrameCase], request: SampleRequest, seed: int, rng_factory) -> Sample:
    """Draw from eligible cases. rng_factory(seed) gives the random.Random to use."""
    ids = [c.case_id for c in cases]
    base = dict(seed=seed, algorithm_version=ALGORITHM_VERSION, frame_size=len(ids),
                frame_hash=frame_hash(ids))
    if not ids:
        raise SampleError("The frame is empty: there are no cases to draw from")
    if request.method == "census":
        return Sample(sorted(ids), "census", **base)
    size = size_for(request, len(ids))
    if size > len(ids):
        raise SampleError(f"You asked for {size} cases but the frame has only {len(ids)}. "
                          "Audit them all (a census) instead?", offer_census=True)
    rng = rng_factory(seed)
    if request.method == "random":
        return Sample(_draw(rng, ids, size), "random", **base)
    if request.method == "stratified":
        if request.stratify_by not in STRATIFY_FIELDS:
            raise SampleError("Choose what to stratify by")
        groups = {}
        for case in cases:
            groups.setdefault(_stratum(case, request.stratify_by), []).append(case.case_id)
        groups = dict(sorted(groups.items()))
        allocation = allocate({k: len(v) for k, v in groups.items()}, size, request.minimum_per_stratum)
        drawn = [case_id for name, members in groups.items() for case_id in _draw(rng, members, allocation[name])]
        return Sample(drawn, "stratified", allocation=allocation, **base)
    raise SampleError(f"Unknown sampling method {request.method!r}")


# --- sample size --------------------------------------------------------------------------

def sample_size(confidence: int, margin_pct: float, population: int | None = None,
                proportion: float = 0.5) -> int:
    """Cases needed to estimate a proportion at this confidence (90, 95 or 99%) within
    ±margin_pct points, with the finite-population correction when the frame size is known."""
    if confidence not in Z_SCORES:
        raise ValueError("Confidence must be 90, 95 or 99")
    if not 0 < margin_pct < 100:
        raise ValueError("The margin must be between 0 and 100 percentage points")
    z, e = Z_SCORES[confidence], margin_pct / 100
    n0 = z * z * proportion * (1 - proportion) / (e * e)
    if not population:
        return math.ceil(n0 - 1e-9)
    return math.ceil(n0 / (1 + (n0 - 1) / population) - 1e-9)
