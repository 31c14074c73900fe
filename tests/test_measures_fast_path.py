"""The measures page's fast path (dates, children and decisions read from one covering index
into a measures-only history, and only the plans the measures need) gives exactly the figures of the definitions
in audit_tools.measures, over random histories built around the edges: same-day referrals,
12 months exactly and a day more, 29 February, 24 months exactly and a day more, overlapping
and open plans, and Annex A's previous-plan counts. Some children's ids hold the separator the
fast read puts between a day's values (and a comma), which sends it to reading row by row."""
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from audit_tools.measures import ReferralHistory, find_re_referrals, plan_measures, referral_measures
from audit_tools.periods import add_months, custom, financial_year, quarters_of
from audit_tools.records import DECISIONS
from audit_tools.records import CPPlan as PlanRecord
from audit_tools.records import Referral as ReferralRecord
from qa_app.extensions import db
from qa_app.models import Child, CPPlan, MeasuresCache, Referral
from qa_app.services.case_data import measure_plan_records, referral_history
from qa_app.services.case_lists import re_referral_list

YEAR = financial_year(2015)  # 1 April 2015 to 31 March 2016, with 29 February 2016 in it
EDGE_DAYS = [date(2015, 4, 1), date(2016, 3, 31), date(2015, 3, 31), date(2016, 4, 1),
             date(2016, 2, 29), date(2015, 2, 28), date(2015, 3, 1), date(2014, 2, 28),
             date(2014, 3, 1), date(2012, 2, 29), date(2014, 4, 1), date(2014, 3, 31)]
FIRST, LAST = date(2012, 1, 1), date(2016, 12, 31)
WIDE_END = date(2030, 12, 31)  # after any referral or plan a history can draw


def _step(kind, day):
    """The next event's day after `day`: the gaps the definitions draw lines at."""
    if kind == "same day":
        return day
    months, extra = kind
    return add_months(day, months) + timedelta(days=extra)


STEPS = st.one_of(st.just("same day"),
                  st.tuples(st.sampled_from([3, 6, 12, 24]), st.sampled_from([-1, 0, 1])),
                  st.tuples(st.just(0), st.integers(1, 800)))
START_DAYS = st.one_of(st.sampled_from(EDGE_DAYS), st.dates(FIRST, LAST))


@st.composite
def histories(draw):
    referrals, plans = [], []
    for child in range(draw(st.integers(1, 6))):
        child_id = f"C{child}" + draw(st.sampled_from(["", "", "", "\x1f", ",x"]))
        day = draw(START_DAYS)
        for _ in range(draw(st.integers(0, 6))):
            referrals.append(ReferralRecord(f"R{len(referrals):04d}", child_id, day,
                                            draw(st.sampled_from(DECISIONS))))
            day = _step(draw(STEPS), day)
        day = draw(START_DAYS)
        for _ in range(draw(st.integers(0, 4))):
            end = draw(st.one_of(st.none(), STEPS.map(lambda kind, start=day: _step(kind, start))))
            plans.append(PlanRecord(f"P{len(plans):04d}", child_id, day, end,
                                    previous_plans=draw(st.one_of(st.none(), st.integers(0, 2)))))
            day = _step(draw(STEPS), day)  # may start before the last plan ends: an overlap
    return referrals, plans


def _load(referrals, plans):
    # Each example replaces the data by hand, not through an import: the data version (row
    # counts, largest ids, imports) can come out the same for two examples on SQLite, which
    # reuses ids, so figures kept for the last example are dropped here.
    for model in (MeasuresCache, Referral, CPPlan, Child):
        db.session.execute(delete(model))
    children = {r.child_id for r in referrals} | {p.child_id for p in plans}
    if children:
        db.session.execute(insert(Child), [{"child_id": c} for c in sorted(children)])
    if referrals:
        db.session.execute(insert(Referral), [
            {"referral_id": r.referral_id, "child_id": r.child_id, "referral_date": r.referral_date,
             "decision": r.decision} for r in referrals])
    if plans:
        db.session.execute(insert(CPPlan), [
            {"plan_id": p.plan_id, "child_id": p.child_id, "start_date": p.start_date,
             "end_date": p.end_date, "previous_plans": p.previous_plans} for p in plans])
    db.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(history=histories(), extra_start=st.sampled_from(EDGE_DAYS + [date(2015, 11, 30)]))
