"""Sampling rules a mutation run found untested (docs/testing.md): every frame kind takes
exactly its cases with every field a stratum or filter reads, age bands turn on the birthday,
the frame's hash is the published one, and each refusal says why."""
import hashlib
import random
from datetime import date

import pytest

from audit_tools.periods import financial_quarter
from audit_tools.records import CPPlan, Referral
from audit_tools.sampling import (Filters, FrameCase, FrameDefinition, SampleError, SampleRequest, age_band,
                                  allocate, build_frame, draw_sample, frame_hash, size_for, strata,
                                  with_age_bands)

Q1 = financial_quarter(2014, 1)  # 1 April to 30 June 2014


@pytest.mark.parametrize("birth, on, band", [
    (date(2014, 4, 2), date(2015, 4, 1), "Under 1"), (date(2014, 4, 2), date(2015, 4, 2), "1 to 4"),
    (date(2010, 4, 2), date(2015, 4, 1), "1 to 4"), (date(2010, 4, 2), date(2015, 4, 2), "5 to 9"),
    (date(2005, 6, 30), date(2015, 6, 29), "5 to 9"), (date(2005, 6, 30), date(2015, 6, 30), "10 to 15"),
    (date(1999, 7, 1), date(2015, 6, 30), "10 to 15"), (date(1999, 7, 1), date(2015, 7, 1), "16 and over"),
    (date(2015, 1, 1), date(2015, 1, 1), "Under 1"), (None, date(2015, 1, 1), None)])
def test_the_age_band_changes_on_the_birthday(birth, on, band):
    assert age_band(birth, on) == band


def test_each_case_gets_the_age_band_of_its_own_date_and_unknown_births_none():
    cases = [FrameCase("R1", "A", date(2015, 4, 1)), FrameCase("R2", "A", date(2015, 4, 2)),
             FrameCase("R3", "B", date(2015, 4, 2))]
    banded = with_age_bands(cases, {"A": date(2014, 4, 2)})
    assert [(c.case_id, c.age_band) for c in banded] == [("R1", "Under 1"), ("R2", "1 to 4"), ("R3", None)]
    assert [c.case_id for c in banded] == ["R1", "R2", "R3"]


def test_a_frame_with_birth_dates_bands_ages_on_the_case_date_and_sorts_by_case_id():
    referrals = [Referral("R2", "A", date(2014, 4, 2), "nfa", "6", "North"),
                 Referral("R1", "B", date(2014, 4, 1), "assessment", "2A", "South")]
    frame = build_frame(FrameDefinition("referrals", Q1), referrals, [], {"A": date(2013, 4, 2), "B": date(2000, 1, 1)})
    assert [(c.case_id, c.age_band) for c in frame] == [("R1", "10 to 15"), ("R2", "1 to 4")]
    assert build_frame(FrameDefinition("referrals", Q1), referrals, [])[0].age_band is None


def test_the_referrals_frame_takes_referrals_in_the_period_with_their_fields():
    referrals = [Referral("R0", "A", date(2014, 3, 31), "nfa", "6", "North"),
                 Referral("R1", "A", date(2014, 4, 1), "nfa", "6", "North"),
                 Referral("R2", "B", date(2014, 6, 30), "assessment", "2A", "South"),
                 Referral("R3", "C", date(2014, 7, 1), "nfa", "6", "North")]
    frame = build_frame(FrameDefinition("referrals", Q1), referrals, [])
    assert frame == [FrameCase("R1", "A", date(2014, 4, 1), "North", "nfa", None, "6"),
                     FrameCase("R2", "B", date(2014, 6, 30), "South", "assessment", None, "2A")]
    for filters, expected in ((Filters(team="South"), ["R2"]), (Filters(decision="nfa"), ["R1"]),
                              (Filters(source="2A"), ["R2"]), (Filters(team="North", decision="assessment"), [])):
        assert [c.case_id for c in build_frame(FrameDefinition("referrals", Q1, filters), referrals, [])] == expected


def test_the_re_referrals_frame_carries_each_case_and_its_previous_decision():
    referrals = [Referral("A1", "A", date(2014, 1, 5), "nfa", "6", "North"),
                 Referral("A2", "A", date(2014, 5, 5), "assessment", "5A", "North")]
    [case] = build_frame(FrameDefinition("re-referrals", Q1), referrals, [])
    assert case == FrameCase("A2", "A", date(2014, 5, 5), "North", "assessment", "nfa", "5A")


