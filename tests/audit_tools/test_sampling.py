import random
from collections import Counter
from datetime import date

import pytest

from audit_tools.periods import financial_quarter
from audit_tools.records import CPPlan, Referral
from audit_tools.sampling import (Filters, FrameCase, FrameDefinition, SampleError, SampleRequest,
                                  allocate, apply_exclusions, build_frame, draw_sample, frame_hash,
                                  sample_size, strata)
from audit_tools.synthetic import demo_council

Q1 = financial_quarter(2014, 1)


def cases(count, teams=("North", "South", "Compass")):
    return [FrameCase(f"R{i:04d}", f"C{i:04d}", date(2014, 4, 1), teams[i % len(teams)]) for i in range(count)]


def draw(frame, request, seed=42):
    return draw_sample(frame, request, seed, random.Random)


def test_the_same_seed_gives_identical_ids_and_another_seed_a_different_order():
    frame = cases(200)
    first = draw(frame, SampleRequest("random", size=20), seed=7)
    assert draw(frame, SampleRequest("random", size=20), seed=7).ids == first.ids
    assert draw(list(reversed(frame)), SampleRequest("random", size=20), seed=7).ids == first.ids
    assert draw(frame, SampleRequest("random", size=20), seed=8).ids != first.ids


def test_the_draw_is_pinned_so_any_machine_gets_the_same_cases():
    """If this changes, ALGORITHM_VERSION must change too: old samples would no longer check."""
    assert draw(cases(50), SampleRequest("random", size=5), seed=2015).ids == \
        ['R0046', 'R0005', 'R0042', 'R0044', 'R0006']


def test_a_sample_is_a_subset_of_the_frame_without_repeats():
    frame = cases(120)
    sample = draw(frame, SampleRequest("random", percent=25))
    assert len(sample.ids) == 30 and len(set(sample.ids)) == 30
    assert set(sample.ids) <= {c.case_id for c in frame}
    assert sample.frame_hash == frame_hash(c.case_id for c in frame)


def test_a_census_is_the_whole_frame():
    assert draw(cases(7), SampleRequest("census")).ids == [f"R{i:04d}" for i in range(7)]


@pytest.mark.parametrize("sizes, total", [({"a": 50, "b": 30, "c": 20}, 10), ({"a": 1, "b": 97, "c": 2}, 20),
                                          ({"x": 7, "y": 7, "z": 7}, 10), ({"a": 2471, "b": 1}, 60)])
def test_stratified_allocation_is_proportional_within_one_case(sizes, total):
    allocation = allocate(sizes, total)
    assert sum(allocation.values()) == total
    frame_total = sum(sizes.values())
    for name, size in sizes.items():
        assert abs(allocation[name] - total * size / frame_total) < 1


def test_a_minimum_per_stratum_is_honoured_or_refused_out_loud():
    assert allocate({"a": 90, "b": 5, "c": 5}, 20, minimum=3) == {"a": 14, "b": 3, "c": 3}
    with pytest.raises(SampleError, match=r"fewer cases than the minimum of 6: b \(5\), c \(5\)"):
        allocate({"a": 90, "b": 5, "c": 5}, 20, minimum=6)


def test_a_stratified_draw_takes_each_strata_allocation_from_that_stratum():
    frame = cases(90)
    sample = draw(frame, SampleRequest("stratified", size=20, stratify_by="team"))
    teams = Counter(next(c.team for c in frame if c.case_id == i) for i in sample.ids)
    assert teams == Counter(sample.allocation) and sum(teams.values()) == 20
    assert strata(frame, "team") == {"Compass": 30, "North": 30, "South": 30}


def test_a_size_larger_than_the_frame_offers_a_census():
    with pytest.raises(SampleError) as refused:
        draw(cases(5), SampleRequest("random", size=6))
    assert refused.value.offer_census and "census" in str(refused.value)


def test_exclusions_remove_every_case_of_the_children_named():
    frame = cases(10)
    kept, excluded = apply_exclusions(frame, {"C0001", "C0005"})
    assert [c.child_id for c in excluded] == ["C0001", "C0005"]
    assert len(kept) == 8 and {"C0001", "C0005"}.isdisjoint(c.child_id for c in kept)


def test_sample_size_matches_textbook_values():
    assert sample_size(95, 5) == 385
    assert sample_size(95, 5, population=2471) == 333
    assert sample_size(90, 5) == 271 and sample_size(99, 5) == 664
    assert sample_size(95, 5, population=24) == 23


def test_re_referral_frame_with_a_previous_decision_and_filters():
    referrals = [Referral("A1", "A", date(2014, 1, 5), "nfa", "6", "North"),
                 Referral("A2", "A", date(2014, 5, 5), "assessment", "6", "North"),
                 Referral("B1", "B", date(2014, 2, 5), "professional_conversation", "2A", "South"),
                 Referral("B2", "B", date(2014, 6, 5), "assessment", "2A", "South")]
    frame = build_frame(FrameDefinition("re-referrals", Q1), referrals, [])
    assert [(c.case_id, c.previous_decision) for c in frame] == [("A2", "nfa"), ("B2", "professional_conversation")]
    after_nfa = build_frame(FrameDefinition("re-referrals", Q1, previous_decisions=("nfa",)), referrals, [])
    assert [c.case_id for c in after_nfa] == ["A2"]
    south = build_frame(FrameDefinition("re-referrals", Q1, Filters(team="South")), referrals, [])
    assert [c.case_id for c in south] == ["B2"]


def test_plan_frames():
    plans = [CPPlan("P1", "A", date(2012, 1, 1), date(2013, 1, 1), "NEG"),
             CPPlan("P2", "A", date(2014, 5, 1), None, "NEG"),
             CPPlan("P3", "B", date(2010, 1, 1), date(2011, 1, 1), "EMO"),
             CPPlan("P4", "B", date(2014, 6, 1), date(2014, 6, 30), "EMO")]
    ever = build_frame(FrameDefinition("repeat-plans-ever", Q1), [], plans)
    within = build_frame(FrameDefinition("repeat-plans-2y", Q1), [], plans)
    ended = build_frame(FrameDefinition("plans-ended", Q1), [], plans)
    assert [c.case_id for c in ever] == ["P2", "P4"]
    assert [c.case_id for c in within] == ["P2"]
    assert [c.case_id for c in ended] == ["P4"]


def test_the_demo_council_gives_a_frame_of_re_referrals_for_q1_2014_15():
    referrals, plans = demo_council()
    frame = build_frame(FrameDefinition("re-referrals", Q1), referrals, plans)
    assert 150 <= len(frame) <= 220  # the report audited 179
