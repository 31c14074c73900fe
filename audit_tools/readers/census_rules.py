"""The DfE CIN census validator's rules that bear on the measures, checked on one child's
episodes as the census file states them (data-to-insight/csc-validator-be-cin, the DfE CIN
census specification). Codes and messages are the validator's; what to fix is ours.

Each rule either refuses the file (`REFUSED`: the file contradicts itself in a value a
measure counts, so no figure can be taken from it) or imports it with a query the QA lead
sees (`QUERIED`: the value is counted as recorded, and the query says what may be wrong).
docs/decisions.md ("CIN census validator rules") gives the reason for each.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

# The census allows a referral up to 40 weeks before the child's (expected) birth (rule 8606).
BEFORE_BIRTH_DAYS = 280


@dataclass(frozen=True)
class Rule:
    code: str
    message: str  # the validator's own words
    fix: str  # what the council changes in its case system to clear it
    refuses: bool


RULES = {rule.code: rule for rule in (
    Rule("100", "Reference Date is incorrect",
         "set <ReferenceDate> to 31 March of the census <Year>", True),
    Rule("8510", "More than one child record with the same LA Child ID",
         "give each child one <Child> with all its <CINdetails>, or give different children different LAchildIDs", True),
    Rule("8568", "RNFA flag is missing or invalid",
         "record <ReferralNFA> as true or false on every CIN episode", True),
    Rule("8630", "CIN Closure Date is before CIN Referral Date for the same CIN episode",
         "correct the referral or closure date", True),
    Rule("8831", "Activity is recorded against a case marked as a referral with no further action",
         "record the referral as not NFA, or move the activity to the episode it belongs to", True),
    Rule("8832", "Child Protection details provided for a referral with no further action.",
         "record the referral as not NFA, or move the plan to the episode it belongs to", True),
    Rule("4000", "CIN Plan details provided for a referral with no further action",
         "record the referral as not NFA, or move the CIN plan to the episode it belongs to", True),
    Rule("8730", "Total Number of previous Child Protection Plans missing",
         "record <NumberOfPreviousCPP> on the plan (0 if there were none)", True),
    Rule("8820", "The dates on the CIN episodes for this child overlap",
         "close the earlier episode before the later referral, or merge the two episodes", False),
    Rule("8815", "More than one open CIN Details episode (a module with no CIN Closure Date) has been "
                 "provided for this child and case is not a referral with no further action.",
         "close every episode but the current one", False),
    Rule("8816", "An open CIN episode is shown and case is not a referral with no further action, "
                 "but it is not the latest episode.",
         "close the earlier episode, or correct its referral date", False),
    Rule("8930", "Child Protection Plan End Date must fall within the census year",
         "check the plan's end date: a plan that ended before the census year is not returned", False),
    Rule("1105", "The child protection plan start date cannot be before the referral date",
         "check the plan start and referral dates, or move the plan to the episode it began in", False),
    Rule("8569Q", "A case with referral date before one working day prior to the collection start "
                  "date must not be flagged as a no further action case",
         "check the NFA flag: a referral before the census year that is returned had further action", False),
    Rule("8606", "Child referral date is more than 40 weeks before DOB or expected DOB",
         "check the referral date and the (expected) date of birth", False),
)}


def rule_text(code: str, detail: str) -> str:
    """A finding as the import page and the CLI show it: code, the validator's words, what was
    found, what to fix. A query starts "Please check", as the validator's queries do."""
    rule = RULES[code]
    lead = f"{code}: " if rule.refuses else f"Please check ({code}): "
    return f"{lead}{rule.message.rstrip('.')}. {detail[:1].upper()}{detail[1:]}. To fix: {rule.fix}"


@dataclass
class Plan:
    where: str
    start: date
    end: date | None
    previous_plans_given: bool


@dataclass
class Episode:
    """One <CINdetails> as the file states it."""
    where: str
    referral_date: date
    nfa: bool | None  # None: <ReferralNFA> missing
    closure_date: date | None = None
    activity: list[str] = field(default_factory=list)  # "AssessmentActualStartDate 2021-05-01", ...
    cin_plans: int = 0
    plans: list[Plan] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    code: str
    where: str
    column: str | None
    value: str | None
    detail: str

    @property
    def refuses(self) -> bool:
        return RULES[self.code].refuses

    @property
    def text(self) -> str:
        return rule_text(self.code, self.detail)


def collection_start(reference_date: date) -> date:
    """The census year runs from 1 April to the ReferenceDate (31 March)."""
    return date(reference_date.year - 1, reference_date.month, reference_date.day) + timedelta(days=1)


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    return date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)


def working_day_before(day: date) -> date:
    """The English working day before `day`: weekends, Good Friday and Easter Monday (the only
    bank holidays that fall near 1 April) are skipped."""
    easter = _easter(day.year)
    holidays = {easter - timedelta(days=2), easter + timedelta(days=1)}
    day -= timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day -= timedelta(days=1)
    return day


