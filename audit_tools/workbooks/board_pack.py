"""The board pack: the measures tables of the background report for a period, each with its
chart, the programmes closed in the period and the open actions by team. Plain data in."""
import re
from dataclasses import dataclass, field

from audit_tools.judgements import (MEASURES, NEITHER, TOLERANCE_NOTE, Target, judgement, polarity_words, rag,
                                    target_for)

from audit_tools.records import DECISION_LABELS, DECISIONS
from audit_tools.suppression import (SMALLEST_BASE, SMALLEST_SHOWN, SUPPRESSED, is_small, shown_count, shown_share,
                                     withheld_in_group)
from audit_tools.workbooks.findings_workbook import ActionRow, action_columns, action_values
from audit_tools.workbooks.layout import NOT_APPLICABLE, NOT_AVAILABLE, Chart, Column, Sheet, WorkbookSpec, write_workbook

NOTES = [
    ("[note 1]", "A referral is a contact accepted by children's social care as needing a decision. "
                 "The rate is referrals per 10,000 children aged 0 to 17, using the ONS mid-year "
                 "estimate for the financial year the period starts in."),
    ("[note 2]", "A re-referral is a referral within 12 months of a previous referral for the same "
                 "child; the percentage is of all referrals in the period."),
    ("[note 3]", "A repeat plan is a child protection plan for a child who had one before: ever, or "
                 "where an earlier plan ended within two years of the new plan's start."),
    ("[note 4]", "SN is the council's statistical neighbours' average and England the national figure, "
                 "both from DfE's published tables as loaded on the Benchmarks page; [x] where none "
                 "was loaded for that period. Decisions and repeat plans within two years have no SN or "
                 "England column: the benchmarks this pack reads (measure names referral_rate_per_10k, "
                 "re_referral_pct, repeat_plans_ever_pct) hold no comparable published figure for them."),
    ("[note 5]", "A forecast for a year in progress scales the count so far to the whole year, pro "
                 "rata by days."),
    ("[note 6]", "Direction of travel compares the rate or percentage (never the count) with the same "
                 "period a year earlier: Up, Down or No change, [x] where either is missing or both are zero. "
                 "It says which way the figure moved; whether that is good is the Judgement. "
                 + TOLERANCE_NOTE + " Target and RAG (Red, Amber, Green, in words) show where a QA lead set a "
                 "target on the Targets page: Green on or past the target, Amber short of it by no more than "
                 "its amber tolerance, Red beyond that; [z] where no target is set."),
    ("[note 8]", f"Small numbers: a count of 1 to {SMALLEST_SHOWN - 1} children, cases or audits is shown as "
                 f"[c], and so is a percentage on a base under {SMALLEST_BASE} or whose count is withheld. Where "
                 "one count in a group that adds up to a total (the decisions, the quarters) is withheld, the "
                 "next smallest is withheld too, so it cannot be worked out from the total."),
    ("[note 9]", "Came back: for a referral audit, a referral of the same child after the audit and within 12 "
                 "months of the audited referral; for a plan audit, a new plan within two years of the audit. "
                 "The base is the audited children whose 12 months or two years the case data already covers."),
]


@dataclass
class YearRow:
    label: str
    referrals: int
    rate: float | None
    sn_rate: float | None
    england_rate: float | None
    in_progress: bool
    forecast: float | None
    forecast_rate: float | None


@dataclass
class QuarterRow:
    label: str
    referrals: int
    re_referrals: int
    re_referral_pct: float | None
    england_pct: float | None  # the year's England figure, where loaded
    last_year_pct: float | None
    sn_pct: float | None = None  # the statistical neighbours' figure, where loaded
    last_year_referrals: int | None = None  # the base of last_year_pct


@dataclass
class PlanRow:
    label: str
    started: int
    repeat_ever: int
    repeat_ever_pct: float | None
    within_2y: int
    within_2y_pct: float | None
    sn_ever_pct: float | None
    england_ever_pct: float | None


@dataclass
class ProgrammeRow:
    name: str
    theme: str
    questionnaire: str
    frame_period: str
    closed_on: object
    sampled: int
    audited: int
    moderated: int
    good_or_better_pct: float | None
    actions: int
    open_actions: int
    graded: int | None = None  # the base of good_or_better_pct
    good_before_pct: float | None = None  # the auditors' grades, before moderation
    graded_before: int | None = None
    # grade group ("Good or better", "Requires improvement or inadequate") -> (came back, known),
    # from audit_tools.programme_findings.outcomes_by_grade
    outcomes: dict = field(default_factory=dict)
    top_themes: list = field(default_factory=list)  # (theme, cases), most frequent first
    # Issue 25: practitioners taking part (qa_app's Involvement), counted on the Practitioners sheet.
    practitioners: object | None = None


