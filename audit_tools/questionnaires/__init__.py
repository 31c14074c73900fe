"""Questionnaires as versioned data: YAML files with sections and questions, validated on load.

A broken file raises QuestionnaireError naming the file, the path inside it
("sections[1].questions[2].type") and the problem; it never reaches a form.
"""
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from audit_tools.records import AGENCY_LABELS, GRADES

BUILT_IN = Path(__file__).resolve().parent
MET_ANSWERS = {"yes": "Yes", "partly": "Partly", "no": "No", "not_applicable": "Not applicable",
               "not_evidenced": "Not evidenced on file"}
TYPES = ("met", "grade", "choice", "multiple_choice", "date", "number", "short_text", "long_text")
# A section's `agency`: "each" (a copy for every agency in the programme) or one agency's name.
AGENCIES = tuple(AGENCY_LABELS)
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
QUESTIONNAIRE_ID = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")


class QuestionnaireError(ValueError):
    def __init__(self, file: str, path: str, problem: str):
        # Kept short whatever the file holds: a message never repeats a huge value.
        file, path, problem = file[:100], path[:100], problem[:300]
        super().__init__(f"{file}: {path}: {problem}")
        self.file, self.path, self.problem = file, path, problem


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    type: str
    hint: str | None = None
    required: bool = False
    options: tuple[str, ...] = ()
    show_when: dict | None = None  # {"question": id, "in": [answers]}
    prefill: str | None = None  # a case fact, such as "previous_referral.decision"
    max_length: int | None = None
    short: str | None = None  # the label a chart shows, where the question is too long for one

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def choices(self) -> list[tuple[str, str]]:
        if self.type == "met":
            return list(MET_ANSWERS.items())
        if self.type == "grade":
            return [(g, g) for g in GRADES]
        return [(o, o) for o in self.options]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    agency: str | None = None  # "each": one copy per agency in the programme; or one agency only
    lead_only: bool = False


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: str
    sections: tuple[Section, ...]
    source: str = field(default="", compare=False)

    def questions(self):
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions() if q.id == question_id)

    def agencies_answering(self) -> tuple[str, ...]:
        """The agencies with at least one question to answer: an agency section with none could
        never be submitted, and would keep the lead part waiting for ever."""
        return tuple(agency for agency in AGENCIES
                     if any(s.questions and s.agency in ("each", agency) for s in self.sections))


# Limits on an uploaded file: generous for a real questionnaire, small enough that no file can
# make a form or preview huge.
MAX_CHARACTERS = 200_000
MAX_VERSION = 10_000
MAX_SECTIONS, MAX_QUESTIONS, MAX_OPTIONS = 50, 200, 50
MAX_TITLE, MAX_LABEL, MAX_HINT, MAX_OPTION = 200, 500, 2_000, 200
MAX_ANSWER_LENGTH = 100_000
# A questionnaire nests a few levels (sections, questions, options); PyYAML's parser recurses
# once per level, and 40 KB of "[[[[" took it 20-37 s before failing. Numbers are versions and
# sizes: a few digits. Both are checked on the token stream, before anything is built.
MAX_DEPTH = 12
MAX_NUMBER_DIGITS = 30
_NUMBER_LIKE = re.compile(r"^[-+]?[\d_.,eE]+$")
_BRACKET_RUN = re.compile(r"(?:[\[{]\s*){%d}" % (MAX_DEPTH + 1))
# Case facts a question may be prefilled from (see qa_app.services.case_audits.prefilled).
PREFILL_FACTS = ("previous_referral.decision", "previous_plan.days")
TOP_KEYS = ("id", "version", "title", "sections")
SECTION_KEYS = ("id", "title", "agency", "lead_only", "questions")
QUESTION_KEYS = ("id", "label", "type", "hint", "required", "options", "show_when", "prefill", "max_length", "short")
MAX_SHORT = 40  # a chart's category label


def _require(condition, file, path, problem):
    if not condition:
        raise QuestionnaireError(file, path, problem)


