"""The calibration report's sums, checked against reference implementations (statsmodels'
fleiss_kappa and scikit-learn's cohen_kappa_score, test-only dependencies) to three places."""
import math
import warnings

import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from audit_tools.calibration import (CalibrationQuestion, fleiss_kappa, question_report, calibration_report,
                                     weighted_kappa, within_one)
from audit_tools.records import GRADES

OUTSTANDING, GOOD, RI, INADEQUATE = GRADES


def _table(subjects, categories):
    return [[answers.count(c) for c in categories] for answers in subjects]


@pytest.mark.parametrize("subjects", [
    [["yes", "yes", "no"], ["no", "no", "no"], ["partly", "yes", "no"], ["yes", "yes", "yes"]],
    [["yes", "no", "no", "partly", "yes"], ["partly", "partly", "no", "no", "yes"]],
    [[GOOD, RI, GOOD], [INADEQUATE, RI, RI], [OUTSTANDING, GOOD, GOOD], [GOOD, GOOD, GOOD], [RI, INADEQUATE, GOOD]],
    [["a", "b", "c"]],  # one subject: one question of one case, as the report works it out
    [["a", "a", "b", "b"]],
])
def test_fleiss_kappa_matches_statsmodels(subjects):
    categories = sorted({a for answers in subjects for a in answers})
    expected = statsmodels_fleiss(_table(subjects, categories), method="fleiss")
    assert round(fleiss_kappa(subjects), 3) == round(float(expected), 3)


def test_fleiss_kappa_is_undefined_when_everyone_answered_alike():
    assert fleiss_kappa([[GOOD, GOOD, GOOD]]) is None
    with pytest.warns(RuntimeWarning):  # the reference agrees: 0/0
        assert math.isnan(statsmodels_fleiss([[0, 3]], method="fleiss"))


def test_fleiss_kappa_needs_two_participants():
    assert fleiss_kappa([[GOOD]]) is None
    assert fleiss_kappa([]) is None


@pytest.mark.parametrize("theirs, reference", [
    ([GOOD, RI, INADEQUATE, GOOD, OUTSTANDING], [GOOD, GOOD, INADEQUATE, RI, GOOD]),
    ([GOOD, GOOD, RI], [GOOD, RI, RI]),
    ([OUTSTANDING, INADEQUATE], [INADEQUATE, OUTSTANDING]),
    ([GOOD, RI], [RI, GOOD]),
])
def test_linear_weighted_kappa_matches_scikit_learn(theirs, reference):
    expected = cohen_kappa_score(theirs, reference, labels=list(GRADES), weights="linear")
    assert round(weighted_kappa(theirs, reference, GRADES), 3) == round(float(expected), 3)


def test_weighted_kappa_is_undefined_when_both_give_one_grade_throughout():
    assert weighted_kappa([GOOD, GOOD], [GOOD, GOOD], GRADES) is None
    assert weighted_kappa([], [], GRADES) is None


def test_within_one_grade():
    assert within_one(GOOD, RI, GRADES) and within_one(GOOD, GOOD, GRADES)
    assert not within_one(OUTSTANDING, RI, GRADES)
    assert not within_one(GOOD, None, GRADES)


GRADE_QUESTION = CalibrationQuestion("overall_grade", "Overall grade", GRADES, ordinal=True)
MET_QUESTION = CalibrationQuestion("consent", "Consent handled properly", ("yes", "partly", "no"))


def test_question_report_gives_spread_agreement_and_kappa():
    report = question_report(GRADE_QUESTION, {"P1": GOOD, "P2": RI, "P3": INADEQUATE, "P4": None}, reference=GOOD)
    assert report.spread == {OUTSTANDING: 0, GOOD: 1, RI: 1, INADEQUATE: 1}
    assert report.answered == 3 and report.not_answered == 1
    assert report.exact == 1 and report.within_one == 2
    assert report.exact_share == pytest.approx(1 / 3)
    expected = statsmodels_fleiss([[0, 1, 1, 1]], method="fleiss")
    assert round(report.kappa, 3) == round(float(expected), 3)
    assert report.kappa_note is None


def test_a_question_everyone_answered_alike_has_no_kappa_and_says_why():
    report = question_report(MET_QUESTION, {"P1": "yes", "P2": "yes", "P3": "yes"}, reference="yes")
    assert report.kappa is None
    assert "everyone gave the same answer" in report.kappa_note
    assert report.exact == 3 and report.within_one is None  # not an ordinal grade


def test_a_single_participant_has_agreement_but_no_kappa():
    report = question_report(GRADE_QUESTION, {"P1": GOOD}, reference=RI)
    assert report.exact == 0 and report.within_one == 1
    assert report.kappa is None and "two or more" in report.kappa_note


def test_an_auditor_who_never_answered_counts_as_not_answered_and_changes_no_sum():
    with_them = question_report(GRADE_QUESTION, {"P1": GOOD, "P2": RI, "P3": None}, reference=GOOD)
    without = question_report(GRADE_QUESTION, {"P1": GOOD, "P2": RI}, reference=GOOD)
    assert with_them.not_answered == 1 and without.not_answered == 0
    assert with_them.kappa == without.kappa and with_them.exact_share == without.exact_share


def test_the_report_names_the_widest_spread_and_each_participants_weighted_kappa():
    questions = [GRADE_QUESTION, MET_QUESTION,
                 CalibrationQuestion("safety_grade", "Safety grade", GRADES, ordinal=True)]
    answers = {"P1": {"overall_grade": GOOD, "consent": "yes", "safety_grade": GOOD},
               "P2": {"overall_grade": INADEQUATE, "consent": "yes", "safety_grade": RI},
               "P3": {"overall_grade": OUTSTANDING, "consent": "yes", "safety_grade": GOOD},
               "P4": {}}
    reference = {"overall_grade": GOOD, "consent": "yes", "safety_grade": RI}
    report = calibration_report(questions, answers, reference)
    assert [q.question.id for q in report.widest_spread] == ["overall_grade"]
    assert report.participants == ["P1", "P2", "P3", "P4"]
    for name in ("P1", "P2", "P3"):
        theirs = [answers[name]["overall_grade"], answers[name]["safety_grade"]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's 0/0 is our None
            expected = cohen_kappa_score(theirs, [GOOD, RI], labels=list(GRADES), weights="linear")
        got = report.participant_kappa[name]
        assert (got is None and math.isnan(expected)) or round(got, 3) == round(float(expected), 3)
    assert report.participant_kappa["P4"] is None
