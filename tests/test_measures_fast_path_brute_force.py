"""The measures page's fast path (the covering index read into a measures-only history, and
only the plans the measures need) against the brute-force reading of the definitions in
tests/audit_tools/test_measures_brute_force.py, not against audit_tools.measures: a bug in a
helper both share would pass tests/test_measures_fast_path.py but not this one."""
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from audit_tools.measures import find_repeat_plans, plan_measures, referral_measures
from qa_app.services.case_data import measure_plan_records, referral_history
from tests.audit_tools.test_measures_brute_force import (EDGE_HISTORY, PERIODS, expected_plan_figures, expected_referral_figures,
                                                         histories, library_plan_figures)
from tests.test_measures_fast_path import _load


def fast_referral_figures(history, period, population) -> dict:
    measures = referral_measures(history, period, population)
    days = history.re_referral_days(period)
    return {"referrals": measures.referrals, "re_referrals": measures.re_referrals,
            "re_referral_pct": measures.re_referral_pct, "re_referral_days": len(days),
            "decisions": measures.decisions, "rate_per_10k": measures.rate_per_10k,
            "children_referred": measures.children_referred, "children_re_referred": measures.children_re_referred}


@settings(max_examples=30, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories(), population=st.none() | st.integers(1, 90_000))
@example(history=EDGE_HISTORY, population=60_000)
def test_the_fast_path_gives_the_definitions_figures(app, history, population):
    referrals, plans = history
    with app.app_context():
        _load(referrals, plans)
        for period in PERIODS:
            expected = expected_referral_figures(referrals, period, population)
            expected["re_referral_days"] = len(expected.pop("re_referral_ids"))
            assert fast_referral_figures(referral_history(period.start, period.end), period, population) == expected, period
            loaded = measure_plan_records(period.start, period.end)
            assert library_plan_figures(plan_measures(loaded, period), find_repeat_plans(loaded, period)) == \
                expected_plan_figures(plans, period), period