_OPENS = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken, yaml.BlockSequenceStartToken,
          yaml.BlockMappingStartToken, yaml.BlockEntryToken)
_CLOSES = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def _refuse_aliases(text: str, file: str) -> None:
    """YAML anchors and aliases let a few hundred bytes expand to gigabytes, deep nesting makes
    the parser recurse for ever, and a number thousands of digits long is slow to read and no
    setting. Scanning the tokens costs time in proportion to the file and builds nothing, so it
    runs before loading."""
    run_of_brackets = _BRACKET_RUN.search(text)
    if run_of_brackets:  # the scanner itself reads a whole run of "[" before yielding one
        line = text.count("\n", 0, run_of_brackets.start()) + 1
        raise QuestionnaireError(file, f"line {line}", f"lists and settings are nested more than {MAX_DEPTH} deep")
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        line = f"line {token.start_mark.line + 1}"
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            raise QuestionnaireError(file, line, "anchors and aliases (& and *) are not allowed: write each value out")
        if isinstance(token, _OPENS) and not isinstance(token, yaml.BlockEntryToken):
            depth += 1
            if depth > MAX_DEPTH:
                raise QuestionnaireError(file, line, f"lists and settings are nested more than {MAX_DEPTH} deep")
        elif isinstance(token, _CLOSES):
            depth -= 1
        elif isinstance(token, yaml.BlockEntryToken) and token.start_mark.column > 2 * MAX_DEPTH * 4:
            raise QuestionnaireError(file, line, f"lists and settings are nested more than {MAX_DEPTH} deep")
        elif isinstance(token, yaml.ScalarToken) and token.plain and len(token.value) > MAX_NUMBER_DIGITS \
                and _NUMBER_LIKE.match(token.value):
            raise QuestionnaireError(file, line, f"a number of more than {MAX_NUMBER_DIGITS} digits is not "
                                                 "a setting any questionnaire has")


def _load(text: str, file: str):
    _require(len(text) <= MAX_CHARACTERS, file, "the file", f"expected {MAX_CHARACTERS:,} characters or fewer")
    try:
        _refuse_aliases(text, file)
        return yaml.safe_load(text)
    except (RecursionError, ValueError) as error:  # a file the scan let through that still cannot be read
        if isinstance(error, QuestionnaireError):
            raise
        raise QuestionnaireError(file, "the file", "this cannot be read as a questionnaire "
                                                   "(nested too deep, or a value too large)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        problem = str(getattr(error, "problem", None) or "")[:100]
        raise QuestionnaireError(file, where, f"this is not valid YAML ({problem})") from None


def _keys(raw: dict, allowed, file, where) -> None:
    unknown = sorted(str(key)[:40] for key in raw if key not in allowed)
    _require(not unknown, file, where, f"'{unknown[0] if unknown else ''}' is not a setting here; "
                                       f"expected only {', '.join(allowed)}")


def _text(raw: dict, key, file, where, limit, required=True) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    _require(isinstance(value, str) and value.strip(), file, f"{where}{key}", "expected text")
    _require(len(value) <= limit, file, f"{where}{key}", f"expected {limit:,} characters or fewer")
    return value.strip()


def _flag(raw: dict, key, file, where) -> bool:
    value = raw.get(key, False)
    _require(isinstance(value, bool), file, f"{where}{key}", "expected true or false")
    return value


def _whole_number(value, file, path, low, high) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool), file, path, "expected a whole number")
    _require(low <= value <= high, file, path,
             f"expected a whole number above 0" if value < low else f"expected {high:,} or less")
    return value