def test_fast_path_measures_equal_the_definitions(app, history, extra_start):
    referrals, plans = history
    periods = [YEAR, *quarters_of(2015), custom(extra_start, add_months(extra_start, 12) - timedelta(days=1))]
    with app.app_context():
        _load(referrals, plans)
        everything = ReferralHistory(referrals)
        for period in periods:
            assert referral_measures(referral_history(period.start, period.end), period, 1000) == \
                referral_measures(everything, period, 1000), period
            assert plan_measures(measure_plan_records(period.start, period.end), period) == \
                plan_measures(plans, period), period
        # One history for a year measures each of its quarters, as the dashboard does.
        year_history = referral_history(YEAR.start, YEAR.end)
        for quarter in quarters_of(2015):
            assert referral_measures(year_history, quarter) == referral_measures(everything, quarter)
        # One read of several years serves any period inside them (dashboard.MeasureReads).
        wide_history, wide_plans = referral_history(FIRST, WIDE_END), measure_plan_records(FIRST, WIDE_END)
        for period in periods:
            assert referral_measures(wide_history, period) == referral_measures(everything, period)
            assert plan_measures(wide_plans, period) == plan_measures(plans, period), period


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(history=histories(), extra_start=st.sampled_from(EDGE_DAYS + [date(2015, 11, 30)]),
       page_size=st.integers(1, 4))
def test_the_re_referral_list_pages_equal_the_definition(app, history, extra_start, page_size):
    """Page after page, with and without each previous decision chosen: the same re-referrals
    in the same order with the same previous referral as the definition's list, and the same
    total. Small pages put page breaks inside days with several re-referrals."""
    referrals, _ = history
    periods = [YEAR, quarters_of(2015)[3], custom(extra_start, add_months(extra_start, 12) - timedelta(days=1))]
    with app.app_context():
        _load(referrals, [])
        for period in periods:
            everything = find_re_referrals(referrals, period)
            for previous_decision in (None, *DECISIONS):
                expected = [(r.referral.referral_id, r.previous.referral_id) for r in everything
                            if previous_decision in (None, r.previous.decision)]
                listed, number = [], 1
                while True:
                    page = re_referral_list(period, previous_decision, number, page_size)
                    assert page.total == len(expected)
                    assert all(history.referrals and history.referrals[0].child_id == r.referral.child_id
                               for r, history in page.rows)
                    listed += [(r.referral.referral_id, r.previous.referral_id) for r, _ in page.rows]
                    if number >= page.pages:
                        break
                    number += 1
                assert listed == expected, (period, previous_decision)


def test_same_day_referrals_are_not_re_referrals_of_each_other_on_the_fast_path(app):
    """Worked example on 29 February 2016: add_months(29 Feb 2016, -12) is 28 February 2015,
    so a referral that day is 12 months exactly before (a re-referral) and one on 27 February
    2015 is a day more (not). Two referrals on one day share the same previous referral."""
    referrals = [ReferralRecord("R1", "C1", date(2015, 2, 28), "nfa"),
                 ReferralRecord("R2", "C1", date(2016, 2, 29), "assessment"),
                 ReferralRecord("R3", "C1", date(2016, 2, 29), "section_47"),
                 ReferralRecord("R4", "C2", date(2015, 2, 27), "nfa"),
                 ReferralRecord("R5", "C2", date(2016, 2, 29), "nfa")]
    with app.app_context():
        _load(referrals, [])
        measures = referral_measures(referral_history(YEAR.start, YEAR.end), YEAR)
    assert (measures.referrals, measures.re_referrals, measures.children_re_referred) == (3, 2, 1)


def test_a_child_id_holding_the_fast_reads_separator_gives_the_same_figures(app):
    """The fast read puts a day's children in one text between unit separators; a child whose
    id holds one (any character can come in a file) is still counted as one child, with the
    definition's re-referrals."""
    referrals = [ReferralRecord("R1", "C\x1f1", date(2015, 2, 28), "nfa"),
                 ReferralRecord("R2", "C\x1f1", date(2016, 2, 29), "assessment"),
                 ReferralRecord("R3", "C2", date(2015, 6, 1), "nfa"),
                 ReferralRecord("R4", "C2", date(2016, 2, 29), "section_47")]
    with app.app_context():
        _load(referrals, [])
        measures = referral_measures(referral_history(YEAR.start, YEAR.end), YEAR)
    assert measures == referral_measures(ReferralHistory(referrals), YEAR)
    assert (measures.referrals, measures.re_referrals, measures.children_referred) == (3, 2, 2)
