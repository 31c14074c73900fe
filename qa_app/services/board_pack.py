"""The board pack for a period: the measures page's tables, the programmes closed in the period
and the open actions by team, written by audit_tools.workbooks.board_pack."""
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from audit_tools.coverage import Coverage, SourceRange, coverage_of
from audit_tools.measures import ReferralHistory, forecast_full_period, plan_measures, rate_per_10k, referral_measures
from audit_tools.periods import (Period, add_months, calendar_year, custom, financial_quarter, financial_year,
                                 financial_year_of, quarters_of)
from audit_tools.programme_findings import (GOOD_OR_BETTER, grade_after, grade_before, learning_themes,
                                            overall_grade_question)
from audit_tools.records import DECISIONS
from audit_tools.workbooks.board_pack import (BoardPackData, PlanRow, ProgrammeRow, QuarterRow, YearRow,
                                              write_board_pack)
from audit_tools.workbooks.layout import file_name
from qa_app.db import read_transaction, write_transaction
from qa_app.extensions import db
from qa_app.models import Action, AuditProgramme, CaseAuditStatus, CPPlan, Referral
from qa_app.models.actions import OUTSTANDING
from qa_app.services import findings
from qa_app.services.case_audits import questionnaire_for_programme
from qa_app.services.audit_trail import record_event
from qa_app.services.case_data import benchmarks, data_range, plan_records, population_for, referral_records
from qa_app.services.performance.targets import targets as measure_targets
from qa_app.services.dashboard import YEARS_SHOWN, compare_with_last_year
from qa_app.services.exports import (ExportError, action_rows, check_may_export, data_currency_lines,
                                     export_lines, open_actions)
from qa_app.services.participation import practitioners as practitioner_reviews


class PartlyCovered(ExportError):
    """The data stops (or starts) inside the period: made only when asked for knowingly."""


def source_ranges() -> list[SourceRange]:
    """The dates each source's data runs from and to (not when it was imported)."""
    ranges = []
    for name, column in (("Referrals", Referral.referral_date), ("Child protection plans", CPPlan.start_date)):
        first, last = db.session.execute(select(select(func.min(column)).scalar_subquery(),
                                                select(func.max(column)).scalar_subquery())).one()
        ranges.append(SourceRange(name, first, last))
    return ranges


def board_pack_coverage(start: date, end: date) -> Coverage:
    return coverage_of(start, end, source_ranges())


def check_coverage(coverage: Coverage, allow_partial: bool) -> None:
    if coverage.kind == "none":
        raise ExportError(f"No board pack for a period the data does not reach. {coverage.reason()}")
    if coverage.partial and not allow_partial:
        raise PartlyCovered(coverage.reason())


def named_period(start: date, end: date) -> Period:
    """The period with its published name when it is a financial year, quarter or calendar year,
    so that benchmarks (stored under those names) line up."""
    if end < start:
        raise ExportError("The period ends before it starts")
    year = financial_year_of(start)
    candidates = [financial_year(year), calendar_year(start.year)]
    candidates += [financial_quarter(year, q) for q in (1, 2, 3, 4)]
    return next((p for p in candidates if (p.start, p.end) == (start, end)), custom(start, end))


def _year_rows(history, last: date, end: date, marks) -> list[YearRow]:
    latest = financial_year_of(min(end, last))
    rows = []
    for first in range(latest - YEARS_SHOWN + 1, latest + 1):
        period = financial_year(first)
        population = population_for(period)
        measures = referral_measures(history, period, population)
        in_progress = last < period.end
        forecast = forecast_full_period(measures.referrals, period, last) if in_progress and last >= period.start else None
        rows.append(YearRow(period.label, measures.referrals, measures.rate_per_10k,
                            marks.get(("referral_rate_per_10k", period.label, "SN")),
                            marks.get(("referral_rate_per_10k", period.label, "England")), in_progress,
                            forecast.value if forecast else None,
                            rate_per_10k(forecast.value, population) if forecast else None))
    return rows


def _quarter_rows(history, period: Period, last: date, marks) -> list[QuarterRow]:
    rows = []
    for year in range(financial_year_of(period.start), financial_year_of(period.end) + 1):
        for quarter in quarters_of(year):
            if quarter.end < period.start or quarter.start > min(period.end, last):
                continue
            now = referral_measures(history, quarter)
            before = referral_measures(history, quarter.same_period_last_year())
            rows.append(QuarterRow(quarter.label, now.referrals, now.re_referrals, now.re_referral_pct,
                                   marks.get(("re_referral_pct", quarter.label, "England"))
                                   or marks.get(("re_referral_pct", financial_year(year).label, "England")),
                                   before.re_referral_pct if before.referrals else None,
                                   marks.get(("re_referral_pct", quarter.label, "SN"))
                                   or marks.get(("re_referral_pct", financial_year(year).label, "SN")),
                                   before.referrals))
    return rows


def _plan_rows(period: Period, marks) -> list[PlanRow]:
    plans = plan_records(period.end)
    rows = []
    for p in (period.same_period_last_year(), period):
        m = plan_measures(plans, p)
        rows.append(PlanRow(p.label, m.cp_plans_started, m.repeat_plans_ever, m.repeat_plans_ever_pct,
                            m.repeat_plans_within_2y, m.repeat_plans_within_2y_pct,
                            marks.get(("repeat_plans_ever_pct", p.label, "SN")),
                            marks.get(("repeat_plans_ever_pct", p.label, "England"))))
    return rows