def parse_questionnaire(text: str, file: str) -> Questionnaire:
    data = _load(text, file)
    _require(isinstance(data, dict), file, "(top)", "expected a mapping with id, version, title and sections")
    _keys(data, TOP_KEYS, file, "(top)")
    questionnaire_id = _text(data, "id", file, "", 60)
    _require(QUESTIONNAIRE_ID.match(questionnaire_id), file, "id", "expected lower-case letters, digits and _ or -")
    version = _whole_number(data.get("version"), file, "version", 1, MAX_VERSION)
    title = _text(data, "title", file, "", MAX_TITLE)
    raw_sections = data.get("sections")
    _require(isinstance(raw_sections, list), file, "sections", "expected a list")
    _require(raw_sections, file, "sections", "expected at least one section")
    _require(len(raw_sections) <= MAX_SECTIONS, file, "sections", f"expected {MAX_SECTIONS} sections or fewer")
    seen, sections = {}, []
    for s_index, raw_section in enumerate(raw_sections):
        where = f"sections[{s_index}]"
        _require(isinstance(raw_section, dict), file, where, "expected a mapping")
        _keys(raw_section, SECTION_KEYS, file, where)
        _require(isinstance(raw_section.get("id"), str) and IDENTIFIER.match(raw_section["id"]),
                 file, f"{where}.id", "expected an identifier such as first_plan")
        section_title = _text(raw_section, "title", file, f"{where}.", MAX_TITLE)
        _require(raw_section.get("agency") in (None, "each", *AGENCIES), file, f"{where}.agency",
                 f"expected 'each', one of {', '.join(AGENCIES)}, or nothing")
        lead_only = _flag(raw_section, "lead_only", file, f"{where}.")
        questions = []
        raw_questions = raw_section.get("questions")
        _require(isinstance(raw_questions, list) and raw_questions, file, f"{where}.questions",
                 "expected a list of questions")
        _require(len(raw_questions) <= MAX_QUESTIONS, file, f"{where}.questions",
                 f"expected {MAX_QUESTIONS} questions or fewer")
        for q_index, raw in enumerate(raw_questions):
            questions.append(_question(raw, file, f"{where}.questions[{q_index}]", seen))
        sections.append(Section(raw_section["id"], section_title, tuple(questions),
                                raw_section.get("agency"), lead_only))
    return Questionnaire(questionnaire_id, version, title, tuple(sections), file)


def _options(raw, file, where) -> tuple[str, ...]:
    options = raw.get("options")
    if raw["type"] not in ("choice", "multiple_choice"):
        _require(options is None, file, f"{where}.options", "expected no options: only choice questions have them")
        return ()
    _require(isinstance(options, list) and 2 <= len(options) <= MAX_OPTIONS, file, f"{where}.options",
             f"expected a list of 2 to {MAX_OPTIONS} answers")
    _require(all(isinstance(o, str) for o in options), file, f"{where}.options",
             "expected text answers; put quotes round answers such as \"Yes\" and \"No\", "
             "which YAML would otherwise read as true and false")
    _require(all(o.strip() and len(o) <= MAX_OPTION for o in options), file, f"{where}.options",
             f"expected answers of 1 to {MAX_OPTION} characters")
    return tuple(options)


def _show_when(raw, file, where, seen) -> dict | None:
    show_when = raw.get("show_when")
    if show_when is None:
        return None
    _require(isinstance(show_when, dict) and set(show_when) == {"question", "in"}
             and isinstance(show_when.get("question"), str) and isinstance(show_when.get("in"), list)
             and 1 <= len(show_when["in"]) <= MAX_OPTIONS, file, f"{where}.show_when",
             "expected {question: <earlier question id>, in: [answers]}")
    _require(show_when["question"] in seen, file, f"{where}.show_when.question",
             f"'{show_when['question'][:60]}' is not an earlier question")
    _require(all(isinstance(v, bool) or (isinstance(v, str) and len(v) <= MAX_OPTION) for v in show_when["in"]),
             file, f"{where}.show_when.in", "expected a list of answers as text")
    # YAML reads unquoted yes and no as true and false; met answers are "yes" and "no".
    return {"question": show_when["question"],
            "in": [("yes" if v else "no") if isinstance(v, bool) else v for v in show_when["in"]]}


