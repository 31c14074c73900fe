"""Survivors of the sampling mutation run (docs/testing.md), killed: the exact words of each
refusal (shown to the QA lead as written), what a sample records about itself, the minimum per
stratum reaching the allocation, the allocation's tie-break on stratum size, and the sample-size
formula's rounding and limits."""
import random
from datetime import date

import pytest

from audit_tools.sampling import (ALGORITHM_VERSION, FrameCase, FrameDefinition, Filters, SampleError,
                                  SampleRequest, allocate, build_frame, draw_sample, sample_size, size_for)
from audit_tools.periods import financial_quarter
from audit_tools.records import CPPlan, Referral

FRAME = [FrameCase(f"R{i}", f"C{i}", date(2014, 4, 1), "North" if i % 3 else "South") for i in range(9)]


def _refusal(call):
    with pytest.raises((SampleError, ValueError)) as refused:
        call()
    return str(refused.value)


def test_each_refusal_reads_exactly_as_written():
    assert _refusal(lambda: size_for(SampleRequest("random", percent=0), 9)) == "Enter a percentage above 0 and up to 100"
    assert _refusal(lambda: size_for(SampleRequest("random", size=0), 9)) == "Enter how many cases to draw, 1 or more"
    assert _refusal(lambda: allocate({"A": 1, "B": 5}, 4, minimum=2)) == (
        "These strata have fewer cases than the minimum of 2: A (1). Lower the minimum, or draw without it.")
    assert _refusal(lambda: draw_sample([], SampleRequest("census"), 1, random.Random)) == \
        "The frame is empty: there are no cases to draw from"
    assert _refusal(lambda: draw_sample(FRAME, SampleRequest("random", size=10), 1, random.Random)) == (
        "You asked for 10 cases but the frame has only 9. Audit them all (a census) instead?")
    assert _refusal(lambda: draw_sample(FRAME, SampleRequest("stratified", size=2), 1, random.Random)) == \
        "Choose what to stratify by"
    assert _refusal(lambda: sample_size(80, 5)) == "Confidence must be 90, 95 or 99"
    assert _refusal(lambda: sample_size(95, 0)) == "The margin must be between 0 and 100 percentage points"
    assert SampleError("x").offer_census is False


def test_a_sample_records_its_method_and_algorithm():
    for request in (SampleRequest("census"), SampleRequest("random", size=3),
                    SampleRequest("stratified", size=3, stratify_by="team")):
        sample = draw_sample(FRAME, request, 5, random.Random)
        assert sample.method == request.method and sample.algorithm_version == ALGORITHM_VERSION


def test_the_minimum_per_stratum_reaches_the_allocation():
    sample = draw_sample(FRAME, SampleRequest("stratified", size=4, stratify_by="team", minimum_per_stratum=2),
                         5, random.Random)
    assert sample.allocation == {"North": 2, "South": 2}  # proportional alone would give 3 and 1


def test_equal_remainders_go_to_the_larger_stratum_first():
    assert allocate({"A": 1, "B": 3}, 2) == {"A": 0, "B": 2}  # quotas 0.5 and 1.5
    assert allocate({"Big": 6, "Small": 2}, 2) == {"Big": 2, "Small": 0}  # quotas 1.5 and 0.5
    assert allocate({"B": 2, "A": 2}, 1) == {"A": 1, "B": 0}


def test_frames_keep_every_case_after_one_left_out():
    """A re-referral after another decision, or a plan beyond two years, is skipped, not the end."""
    q1 = financial_quarter(2014, 1)
    referrals = [Referral("A1", "A", date(2014, 1, 5), "assessment"), Referral("A2", "A", date(2014, 4, 5), "nfa"),
                 Referral("B1", "B", date(2014, 1, 5), "nfa"), Referral("B2", "B", date(2014, 5, 5), "nfa")]
    after_nfa = build_frame(FrameDefinition("re-referrals", q1, previous_decisions=("nfa",)), referrals, [])
    assert [c.case_id for c in after_nfa] == ["B2"]
    plans = [CPPlan("P1", "A", date(2010, 1, 1), date(2011, 1, 1)), CPPlan("P2", "A", date(2014, 4, 2)),
             CPPlan("Q1", "B", date(2013, 1, 1), date(2013, 6, 1)), CPPlan("Q2", "B", date(2014, 5, 2))]
    assert [c.case_id for c in build_frame(FrameDefinition("repeat-plans-2y", q1), [], plans)] == ["Q2"]
    assert build_frame(FrameDefinition("repeat-plans-2y", q1, Filters(team="x")), [], plans) == []


@pytest.mark.parametrize("frame_size, percent, size", [(30, 5, 2), (10, 15, 2), (50, 3, 2)])
def test_a_percentage_of_the_frame_rounds_to_a_whole_case(frame_size, percent, size):
    assert size_for(SampleRequest("random", percent=percent), frame_size) == size


def test_sample_size_rounds_up_only_what_is_not_whole_and_checks_the_margin():
    # z² p(1-p) / e² is 100 exactly for z=2 (not a listed confidence), so use 95% with a margin
    # that makes n0 whole to within float error: 1.96² × 0.25 / 0.098² = 100.
    assert sample_size(95, 9.8) == 100
    assert sample_size(95, 9.8, population=100) == 51  # 100 / (1 + 99/100) = 50.25 -> 51
    assert sample_size(95, 9.8, population=199) == 67  # 100 / (1 + 99/199) = 66.8 -> 67
    assert sample_size(95, 5, population=21) == 20  # 384.16 / (1 + 383.16/21) = 19.99 -> 20
    assert sample_size(95, 99.9) == 1 and sample_size(95, 0.5) > 0
    for margin in (0, 100, -1):
        with pytest.raises(ValueError):
            sample_size(95, margin)
