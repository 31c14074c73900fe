"""Hostile questionnaire files: aliases, wrong types and huge strings are refused quickly and
with a short message, before anything is built from them."""
import time

import pytest

from audit_tools.questionnaires import QuestionnaireError, parse_questionnaire
from tests.audit_tools.test_questionnaires import GOOD

# The 595-byte file from the review: nine levels of nine aliases each.
BILLION_LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
) + "id: *i\n"


def refused(text):
    with pytest.raises(QuestionnaireError) as error:
        parse_questionnaire(text, "upload.yaml")
    return error.value


def test_nested_aliases_are_refused_at_once_with_a_short_message():
    started = time.perf_counter()
    error = refused(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1
    assert "alias" in error.problem and len(str(error)) < 400


def test_an_alias_in_a_hint_is_refused():
    text = GOOD.replace("{id: when, label: \"When?\", type: date}",
                        "{id: when, label: &l \"When?\", type: date, hint: *l}")
    assert "alias" in refused(text).problem


@pytest.mark.parametrize("change, path", [
    (("type: date}", "type: date, prefill: [a, b]}"), "sections[0].questions[2].prefill"),
    (("type: date}", "type: date, prefill: someone.else}"), "sections[0].questions[2].prefill"),
    (("type: date}", "type: date, hint: [1, 2]}"), "sections[0].questions[2].hint"),
    (("type: date}", "type: date, required: maybe}"), "sections[0].questions[2].required"),
    (("type: date}", "type: date, colour: red}"), "sections[0].questions[2]"),
    (("title: Only", "title: [Only]"), "sections[0].title"),
    (("title: Only", "title: Only\n    lead_only: 3"), "sections[0].lead_only"),
    (("version: 2", "version: 99999999999999999999"), "version"),
    (("max_length: 10", "max_length: 99999999999"), "sections[0].questions[1].max_length"),
    (("title: Tiny", "title: " + "T" * 5000), "title"),
    (("label: \"When?\"", "label: \"" + "W" * 5000 + "\""), "sections[0].questions[2].label"),
])
def test_every_field_has_a_strict_type_and_a_length_cap(change, path):
    error = refused(GOOD.replace(*change))
    assert error.path == path
    assert len(str(error)) < 400


def test_the_good_file_still_loads():
    assert parse_questionnaire(GOOD, "good.yaml").version == 2