def _question(raw, file, where, seen) -> Question:
    _require(isinstance(raw, dict), file, where, "expected a mapping")
    _keys(raw, QUESTION_KEYS, file, where)
    qid = raw.get("id")
    _require(isinstance(qid, str) and IDENTIFIER.match(qid), file, f"{where}.id",
             "expected an identifier such as threshold_right")
    _require(qid not in seen, file, f"{where}.id", f"'{qid}' is already used at {seen.get(qid)}")
    label = _text(raw, "label", file, f"{where}.", MAX_LABEL)
    _require(isinstance(raw.get("type"), str) and raw["type"] in TYPES, file, f"{where}.type",
             f"'{str(raw.get('type'))[:40]}' is not one of {', '.join(TYPES)}")
    hint = _text(raw, "hint", file, f"{where}.", MAX_HINT, required=False)
    required = _flag(raw, "required", file, f"{where}.")
    options = _options(raw, file, where)
    show_when = _show_when(raw, file, where, seen)
    prefill = raw.get("prefill")
    _require(prefill is None or (isinstance(prefill, str) and prefill in PREFILL_FACTS), file, f"{where}.prefill",
             f"expected one of {', '.join(PREFILL_FACTS)}")
    max_length = raw.get("max_length")
    if max_length is not None:
        _whole_number(max_length, file, f"{where}.max_length", 1, MAX_ANSWER_LENGTH)
    seen[qid] = where
    short = _text(raw, "short", file, f"{where}.", MAX_SHORT, required=False)
    return Question(qid, label, raw["type"], hint, required, options, show_when, prefill, max_length, short)


def load_file(path) -> Questionnaire:
    path = Path(path)
    return parse_questionnaire(path.read_text(encoding="utf-8"), path.name)


def built_in() -> dict[tuple[str, int], Questionnaire]:
    return {(q.id, q.version): q for q in (load_file(p) for p in sorted(BUILT_IN.glob("*.yaml")))}


# --- answering ----------------------------------------------------------------------------

def is_shown(question: Question, answers: dict) -> bool:
    """Whether the question applies, given the answers so far (conditions look back only)."""
    if not question.show_when:
        return True
    answer = answers.get(question.show_when["question"])
    wanted = set(question.show_when["in"])
    if isinstance(answer, list):
        return bool(wanted & set(answer))
    return answer in wanted


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def check_answers(section: Section, answers: dict, submitting: bool) -> dict[str, str]:
    """Problems with a section's answers, by question id, in the GOV.UK error voice. Required
    questions are only enforced on submit, and only when shown; values are always checked."""
    problems = {}
    for question in section.questions:
        if not is_shown(question, answers):
            continue
        value = answers.get(question.id)
        if _empty(value):
            if submitting and question.required:
                verb = "Select" if question.type in ("met", "grade", "choice", "multiple_choice") else "Enter"
                problems[question.id] = f"{verb} an answer to: {question.label}"
            continue
        allowed = {value for value, _ in question.choices}
        if question.type in ("met", "grade", "choice") and value not in allowed:
            problems[question.id] = f"Select one of the answers to: {question.label}"
        elif question.type == "multiple_choice" and not set(value) <= allowed:
            problems[question.id] = f"Select answers from the list for: {question.label}"  # nosec B608: not SQL
        elif question.type == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", str(value)):
            problems[question.id] = f"Enter a number for: {question.label}"
        elif question.type == "date" and not _is_date(value):
            problems[question.id] = f"Enter a real date, like 2015-04-01, for: {question.label}"
        elif question.max_length and len(str(value)) > question.max_length:
            problems[question.id] = f"Answer in {question.max_length} characters or fewer: {question.label}"
    return problems


def _is_date(value) -> bool:
    try:
        date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def visible_answers(section: Section, answers: dict) -> dict:
    """Only the answers to questions that are shown: a hidden question's old answer is dropped."""
    return {q.id: answers[q.id] for q in section.questions if q.id in answers and is_shown(q, answers)}