def header_findings(year: int | None, reference_date: date | None, reference_given: bool = True) -> list[Finding]:
    """Rule 100: <ReferenceDate> must be present and 31 March of the header's <Year>. (One
    given but unreadable is already an error of its own.)"""
    if year is not None and not reference_given:
        return [Finding("100", "Header", "ReferenceDate", None,
                        f"the header has no <ReferenceDate>; for census <Year> {year} it is 31/03/{year}")]
    if year is None or reference_date is None or reference_date == date(year, 3, 31):
        return []
    return [Finding("100", "Header", "ReferenceDate", reference_date.isoformat(),
                    f"the census <Year> is {year}, so the reference date should be 31/03/{year}")]


def episode_findings(episodes: list[Episode], reference_date: date | None, birth: date | None) -> list[Finding]:
    """Every rule above over one child's episodes (birth: the date of birth, or the expected one)."""
    found = []
    start = collection_start(reference_date) if reference_date else None
    for episode in episodes:
        found.extend(_within_episode(episode, start, birth))
    found.extend(_between_episodes(episodes, reference_date))
    return found


def _within_episode(episode: Episode, start: date | None, birth: date | None) -> list[Finding]:
    found = []
    where, referral = episode.where, episode.referral_date
    if episode.nfa is None:
        found.append(Finding("8568", where, "ReferralNFA", None,
                             "this episode has no <ReferralNFA>, so whether the referral was NFA is not known"))
    if episode.closure_date and episode.closure_date < referral:
        found.append(Finding("8630", where, "CINclosureDate", episode.closure_date.isoformat(),
                             f"the episode closes before its referral on {referral:%d/%m/%Y}"))
    if episode.nfa:
        if episode.activity:
            found.append(Finding("8831", where, "ReferralNFA", "true",
                                 "the referral is NFA but the episode records " + ", ".join(episode.activity)))
        if episode.plans:
            found.append(Finding("8832", where, "ReferralNFA", "true",
                                 f"the referral is NFA but the episode has {len(episode.plans)} child "
                                 "protection plan(s), from " + ", ".join(f"{p.start:%d/%m/%Y}" for p in episode.plans)))
        if episode.cin_plans:
            found.append(Finding("4000", where, "ReferralNFA", "true",
                                 "the referral is NFA but the episode has a CIN plan"))
        if start and referral < working_day_before(start):
            found.append(Finding("8569Q", where, "ReferralNFA", "true",
                                 f"the referral on {referral:%d/%m/%Y} is before the census year (from "
                                 f"{start:%d/%m/%Y}) but is flagged NFA; it is counted as NFA"))
    if birth and referral < birth - timedelta(days=BEFORE_BIRTH_DAYS):
        found.append(Finding("8606", where, "CINreferralDate", referral.isoformat(),
                             f"the child was born, or is expected, on {birth:%d/%m/%Y}"))
    for plan in episode.plans:
        if not plan.previous_plans_given:
            found.append(Finding("8730", plan.where, "NumberOfPreviousCPP", None,
                                 "the plan does not say how many child protection plans the child had "
                                 "before, so it cannot be told whether this is a repeat plan"))
        if plan.start < referral:
            found.append(Finding("1105", plan.where, "CPPstartDate", plan.start.isoformat(),
                                 f"the plan starts before its episode's referral on {referral:%d/%m/%Y}; "
                                 "it is counted from its own start date"))
        if plan.end and start and plan.end < start:
            found.append(Finding("8930", plan.where, "CPPendDate", plan.end.isoformat(),
                                 f"the plan ended before the census year began ({start:%d/%m/%Y}); "
                                 "it is counted as ended then"))
    return found


def _is_open(episode: Episode) -> bool:
    return episode.closure_date is None and episode.nfa is False


def _between_episodes(episodes: list[Episode], reference_date: date | None) -> list[Finding]:
    found = []
    for episode in episodes:
        for other in episodes:
            if other is episode or episode.referral_date < other.referral_date:
                continue
            if other.referral_date == episode.referral_date and episodes.index(other) > episodes.index(episode):
                continue  # two episodes from the same day: reported once, on the later one
            if (other.closure_date and episode.referral_date < other.closure_date) or (
                    _is_open(other) and (reference_date is None or episode.referral_date < reference_date)):
                found.append(Finding("8820", episode.where, "CINreferralDate", episode.referral_date.isoformat(),
                                     f"this referral falls within the episode from {other.referral_date:%d/%m/%Y} "
                                     f"({other.where.rsplit('> ', 1)[-1]}), which "
                                     + (f"closes {other.closure_date:%d/%m/%Y}" if other.closure_date else "is still open")
                                     + "; both referrals are counted"))
                break
    open_episodes = [e for e in episodes if _is_open(e)]
    if len(open_episodes) > 1:
        found.append(Finding("8815", open_episodes[-1].where, "CINclosureDate", None,
                             f"{len(open_episodes)} episodes are open (no closure date, not NFA): "
                             + ", ".join(e.where.rsplit("> ", 1)[-1] for e in open_episodes)))
    latest = max((e.referral_date for e in episodes), default=None)
    for episode in open_episodes:
        if episode.referral_date < latest:
            found.append(Finding("8816", episode.where, "CINreferralDate", episode.referral_date.isoformat(),
                                 f"the episode is open, but the child has a later referral on {latest:%d/%m/%Y}"))
    return found
