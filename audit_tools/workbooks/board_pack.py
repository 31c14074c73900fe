"""The board pack: the measures tables of the background report for a period, each with its
chart, the programmes closed in the period and the open actions by team. Plain data in."""
import re
from dataclasses import dataclass, field

from audit_tools.judgements import (MEASURES, NEITHER, TOLERANCE_NOTE, Target, judgement, polarity_words, rag,
                                    target_for)

from audit_tools.records import DECISION_LABELS, DECISIONS
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


def _judged(data: BoardPackData, measure: str, label: str, now, before) -> list:
    """Good performance is, direction of travel, judgement, target and RAG for one figure, all in words."""
    _, polarity, kind = MEASURES[measure]
    year = _year_of(label)
    target = target_for(data.targets, measure, year) if year is not None else None
    return [polarity_words(polarity), direction(now, before), judgement(now, before, polarity, kind),
            (target.target / 100 if kind == "percent" else target.target) if target else NOT_APPLICABLE,
            rag(now, target)]


def _judgement_columns(target_kind: str) -> list[Column]:
    return [Column("Good performance is", width=14), Column("Direction of travel", width=14),
            Column("Judgement", width=12), Column("Target", target_kind, width=10), Column("RAG", width=8)]


def referrals_sheet(data: BoardPackData) -> Sheet:
    rows, previous = [], None
    for y in data.years:
        # A part-year rate beside full years looks like a collapse: it is shown as "to date",
        # and the chart draws the forecast for the whole year instead.
        compared = y.forecast_rate if y.in_progress else y.rate
        rows.append([y.label + (" (to date)" if y.in_progress else ""), y.referrals,
                     NOT_APPLICABLE if y.in_progress else y.rate, y.rate if y.in_progress else NOT_APPLICABLE,
                     round(y.forecast) if y.in_progress and y.forecast is not None else
                     (NOT_APPLICABLE if not y.in_progress else None),
                     y.forecast_rate if y.in_progress else NOT_APPLICABLE, y.sn_rate, y.england_rate]
                    + _judged(data, "referral_rate_per_10k", y.label, compared, previous))
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
    rows = [[q.label, q.referrals, q.re_referrals, _pct(q.re_referral_pct), _pct(q.sn_pct), _pct(q.england_pct),
             _pct(q.last_year_pct)] + _judged(data, "re_referral_pct", q.label, q.re_referral_pct, q.last_year_pct)
            for q in data.quarters]
    return Sheet("Re-referrals", "Re-referrals by quarter",
                 _covered(data, "Referrals and re-referrals in each quarter, the re-referral percentage (of the "
                          "quarter's referrals) beside England's for the year and the same quarter a year earlier "
                          "[note 2] [note 4] [note 6]."), "ReReferrals",
                 [Column("Quarter", width=16), Column("Referrals", "count"), Column("Re-referrals", "count"),
                  Column("Re-referrals %", "percent"), Column("SN %", "percent"), Column("England %", "percent"),
                  Column("Same quarter last year %", "percent", width=14)] + _judgement_columns("percent"),
                 rows,
                 charts=[Chart("Re-referrals as a percentage of referrals", "Chart: the re-referral percentage "
                               "each quarter beside SN, England and the same quarter a year earlier.", 0, [3, 4, 5, 6],
                               y_title="Re-referrals %")])


