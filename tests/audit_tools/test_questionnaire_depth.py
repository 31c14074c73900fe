"""Second security review: a questionnaire of deeply nested lists, or with a number thousands of
digits long, is a questionnaire error at once, never a long parse and a fault page."""
import time

import pytest

from audit_tools.questionnaires import QuestionnaireError, parse_questionnaire


@pytest.mark.parametrize("text", [
    "[" * 40_000,
    "sections: " + "[" * 20_000 + "]" * 20_000,
    "id: deep\nsections:\n" + "".join("  " * depth + "- \n" for depth in range(1, 400)),
])
def test_deep_nesting_is_refused_quickly(text):
    started = time.monotonic()
    with pytest.raises(QuestionnaireError, match="nested"):
        parse_questionnaire(text, "deep.yaml")
    assert time.monotonic() - started < 5  # it took 20-37 s (generous: the test machine is shared)


@pytest.mark.parametrize("number", ["9" * 5_000, "1" * 40, "-" + "7" * 5_000, "1" + "0" * 400 + ".5"])
def test_a_huge_number_is_a_questionnaire_error(number):
    with pytest.raises(QuestionnaireError, match="digits"):
        parse_questionnaire(f"id: big\nversion: {number}\ntitle: Big\nsections: []\n", "big.yaml")