def closed_programme_rows(start: date, end: date) -> list[ProgrammeRow]:
    """Programmes closed between the two dates (inclusive), one row each."""
    programmes = db.session.scalars(
        select(AuditProgramme).where(AuditProgramme.closed_at >= datetime.combine(start, time.min),
                                     AuditProgramme.closed_at < datetime.combine(end + timedelta(days=1), time.min))
        .order_by(AuditProgramme.closed_at, AuditProgramme.id)).all()
    rows = []
    for programme in programmes:
        records = findings.audit_records(programme)
        finished = [r for r in records if r.finished]
        question = overall_grade_question(questionnaire_for_programme(programme))
        graded = [g for g in (grade_after(r, question) for r in finished) if g]
        good = sum(1 for g in graded if g in GOOD_OR_BETTER)
        graded_before = [g for g in (grade_before(r, question) for r in finished) if g]
        good_before = sum(1 for g in graded_before if g in GOOD_OR_BETTER)
        # Whether audited children came back, by grade group: the findings page's own function.
        outcomes = {row.grade_group: (row.came_back, row.known)
                    for row in findings.outcomes_for(programme, records).by_grade}
        counts = dict(db.session.execute(select(Action.status, func.count()).filter_by(programme_id=programme.id)
                                         .group_by(Action.status)).all())
        rows.append(ProgrammeRow(
            programme.name, programme.theme, programme.questionnaire_label,
            f"{programme.period_label}", programme.closed_at.date(), len(records), len(finished),
            sum(1 for r in finished if r.status == CaseAuditStatus.MODERATED.value),
            round(good * 100 / len(graded), 1) if graded else None, sum(counts.values()),
            sum(n for s, n in counts.items() if s in {o.value for o in OUTSTANDING}), len(graded),
            round(good_before * 100 / len(graded_before), 1) if graded_before else None, len(graded_before),
            outcomes, list(learning_themes(finished)), practitioner_reviews.involvement_for(programme)))
    return rows


def board_pack_data(start: date, end: date, user=None, coverage: Coverage | None = None) -> BoardPackData:
    period = named_period(start, end)
    coverage = coverage or board_pack_coverage(start, end)
    marks = benchmarks()
    first, last = data_range()
    # A period the data does not reach to the end of is compared to date, as the measures page does.
    counted = period if last is None or last >= period.end or last < period.start else custom(period.start, last)
    comparison = compare_with_last_year(counted)
    if last is None:
        years, quarters = [], []
    else:
        history = ReferralHistory(referral_records(financial_year(financial_year_of(min(end, last)) - YEARS_SHOWN).start,
                                                   max(end, last)))
        years = _year_rows(history, last, end, marks)
        quarters = _quarter_rows(history, period, last, marks)
    decisions = {d: (comparison.this.decisions[d], comparison.this.decisions_pct[d],
                     comparison.last_year.decisions[d], comparison.last_year.decisions_pct[d]) for d in DECISIONS}
    cover = [
        ("What this is", [f"The board pack for {period.label} ({period.start:%d %B %Y} to {period.end:%d %B %Y}): "
                          "the warning-sign measures of referrals, re-referrals and repeat child protection "
                          "plans, the audit programmes closed in the period and the actions still open."]
         + ([coverage.reason()] if coverage.partial else [])),
        ("What the data covers", [s.line() for s in coverage.sources]),
        ("Where the figures come from", ["Counted by Casefile QA from the case data loaded, with the "
                                          "definitions on the Notes sheet; benchmarks as loaded from DfE's "
                                          "published tables."] + data_currency_lines()),
        ("This export", export_lines(user, identifiable=None, next_update=next_update(period))),
    ]
    return BoardPackData(period.label, cover, years, quarters, comparison.this.period.label,
                         comparison.last_year.period.label, decisions, _plan_rows(counted, marks),
                         closed_programme_rows(start, end), action_rows(open_actions(), date.today(), owner_as_role=True),
                         current_app.config["EXPORT_MARKING"],
                         coverage_note=coverage.reason() if coverage.partial else None,
                         sources=[s.line() for s in coverage.sources], targets=measure_targets())


def next_update(period: Period) -> str:
    """The board pack for the next period of the same length, once its data is in."""
    after = period.end + timedelta(days=1)
    if period.start.day == 1 and after.day == 1:  # whole months: the same number of months on
        months = (after.year - period.start.year) * 12 + after.month - period.start.month
        following = add_months(after, months) - timedelta(days=1)
        length = f"{months} months"
    else:
        following, length = period.end + timedelta(days=period.days), f"{period.days} days"
    return f"the board pack for the following {length}, to {following:%-d %B %Y}, once that period's data is loaded"


def board_pack_file_name(start: date, end: date) -> str:
    return file_name("board-pack", f"{start:%Y-%m-%d}-to-{end:%Y-%m-%d}")


def export_board_pack(start: date, end: date, target, *, user=None, via="web", allow_partial=False) -> str:
    """Refuses a period the data does not reach, and one it reaches only in part unless
    `allow_partial`; then every sheet the gap touches says where the data ends."""
    if via == "web":
        check_may_export(user, identifiable=False)
    name = board_pack_file_name(start, end)
    with read_transaction():
        coverage = board_pack_coverage(start, end)
        check_coverage(coverage, allow_partial)
        data = board_pack_data(start, end, user, coverage)
    rows = write_board_pack(data, target)
    with write_transaction():
        record_event("board_pack_exported", actor=user, object_type="board_pack", object_id=f"{start}..{end}",
                     details={"file_name": name, "start": start.isoformat(), "end": end.isoformat(), "via": via,
                              "coverage": coverage.kind, "rows": rows})
    return name