def decisions_sheet(data: BoardPackData) -> Sheet:
    rows = []
    for decision in DECISIONS:
        now, now_pct, before, before_pct = data.decisions[decision]
        # Compared as shares of referrals: counts all rise when referrals do.
        rows.append([DECISION_LABELS[decision], now, _pct(now_pct), before, _pct(before_pct),
                     polarity_words(NEITHER), direction(now_pct, before_pct)])
    return Sheet("Decisions", f"Decisions on referrals, {data.decisions_label} against {data.decisions_last_year_label}",
                 _covered(data, f"What was decided on the referrals of {data.decisions_label}, beside the same period "
                          "a year earlier, as counts and as percentages of all referrals; direction of travel "
                          "compares the percentages [note 6]."), "Decisions",
                 [Column("Decision", width=30), Column("This period", "count"), Column("This period %", "percent"),
                  Column("Same period last year", "count", width=14),
                  Column("Same period last year %", "percent", width=14), Column("Good performance is", width=14),
                  Column("Direction of travel", width=14)],
                 rows,
                 charts=[Chart("Decisions on referrals, as a percentage of referrals", "Chart: the share of "
                               "referrals with each decision, this period and the same period a year earlier.",
                               0, [2, 4], horizontal=True, y_title="Percent of referrals")])


def plans_sheet(data: BoardPackData) -> Sheet:
    rows, previous = [], None
    for p in data.plans:
        rows.append([p.label, p.started, p.repeat_ever, _pct(p.repeat_ever_pct), p.within_2y, _pct(p.within_2y_pct),
                     _pct(p.sn_ever_pct), _pct(p.england_ever_pct)]
                    + _judged(data, "repeat_plans_ever_pct", p.label, p.repeat_ever_pct, previous))
        previous = p.repeat_ever_pct
    return Sheet("Repeat plans", "Repeat child protection plans",
                 _covered(data, "Plans started in each period and how many were repeat plans, ever and within two "
                          "years, beside SN and England; the judgement is on repeat plans ever "
                          "[note 3] [note 4] [note 6]."), "RepeatPlans",
                 [Column("Period", width=26), Column("Plans started", "count"), Column("Repeat plans ever", "count"),
                  Column("Repeat ever %", "percent"), Column("Repeat within two years", "count", width=14),
                  Column("Within two years %", "percent", width=12), Column("SN repeat ever %", "percent", width=12),
                  Column("England repeat ever %", "percent", width=12)] + _judgement_columns("percent"),
                 rows,
                 charts=[Chart("Repeat plans as a percentage of plans started", "Chart: the share of plans "
                               "that were repeat plans (ever and within two years) beside SN and England.",
                               0, [3, 5, 6, 7], y_title="Percent of plans started")])


def programmes_sheet(data: BoardPackData) -> Sheet:
    rows = [[p.name, p.theme, p.questionnaire, p.frame_period, p.closed_on, p.sampled, p.audited, p.moderated,
             _pct(p.good_or_better_pct), p.actions, p.open_actions] for p in data.programmes]
    return Sheet("Programmes", "Audit programmes closed in the period",
                 "Each audit programme closed in the period on one row: what it audited, how many cases, "
                 "the share graded good or better after moderation and its actions.", "Programmes",
                 [Column("Programme", width=30), Column("Theme", width=36), Column("Questionnaire", width=30),
                  Column("Cases from", width=22), Column("Closed on", "date"), Column("Sampled", "count"),
                  Column("Audited", "count"), Column("Moderated", "count"),
                  Column("Good or better %", "percent", width=16), Column("Actions", "count"),
                  Column("Actions open", "count")], rows)


def actions_sheet(data: BoardPackData) -> Sheet:
    ordered = sorted(data.actions, key=lambda a: (a.owned_by, a.due, a.reference))
    return Sheet("Actions", "Open actions by team",
                 "Every action not yet verified closed, by the team or agency that owns it, with the owner's "
                 "role (not their name), when it is due and whether it is overdue.", "OpenActions",
                 action_columns("Owner's role"), [action_values(a) for a in ordered])


def write_board_pack(data: BoardPackData, target) -> None:
    sheets = [referrals_sheet(data), re_referrals_sheet(data), decisions_sheet(data), plans_sheet(data),
              programmes_sheet(data), actions_sheet(data)]
    notes = NOTES + [("[note 7]", "What the data covers, per source: " + " ".join(data.sources))] if data.sources \
        else NOTES
    write_workbook(WorkbookSpec(f"Board pack: {data.period_label}", data.cover, notes, sheets, data.marking), target)
