import pytest

from audit_tools.findings import OFSTED_GRADES, agreement, weighted_kappa


def test_kappa_matches_the_textbook_two_category_example():
    """Cohen's kappa worked example (Wikipedia, "Cohen's kappa"): 50 grant proposals, both
    readers Yes 20, A Yes/B No 5, A No/B Yes 10, both No 15: kappa = 0.4. With two categories
    linear weights are 1 and 0, so weighted kappa equals Cohen's kappa."""
    pairs = [("Yes", "Yes")] * 20 + [("Yes", "No")] * 5 + [("No", "Yes")] * 10 + [("No", "No")] * 15
    assert weighted_kappa(pairs, ["Yes", "No"]) == pytest.approx(0.4)


def test_linear_weights_give_part_credit_for_a_near_grade():
    """Worked by hand: 3 categories, weights 1, 0.5, 0. Pairs (A,A) (A,B) (B,B) (C,B).
    Observed = (1 + .5 + 1 + .5) / 4 = .75. Auditor margins A 2, B 1, C 1; moderator A 1, B 3.
    Expected = [2·1·1 + 2·3·.5 + 1·1·.5 + 1·3·1 + 1·1·0 + 1·3·.5] / 16 = 10 / 16 = .625.
    Kappa = (.75 - .625) / (1 - .625) = 1/3."""
    pairs = [("A", "A"), ("A", "B"), ("B", "B"), ("C", "B")]
    assert weighted_kappa(pairs, ["A", "B", "C"]) == pytest.approx(1 / 3)


def test_kappa_is_1_for_perfect_agreement_and_none_when_undefined():
    pairs = [("Good", "Good"), ("Inadequate", "Inadequate"), ("Outstanding", "Outstanding")]
    assert weighted_kappa(pairs, OFSTED_GRADES) == pytest.approx(1.0)
    assert weighted_kappa([], OFSTED_GRADES) is None
    assert weighted_kappa([("Good", "Good")] * 3, OFSTED_GRADES) is None
    with pytest.raises(ValueError):
        weighted_kappa([("Good", "Brilliant")], OFSTED_GRADES)


def test_agreement_percentages_and_shift_matrix():
    pairs = [("Good", "Good"), ("Good", "Requires improvement to be good"), ("Outstanding", "Good"),
             ("Good", "Inadequate")]
    result = agreement(pairs)
    assert (result.pairs, result.exact_pct, result.within_one_pct) == (4, 25.0, 75.0)
    assert result.shift["Good"]["Inadequate"] == 1 and result.shift["Good"]["Good"] == 1