def test_the_plan_frames_carry_team_category_and_the_right_date():
    plans = [CPPlan("P1", "A", date(2012, 1, 1), date(2013, 1, 1), "NEG", "North"),
             CPPlan("P2", "A", date(2014, 5, 1), None, "NEG", "North"),
             CPPlan("P3", "B", date(2013, 1, 1), date(2014, 6, 30), "EMO", "South"),
             CPPlan("P4", "C", date(2013, 3, 30), None, "PHY", "East"),
             CPPlan("P5", "D", date(2013, 3, 31), None, "PHY", "East"),
             CPPlan("P6", "E", date(2013, 1, 1), date(2014, 6, 30), "SAB", "East")]
    [repeat] = build_frame(FrameDefinition("repeat-plans-ever", Q1), [], plans)
    assert repeat == FrameCase("P2", "A", date(2014, 5, 1), "North", category="NEG")
    ended = build_frame(FrameDefinition("plans-ended", Q1), [], plans)
    assert ended == [FrameCase("P3", "B", date(2014, 6, 30), "South", category="EMO"),
                     FrameCase("P6", "E", date(2014, 6, 30), "East", category="SAB")]
    # Open on 30 June 2014 and started 15 calendar months or more before it (30 March 2013 or earlier).
    long_open = build_frame(FrameDefinition("plans-open-15-months", Q1), [], plans)
    assert long_open == [FrameCase("P4", "C", date(2013, 3, 30), "East", category="PHY")]
    assert [c.case_id for c in build_frame(FrameDefinition("plans-ended", Q1, Filters(category="SAB")), [], plans)] \
        == ["P6"]


def test_an_unknown_frame_is_refused_by_name():
    with pytest.raises(SampleError, match="no frame called 'nonsense'"):
        build_frame(FrameDefinition("nonsense", Q1), [], [])


def test_the_frame_hash_is_sha256_of_the_sorted_ids_one_a_line():
    assert frame_hash(["R2", "R10", "R1"]) == hashlib.sha256(b"R1\nR10\nR2").hexdigest()
    sample = draw_sample([FrameCase(i, i, date(2014, 4, 1)) for i in ("R2", "R1")], SampleRequest("census"), 1,
                         random.Random)
    assert sample.frame_hash == frame_hash(["R1", "R2"]) and sample.frame_size == 2 and sample.seed == 1


def test_strata_count_each_value_and_not_recorded_in_name_order():
    cases = [FrameCase("1", "a", date(2014, 4, 1), "South"), FrameCase("2", "b", date(2014, 4, 1), None),
             FrameCase("3", "c", date(2014, 4, 1), "North"), FrameCase("4", "d", date(2014, 4, 1), "South")]
    counted = strata(cases, "team")
    assert counted == {"North": 1, "Not recorded": 1, "South": 2} and list(counted) == ["North", "Not recorded", "South"]


@pytest.mark.parametrize("frame_size, percent, size", [(25, 10, 3), (24, 10, 2), (5, 1, 1), (200, 100, 200),
                                                       (35, 10, 4), (45, 10, 5)])
def test_a_percentage_rounds_half_up_and_never_below_one(frame_size, percent, size):
    assert size_for(SampleRequest("random", percent=percent), frame_size) == size


@pytest.mark.parametrize("request_, message", [
    (SampleRequest("random", percent=0), "percentage above 0 and up to 100"),
    (SampleRequest("random", percent=100.5), "percentage above 0 and up to 100"),
    (SampleRequest("random", size=0), "how many cases to draw, 1 or more"),
    (SampleRequest("random"), "how many cases to draw, 1 or more")])
def test_a_size_that_cannot_be_drawn_is_refused_with_what_to_enter(request_, message):
    with pytest.raises(SampleError, match=message):
        size_for(request_, 10)


def test_each_refused_draw_says_why():
    frame = [FrameCase(f"R{i}", f"C{i}", date(2014, 4, 1), "North") for i in range(3)]
    with pytest.raises(SampleError, match="The frame is empty"):
        draw_sample([], SampleRequest("census"), 1, random.Random)
    with pytest.raises(SampleError, match="Choose what to stratify by"):
        draw_sample(frame, SampleRequest("stratified", size=2, stratify_by="colour"), 1, random.Random)
    with pytest.raises(SampleError, match="Unknown sampling method 'systematic'"):
        draw_sample(frame, SampleRequest("systematic", size=2), 1, random.Random)
    with pytest.raises(SampleError) as refused:
        draw_sample(frame, SampleRequest("random", size=4), 1, random.Random)
    assert refused.value.offer_census and "asked for 4 cases but the frame has only 3" in str(refused.value)
    assert draw_sample(frame, SampleRequest("random", size=3), 1, random.Random).method == "random"


def test_allocation_gives_leftovers_to_the_largest_remainder_then_the_larger_stratum_then_by_name():
    assert allocate({"A": 1, "B": 1, "C": 1}, 2) == {"A": 1, "B": 1, "C": 0}
    assert allocate({"A": 2, "B": 4}, 3) == {"A": 1, "B": 2}
    assert allocate({"A": 3, "B": 3, "C": 4}, 5) == {"A": 1, "B": 2, "C": 2} or \
        allocate({"A": 3, "B": 3, "C": 4}, 5) == {"A": 2, "B": 1, "C": 2}
    assert allocate({"A": 5, "B": 5}, 10, minimum=5) == {"A": 5, "B": 5}
    with pytest.raises(SampleError, match=r"fewer cases than the minimum of 3: A \(2\)"):
        allocate({"A": 2, "B": 5}, 6, minimum=3)
    with pytest.raises(SampleError, match="needs at least 6 cases; you asked for 5"):
        allocate({"A": 3, "B": 5}, 5, minimum=3)