@dataclass
class BoardPackData:
    period_label: str
    cover: list[tuple[str, list[str]]]
    years: list[YearRow]
    quarters: list[QuarterRow]
    decisions_label: str
    decisions_last_year_label: str
    decisions: dict  # decision -> (count now, pct now, count last year, pct last year)
    plans: list[PlanRow]
    programmes: list[ProgrammeRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    marking: str = "OFFICIAL-SENSITIVE"
    # Set when the data stops (or starts) inside the period: said on every sheet it touches.
    coverage_note: str | None = None
    sources: list[str] = field(default_factory=list)  # "Referrals: 1 April 2011 to 30 September 2015."
    targets: list[Target] = field(default_factory=list)  # set by QA leads on the Targets page


TOP_THEMES = 5


def _covered(data: BoardPackData, description: str) -> str:
    return f"{data.coverage_note} {description}" if data.coverage_note else description


def _pct(value):
    return None if value is None else value / 100


def direction(now, before) -> str:
    """Direction of travel in words, never colour alone; [x] where there is nothing to compare
    (a figure missing, or both zero: "No change" would claim a stability nobody measured)."""
    if now is None or before is None or (now == 0 and before == 0):
        return NOT_AVAILABLE
    if now > before:
        return "Up"
    if now < before:
        return "Down"
    return "No change"


def _year_of(label: str) -> int | None:
    """The financial year a label names (2015 for "2015/16" or "Q2 2015/16")."""
    match = re.search(r"(\d{4})/\d{2}", label)
    return int(match.group(1)) if match else None


def _judged(data: BoardPackData, measure: str, label: str, now, before, withheld=False) -> list:
    """Good performance is, direction of travel, judgement, target and RAG for one figure, all in
    words; [c] for all but the first where the figure itself is withheld as a small number."""
    _, polarity, kind = MEASURES[measure]
    year = _year_of(label)
    target = target_for(data.targets, measure, year) if year is not None else None
    shown_target = (target.target / 100 if kind == "percent" else target.target) if target else NOT_APPLICABLE
    if withheld:
        return [polarity_words(polarity), SUPPRESSED, SUPPRESSED, shown_target, SUPPRESSED]
    return [polarity_words(polarity), direction(now, before), judgement(now, before, polarity, kind),
            shown_target, rag(now, target)]


def _judgement_columns(target_kind: str) -> list[Column]:
    return [Column("Good performance is", width=14), Column("Direction of travel", width=14),
            Column("Judgement", width=12), Column("Target", target_kind, width=10), Column("RAG", width=8)]


def _small(value, shown):
    """[c] in place of a figure worked out from a small count (a rate gives the count back)."""
    return SUPPRESSED if shown == SUPPRESSED and value is not None else value


def referrals_sheet(data: BoardPackData) -> Sheet:
    rows, previous = [], None
    for y in data.years:
        # A part-year rate beside full years looks like a collapse: it is shown as "to date",
        # and the chart draws the forecast for the whole year instead.
        compared = y.forecast_rate if y.in_progress else y.rate
        count = SUPPRESSED if is_small(y.referrals) else y.referrals
        forecast = round(y.forecast) if y.in_progress and y.forecast is not None else None
        rows.append([y.label + (" (to date)" if y.in_progress else ""), count,
                     NOT_APPLICABLE if y.in_progress else _small(y.rate, count),
                     _small(y.rate, count) if y.in_progress else NOT_APPLICABLE,
                     (SUPPRESSED if is_small(forecast) else forecast) if y.in_progress else NOT_APPLICABLE,
                     (SUPPRESSED if is_small(forecast) else y.forecast_rate) if y.in_progress else NOT_APPLICABLE,
                     y.sn_rate, y.england_rate]
                    + _judged(data, "referral_rate_per_10k", y.label, compared, previous,
                              withheld=count == SUPPRESSED))
        previous = y.rate if not y.in_progress else previous
    return Sheet("Referrals", "Referrals and rate per 10,000 children by financial year",
                 _covered(data, "Referrals in each financial year and the rate per 10,000 children, beside statistical "
                          "neighbours (SN) and England. A year in progress shows its rate to date and a forecast "
                          "for the whole year [note 1] [note 4] [note 5] [note 6]."),
                 "Referrals",
                 [Column("Financial year", width=18), Column("Referrals", "count"),
                  Column("Rate per 10,000 (full year)", "rate", width=14),
                  Column("Rate per 10,000 (year to date)", "rate", width=14),
                  Column("Forecast referrals", "count", width=12), Column("Forecast rate per 10,000", "rate", width=14),
                  Column("SN rate per 10,000", "rate", width=12), Column("England rate per 10,000", "rate", width=12)]
                 + _judgement_columns("rate"), rows,
                 charts=[Chart("Referrals per 10,000 children (a year in progress as its forecast)",
                               "Chart: the council's referral rate per 10,000 children for each full year, and the "
                               "forecast for a year in progress, beside statistical neighbours and England.",
                               0, [2, 5, 6, 7], y_title="Rate per 10,000")])


def re_referrals_sheet(data: BoardPackData) -> Sheet:
    # Quarters add up to the year's referrals on the Referrals sheet: suppressed as a group.
    referrals_withheld = withheld_in_group([q.referrals for q in data.quarters])
    re_referrals_withheld = withheld_in_group([q.re_referrals for q in data.quarters])
    rows = []
    for q, base_withheld, part_withheld in zip(data.quarters, referrals_withheld, re_referrals_withheld):
        share = shown_share(_pct(q.re_referral_pct), q.referrals, base_withheld or part_withheld)
        rows.append([q.label, shown_count(q.referrals, base_withheld), shown_count(q.re_referrals, part_withheld),
                     share, _pct(q.sn_pct), _pct(q.england_pct),
                     shown_share(_pct(q.last_year_pct), q.last_year_referrals),
                     SUPPRESSED if is_small(q.last_year_referrals) else q.last_year_referrals]
                    + _judged(data, "re_referral_pct", q.label, q.re_referral_pct, q.last_year_pct,
                              withheld=share == SUPPRESSED))
    return Sheet("Re-referrals", "Re-referrals by quarter",
                 _covered(data, "Referrals and re-referrals in each quarter, the re-referral percentage (of the "
                          "quarter's referrals, beside it) with SN, England and the same quarter a year earlier "
                          "[note 2] [note 4] [note 6] [note 8]."), "ReReferrals",
                 [Column("Quarter", width=16), Column("Referrals", "count"), Column("Re-referrals", "count"),
                  Column("Re-referrals %", "percent"), Column("SN %", "percent"), Column("England %", "percent"),
                  Column("Same quarter last year %", "percent", width=14),
                  Column("Base: referrals same quarter last year", "count", width=14)] + _judgement_columns("percent"),
                 rows,
                 charts=[Chart("Re-referrals as a percentage of referrals", "Chart: the re-referral percentage "
                               "each quarter beside SN, England and the same quarter a year earlier.", 0, [3, 4, 5, 6],
                               y_title="Re-referrals %")])


def decisions_sheet(data: BoardPackData) -> Sheet:
    now_counts = [data.decisions[d][0] for d in DECISIONS]
    before_counts = [data.decisions[d][2] for d in DECISIONS]
    # The decisions add up to all referrals: one small count alone could be worked out from the rest.
    now_withheld, before_withheld = withheld_in_group(now_counts), withheld_in_group(before_counts)
    now_total, before_total = sum(c or 0 for c in now_counts), sum(c or 0 for c in before_counts)
    rows = []
    for decision, now_hidden, before_hidden in zip(DECISIONS, now_withheld, before_withheld):
        now, now_pct, before, before_pct = data.decisions[decision]
        shown_now = shown_share(_pct(now_pct), now_total, now_hidden)
        shown_before = shown_share(_pct(before_pct), before_total, before_hidden)
        # Compared as shares of referrals: counts all rise when referrals do.
        rows.append([DECISION_LABELS[decision], shown_count(now, now_hidden), shown_now,
                     SUPPRESSED if is_small(now_total) else now_total,
                     shown_count(before, before_hidden), shown_before,
                     SUPPRESSED if is_small(before_total) else before_total, polarity_words(NEITHER),
                     SUPPRESSED if SUPPRESSED in (shown_now, shown_before) else direction(now_pct, before_pct)])
    return Sheet("Decisions", f"Decisions on referrals, {data.decisions_label} against {data.decisions_last_year_label}",
                 _covered(data, f"What was decided on the referrals of {data.decisions_label}, beside the same period "
                          "a year earlier, as counts and as percentages of all referrals (the base beside each); "
                          "direction of travel compares the percentages [note 6] [note 8]."), "Decisions",
                 [Column("Decision", width=30), Column("This period", "count"), Column("This period %", "percent"),
                  Column("Base: referrals this period", "count", width=14),
                  Column("Same period last year", "count", width=14),
                  Column("Same period last year %", "percent", width=14),
                  Column("Base: referrals same period last year", "count", width=16),
                  Column("Good performance is", width=14), Column("Direction of travel", width=14)],
                 rows,
                 charts=[Chart("Decisions on referrals, as a percentage of referrals", "Chart: the share of "
                               "referrals with each decision, this period and the same period a year earlier.",
                               0, [2, 5], horizontal=True, y_title="Percent of referrals")])


def plans_sheet(data: BoardPackData) -> Sheet:
    rows, previous = [], None
    for p in data.plans:
        ever_hidden, within_hidden = is_small(p.repeat_ever), is_small(p.within_2y)
        ever_pct = shown_share(_pct(p.repeat_ever_pct), p.started, ever_hidden)
        rows.append([p.label, SUPPRESSED if is_small(p.started) else p.started, shown_count(p.repeat_ever, ever_hidden),
                     ever_pct, shown_count(p.within_2y, within_hidden),
                     shown_share(_pct(p.within_2y_pct), p.started, within_hidden),
                     _pct(p.sn_ever_pct), _pct(p.england_ever_pct)]
                    + _judged(data, "repeat_plans_ever_pct", p.label, p.repeat_ever_pct, previous,
                              withheld=ever_pct == SUPPRESSED))
        previous = p.repeat_ever_pct
    return Sheet("Repeat plans", "Repeat child protection plans",
                 _covered(data, "Plans started in each period (the base of the percentages) and how many were repeat "
                          "plans, ever and within two years, beside SN and England; the judgement is on repeat "
                          "plans ever [note 3] [note 4] [note 6] [note 8]."), "RepeatPlans",
                 [Column("Period", width=26), Column("Plans started", "count"), Column("Repeat plans ever", "count"),
                  Column("Repeat ever %", "percent"), Column("Repeat within two years", "count", width=14),
                  Column("Within two years %", "percent", width=12), Column("SN repeat ever %", "percent", width=12),
                  Column("England repeat ever %", "percent", width=12)] + _judgement_columns("percent"),
                 rows,
                 charts=[Chart("Repeat plans as a percentage of plans started", "Chart: the share of plans "
                               "that were repeat plans (ever and within two years) beside SN and England.",
                               0, [3, 5, 6, 7], y_title="Percent of plans started")])


def programmes_sheet(data: BoardPackData) -> Sheet:
    def count(n):
        return SUPPRESSED if is_small(n) else n

    def outcome(p, group):
        came_back, known = p.outcomes.get(group, (None, None))
        share = None if not known else came_back / known
        return [shown_share(share, known, is_small(came_back)) if known is not None else None,
                count(known)]

    rows = [[p.name, p.theme, p.questionnaire, p.frame_period, p.closed_on, count(p.sampled), count(p.audited),
             count(p.moderated), shown_share(_pct(p.good_before_pct), p.graded_before),
             count(p.graded_before) if p.graded_before is not None else None,
             shown_share(_pct(p.good_or_better_pct), p.graded),
             count(p.graded) if p.graded is not None else None]
            + outcome(p, "Good or better") + outcome(p, "Requires improvement or inadequate")
            + [p.actions, p.open_actions] for p in data.programmes]
    return Sheet("Programmes", "Audit programmes closed in the period",
                 "Each audit programme closed in the period on one row: what it audited, how many cases, the "
                 "share graded good or better before and after moderation (of the audits graded, beside it), "
                 "the share of audited children who came back (re-referred within 12 months, or a new plan "
                 "within two years) by grade group, of those whose outcome is known, and its actions [note 8] "
                 "[note 9].", "Programmes",
                 [Column("Programme", width=30), Column("Theme", width=36), Column("Questionnaire", width=30),
                  Column("Cases from", width=22), Column("Closed on", "date"), Column("Sampled", "count"),
                  Column("Audited", "count"), Column("Moderated", "count"),
                  Column("Good or better before moderation %", "percent", width=14),
                  Column("Base: graded before", "count", width=12),
                  Column("Good or better after moderation %", "percent", width=14),
                  Column("Base: audits graded", "count", width=12),
                  Column("Came back: good or better %", "percent", width=14),
                  Column("Base: good or better, outcome known", "count", width=14),
                  Column("Came back: requires improvement or inadequate %", "percent", width=16),
                  Column("Base: requires improvement or inadequate, outcome known", "count", width=18),
                  Column("Actions", "count"), Column("Actions open", "count")], rows)


def learning_sheet(data: BoardPackData) -> Sheet:
    """The themes auditors named most in each closed programme, counted: no free text."""
    rows = [[p.name, rank, theme, SUPPRESSED if is_small(cases) else cases]
            for p in data.programmes for rank, (theme, cases) in enumerate(p.top_themes[:TOP_THEMES], 1)]
    return Sheet("Learning", "Learning from the programmes closed in the period",
                 f"For each audit programme closed in the period, the {TOP_THEMES} learning themes auditors "
                 "named most, with how many audited cases named each. What auditors wrote is in each "
                 "programme's findings workbook, not here [note 8].", "Learning",
                 [Column("Programme", width=30), Column("Rank", "count", width=8), Column("Theme", width=40),
                  Column("Cases naming it", "count", width=12)], rows)


def practitioners_sheet(data: BoardPackData) -> Sheet:
    """Issue 25: how practitioners took part in each closed programme's audits, as counts and
    percentages only, small numbers withheld as on the other sheets; no names, no reflections."""
    def count(n):
        return SUPPRESSED if is_small(n) else n

    def share(n, base):
        return shown_share(n / base if base else None, base, is_small(n)) if base else NOT_APPLICABLE

    rows = []
    for p in data.programmes:
        inv = p.practitioners
        if inv is None:
            continue
        answered = sum(r.answered for r in inv.agreement)
        agreed = sum(r.agree for r in inv.agreement)
        useful = sum(n for score, n in inv.usefulness.items() if score >= 4)
        rows.append([p.name, count(inv.audits), count(inv.invited), share(inv.invited, inv.audits), count(inv.took_part),
                     share(inv.took_part, inv.invited), count(inv.signed_off), share(inv.signed_off, inv.invited),
                     count(answered), share(agreed, answered), count(inv.rated), share(useful, inv.rated)])
    return Sheet("Practitioners", "Practitioners taking part in the audits",
                 "For each audit programme closed in the period: how many practitioners were invited, took "
                 "part and signed off the learning agreed with the auditor; the share of their answers "
                 "agreeing with the graded judgements; the share rating the audit very or extremely useful "
                 "(4 or 5 of 5). Counts only; a practitioner's view never changes a grade [note 8].",
                 "Practitioners",
                 [Column("Programme", width=30), Column("Audits", "count"), Column("Invited", "count"),
                  Column("Invited %", "percent"), Column("Took part", "count"),
                  Column("Took part % of invited", "percent", width=14), Column("Signed off by both", "count"),
                  Column("Signed off % of invited", "percent", width=14),
                  Column("Base: answers on graded judgements", "count", width=16),
                  Column("Agreed with the graded judgements %", "percent", width=16),
                  Column("Base: ratings", "count"), Column("Rated very or extremely useful %", "percent", width=16)],
                 rows)


# The board pack carries no free text from audits or actions (what must be done, the finding,
# progress notes): states, owners' roles and dates only. The findings workbook has the text.
_BOARD_ACTION_COLUMNS = ("Action ref", "Programme", "Question id", "Team or agency", "Owner's role", "Priority",
                         "Due", "Status", "Overdue", "Days open")


def actions_sheet(data: BoardPackData) -> Sheet:
    ordered = sorted(data.actions, key=lambda a: (a.owned_by, a.due, a.reference))
    columns = action_columns("Owner's role")
    kept = [i for i, c in enumerate(columns) if c.name in _BOARD_ACTION_COLUMNS]
    return Sheet("Actions", "Open actions by team",
                 "Every action not yet verified closed, by the team or agency that owns it, with the owner's "
                 "role (not their name), when it is due and whether it is overdue.", "OpenActions",
                 [columns[i] for i in kept], [[action_values(a)[i] for i in kept] for a in ordered])


def write_board_pack(data: BoardPackData, target) -> int:
    sheets = [referrals_sheet(data), re_referrals_sheet(data), decisions_sheet(data), plans_sheet(data),
              programmes_sheet(data), learning_sheet(data), actions_sheet(data), practitioners_sheet(data)]
    coverage = [("[note 7]", "What the data covers, per source: " + " ".join(data.sources))] if data.sources else []
    after = [n for n, _ in NOTES].index("[note 6]") + 1
    notes = NOTES[:after] + coverage + NOTES[after:]
    return write_workbook(WorkbookSpec(f"Board pack: {data.period_label}", data.cover, notes, sheets, data.marking),
                          target)
