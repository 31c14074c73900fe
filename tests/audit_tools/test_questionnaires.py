import pytest

from audit_tools.questionnaires import (QuestionnaireError, built_in, check_answers, is_shown,
                                        parse_questionnaire, visible_answers)
from audit_tools.records import DECISION_ANSWERS, DECISIONS

GOOD = """
id: tiny
version: 2
title: Tiny
sections:
  - id: only
    title: Only
    questions:
      - {id: right, label: "Was it right?", type: met, required: true}
      - {id: why, label: "Why not?", type: long_text, max_length: 10, required: true,
         show_when: {question: right, in: [partly, no]}}
      - {id: when, label: "When?", type: date}
"""


def test_the_built_in_questionnaires_load_and_cover_the_reports_questions():
    questionnaires = built_in()
    re_referral = questionnaires[("re-referral-audit", 1)]
    repeat = questionnaires[("repeat-cp-plan-audit", 1)]
    ids = {q.id for q in re_referral.questions()}
    assert {"earlier_threshold_right", "early_help_offered", "threshold_of_need", "overall_grade"} <= ids
    ids = {q.id for q in repeat.questions()}
    assert {"first_threshold_right", "decision_to_end_right", "first_plan_length", "second_plan_smart",
            "partners_engaged", "step_down_smart", "step_down_reviewed", "outcomes_sustained",
            "legal_planning", "overall_grade"} <= ids
    assert [s.agency for s in repeat.sections].count("each") == 1


@pytest.mark.parametrize("change, path, words", [
    (("type: met, required", "type: yesno, required"), "sections[0].questions[0].type", "'yesno' is not one of"),
    (("in: [partly, no]}}", "in: [partly, no]}}\n      - {id: right, label: Again, type: met}"),
     "sections[0].questions[2].id", "already used"),
    (("question: right,", "question: later,"), "sections[0].questions[1].show_when.question", "not an earlier question"),
    (("version: 2", "version: two"), "version", "whole number"),
    (("max_length: 10", "max_length: -1"), "sections[0].questions[1].max_length", "above 0"),
    (("sections:", "sections: [\n"), "line", "not valid YAML"),
    (("type: date}", "type: choice, options: [Yes, No]}"), "sections[0].questions[2].options", "put quotes"),
    (("title: Only", "title: Only\n    agency: fire_service"), "sections[0].agency", "expected 'each', one of"),
])
def test_broken_files_name_the_file_the_path_and_the_problem(change, path, words):
    with pytest.raises(QuestionnaireError) as error:
        parse_questionnaire(GOOD.replace(*change), "tiny.yaml")
    assert error.value.file == "tiny.yaml"
    assert error.value.path.startswith(path)
    assert words in error.value.problem


def test_conditional_questions_follow_earlier_answers():
    section = parse_questionnaire(GOOD, "tiny.yaml").sections[0]
    why = section.questions[1]
    assert not is_shown(why, {}) and not is_shown(why, {"right": "yes"})
    assert is_shown(why, {"right": "no"})
    assert visible_answers(section, {"right": "yes", "why": "old text"}) == {"right": "yes"}


def test_required_on_submit_but_not_on_draft_and_values_are_always_checked():
    section = parse_questionnaire(GOOD, "tiny.yaml").sections[0]
    assert check_answers(section, {}, submitting=False) == {}
    assert set(check_answers(section, {}, submitting=True)) == {"right"}
    assert set(check_answers(section, {"right": "no"}, submitting=True)) == {"why"}
    assert check_answers(section, {"right": "maybe"}, submitting=False) == \
        {"right": "Select one of the answers to: Was it right?"}
    assert set(check_answers(section, {"right": "no", "why": "x" * 11, "when": "31/02/2015"},
                             submitting=False)) == {"why", "when"}
    assert check_answers(section, {"right": "not_applicable"}, submitting=True) == {}


def test_every_decision_prefills_an_answer_the_re_referral_audit_offers():
    questionnaire = built_in()[("re-referral-audit", 1)]
    [question] = [q for q in questionnaire.questions() if q.prefill == "previous_referral.decision"]
    assert [DECISION_ANSWERS[d] for d in DECISIONS] == list(question.options)
