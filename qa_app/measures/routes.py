"""Measures for QA leads: the dashboard and the lists behind its figures."""
from flask import Blueprint, abort, render_template, request

from audit_tools.measures import PLAN_DURATION_BANDS, RE_REFERRAL_INTERVAL_BANDS
from audit_tools.records import DECISION_LABELS, DECISIONS
from qa_app.charts import bar_chart
from qa_app.forms import PeriodForm
from qa_app.measures.forms import RepeatPlansForm, ReReferralsForm
from qa_app.models import Role
from qa_app.security import roles_required
from qa_app.services import case_lists, data_quality, measures_cache
from qa_app.services.case_reads import period_filter, record_case_read

measures = Blueprint("measures", __name__)


@measures.get("/")
@roles_required(Role.QA_LEAD)
def dashboard():
    form = PeriodForm(request.args)
    period = form.chosen_period()
    board, comparison, quality = measures_cache.measures_page(period)
    charts = {}
    if board:
        labels = [c.period.label + (" (to date)" if c.in_progress else "") for c in board.years]
        charts["rates"] = bar_chart(
            "Referrals per 10,000 children by financial year", labels,
            [("This council", [c.referrals.rate_per_10k for c in board.years]),
             ("Statistical neighbours", [board.benchmark("referral_rate_per_10k", c.period, "SN") for c in board.years]),
             ("England", [board.benchmark("referral_rate_per_10k", c.period, "England") for c in board.years])])
        charts["re_referrals"] = bar_chart(
            "Re-referrals as a percentage of referrals, by quarter",
            [q.label for q, _ in board.quarters],
            [("Re-referrals %", [m.re_referral_pct for _, m in board.quarters])], unit="%")
    board_pack_text, board_pack_error, page_errors = request.args.get("board_pack"), None, []
    if board_pack_text is not None:
        board_pack_form = PeriodForm(data={"period": board_pack_text})
        if board_pack_form.chosen_period() is None:
            board_pack_error = (f"Board pack: {board_pack_form.period.errors[0]}" if board_pack_form.period.errors
                                else "Board pack: enter the period it covers, like 2015/16")
            page_errors = [{"text": board_pack_error, "href": "#board-pack-period"}]
    if form.period.errors:
        page_errors = [{"text": form.period.errors[0], "href": f"#{form.period.id}"}] + page_errors
    return render_template("measures/dashboard.html", board=board, charts=charts,
                           board_pack_text=board_pack_text, board_pack_error=board_pack_error, page_errors=page_errors,
                           quality=[f for f in quality if f.count],
                           validator_queries=data_quality.validator_queries(),
                           decisions=DECISIONS, decision_labels=DECISION_LABELS,
                           comparison=comparison, form=form, period_text=form.period.data or "",
                           interval_bands=RE_REFERRAL_INTERVAL_BANDS, duration_bands=PLAN_DURATION_BANDS)


@measures.get("/re-referrals")
@roles_required(Role.QA_LEAD)
def re_referrals():
    form = ReReferralsForm(request.args)
    period, previous_decision = form.chosen_period(), form.chosen_decision()
    page = case_lists.re_referral_list(period, previous_decision, form.page.data or 1) if period else None
    if period:
        record_case_read("re-referral list", object_type="measure_list", object_id="re-referrals",
                         list_filter={"period": period_filter(period), "previous_decision": previous_decision})
    return render_template("measures/re_referrals.html", period=period, form=form,
                           rows=page.rows if page else [], page=page, page_size=case_lists.PAGE_SIZE,
                           previous_decision=previous_decision, decision_labels=DECISION_LABELS,
                           period_text=form.period.data or "")


@measures.get("/repeat-plans")
@roles_required(Role.QA_LEAD)
def repeat_plans():
    form = RepeatPlansForm(request.args)
    period, within_two_years = form.chosen_period(), form.within.data
    rows = case_lists.repeat_plan_list(period, within_two_years) if period else []
    if period:
        record_case_read("repeat plan list", object_type="measure_list", object_id="repeat-plans",
                         list_filter={"period": period_filter(period), "within_two_years": within_two_years})
    return render_template("measures/repeat_plans.html", period=period, form=form, rows=rows,
                           within_two_years=within_two_years, decision_labels=DECISION_LABELS)


@measures.get("/data-quality/<kind>")
@roles_required(Role.QA_LEAD)
def data_quality_list(kind):
    """The records behind one data-quality count on the dashboard, with the file each came from."""
    check = data_quality.check_named(kind) or abort(404)
    board = measures_cache.dashboard()
    as_of = board.as_of if board else None
    [found] = data_quality.in_loaded_data(as_of, kind, limit=500)
    # Up to 500 children with their dates of birth: each is named, so "who looked at this
    # child" finds the view (a list by period could not say which children a check caught).
    record_case_read("data-quality list", child_ids=[row[2] for row in found.rows],
                     object_type="data_quality_list", object_id=kind, list_filter={"check": kind})
    return render_template("measures/data_quality.html", check=check, found=found, as_of=as_of)
