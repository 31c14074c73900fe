"""A sample depends on the frame's cases, never on the order they arrive in: the database may
return them in any order, and the sample must be the one anyone can draw again from the
recorded seed. Checked for every method, over random frames, strata and seeds."""
import random
from datetime import date

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from audit_tools.sampling import STRATIFY_FIELDS, FrameCase, SampleRequest, draw_sample

TEAMS = st.sampled_from([None, "North", "South", "Compass", "Duty"])
DECISIONS = st.sampled_from([None, "nfa", "assessment", "section_47"])


@st.composite
def frames(draw):
    size = draw(st.integers(2, 40))
    return [FrameCase(f"R{number:04d}", f"C{number % 17:03d}", date(2014, 4, 1 + number % 28),
                      team=draw(TEAMS), decision=draw(DECISIONS), previous_decision=draw(DECISIONS),
                      category=draw(st.sampled_from([None, "NEG", "PHY"])),
                      age_band=draw(st.sampled_from([None, "Under 1", "1 to 4"])))
            for number in draw(st.sets(st.integers(0, 9999), min_size=size, max_size=size))]


# No shrinking: a failure is shown as found, so a broken draw fails in seconds, not minutes.
@settings(max_examples=80, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(frame=frames(), seed=st.integers(0, 2**32), shuffle_seed=st.integers(0, 1000),
       method=st.sampled_from(["random", "stratified"]), field=st.sampled_from(sorted(STRATIFY_FIELDS)),
       data=st.data())
def test_a_draw_is_the_same_whatever_order_the_frame_arrives_in(frame, seed, shuffle_seed, method, field, data):
    size = data.draw(st.integers(1, len(frame)))
    request = SampleRequest(method, size=size, stratify_by=field if method == "stratified" else None)
    shuffled = list(frame)
    random.Random(shuffle_seed).shuffle(shuffled)
    for arrival in (shuffled, list(reversed(frame)), sorted(frame, key=lambda c: c.case_id, reverse=True)):
        first = draw_sample(frame, request, seed, random.Random)
        again = draw_sample(arrival, request, seed, random.Random)
        assert (again.ids, again.allocation, again.frame_hash) == (first.ids, first.allocation, first.frame_hash)
    assert len(first.ids) == size and len(set(first.ids)) == size


def test_a_stratified_draw_is_the_same_when_its_strata_first_appear_in_another_order():
    """Strata met in the order South, North in one frame and North, South in the other."""
    north = [FrameCase(f"N{i}", f"CN{i}", date(2014, 4, 1), team="North") for i in range(6)]
    south = [FrameCase(f"S{i}", f"CS{i}", date(2014, 4, 1), team="South") for i in range(6)]
    request = SampleRequest("stratified", size=5, stratify_by="team")
    one = draw_sample(south + north, request, 11, random.Random)
    other = draw_sample(north + south, request, 11, random.Random)
    assert one.ids == other.ids and one.allocation == other.allocation == {"North": 3, "South": 2}
