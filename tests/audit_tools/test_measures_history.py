"""The measures-only history (what the measures page reads from the covering index: rows of
date, child and decision, plus each child's latest referral before the first row) gives the
figures of the brute-force definitions, without a database: for a read of everything, and for
a read that starts late with the look-back handed in. Survivors of a mutation run of
audit_tools.measures (docs/testing.md) were all in this code."""
from datetime import date

from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from audit_tools.measures import ReferralHistory, referral_measures
from tests.audit_tools.test_measures_brute_force import EDGE_HISTORY, PERIODS, expected_referral_figures, histories


def _figures(history, period, population):
    measures = referral_measures(history, period, population)
    return {"referrals": measures.referrals, "re_referrals": measures.re_referrals,
            "re_referral_pct": measures.re_referral_pct, "decisions": measures.decisions,
            "rate_per_10k": measures.rate_per_10k, "children_referred": measures.children_referred,
            "children_re_referred": measures.children_re_referred,
            "re_referral_days": sorted((day, child) for day, child, _ in history.re_referral_days(period)),
            "facts": sorted(history.facts(period))}


def _expected(referrals, period, population):
    figures = expected_referral_figures(referrals, period, population)
    by_id = {r.referral_id: r for r in referrals}
    days = sorted((by_id[i].referral_date, by_id[i].child_id) for i in figures.pop("re_referral_ids"))
    return figures, days


@settings(max_examples=150, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(history=histories(), population=st.none() | st.integers(1, 90_000),
       read_from=st.sampled_from([date(2014, 4, 1), date(2015, 1, 1), date(2015, 2, 28)]))
@example(history=EDGE_HISTORY, population=60_000, read_from=date(2015, 2, 28))
def test_a_measures_only_history_gives_the_definitions_figures(history, population, read_from):
    referrals = sorted(history[0], key=lambda r: (r.referral_date, r.referral_id))
    rows = [(r.referral_date, r.child_id, r.decision) for r in referrals]
    whole = ReferralHistory.from_dated_rows(rows)
    later = [row for row in rows if row[0] >= read_from]
    earlier = {}
    for day, child, _ in rows:
        if day < read_from:
            earlier[child] = day
    late = ReferralHistory.from_dated_rows(later, earlier)
    for period in PERIODS:
        expected, days = _expected(referrals, period, population)
        for history_read in (whole, late) if period.start >= read_from else (whole,):
            got = _figures(history_read, period, population)
            facts = got.pop("facts")
            assert got.pop("re_referral_days") == days, period
            assert got == expected, period
            assert [(d, c, dec) for d, c, dec, _ in facts] == sorted(
                (r.referral_date, r.child_id, r.decision) for r in referrals if period.start <= r.referral_date <= period.end)
            assert sorted((d, c) for d, c, _, before in facts if before is not None) == days
