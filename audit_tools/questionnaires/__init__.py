"""Questionnaires as versioned data: YAML files with sections and questions, validated on load.

A broken file raises QuestionnaireError naming the file, the path inside it
("sections[1].questions[2].type") and the problem; it never reaches a form.
"""
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

BUILT_IN = Path(__file__).resolve().parent
MET_ANSWERS = {"yes": "Yes", "partly": "Partly", "no": "No", "not_applicable": "Not applicable",
               "not_evidenced": "Not evidenced on file"}
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
TYPES = ("met", "grade", "choice", "multiple_choice", "date", "number", "short_text", "long_text")
# A section's `agency`: "each" (a copy for every agency in the programme) or one agency's name.
AGENCIES = ("childrens_social_care", "police", "health", "education", "probation", "early_help", "other")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
QUESTIONNAIRE_ID = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")


class QuestionnaireError(ValueError):
    def __init__(self, file: str, path: str, problem: str):
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


def _require(condition, file, path, problem):
    if not condition:
        raise QuestionnaireError(file, path, problem)


def parse_questionnaire(text: str, file: str) -> Questionnaire:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        raise QuestionnaireError(file, where, f"this is not valid YAML ({getattr(error, 'problem', error)})") from None
    _require(isinstance(data, dict), file, "(top)", "expected a mapping with id, version, title and sections")
    for key, kind in (("id", str), ("version", int), ("title", str), ("sections", list)):
        _require(isinstance(data.get(key), kind) and not isinstance(data.get(key), bool), file, key,
                 f"expected {'a whole number' if kind is int else 'a list' if kind is list else 'text'}")
    _require(QUESTIONNAIRE_ID.match(data["id"]), file, "id", "expected lower-case letters, digits and _ or -")
    _require(data["version"] >= 1, file, "version", "expected 1 or more")
    _require(data["sections"], file, "sections", "expected at least one section")
    seen, sections = {}, []
    for s_index, raw_section in enumerate(data["sections"]):
        where = f"sections[{s_index}]"
        _require(isinstance(raw_section, dict), file, where, "expected a mapping")
        _require(isinstance(raw_section.get("id"), str) and IDENTIFIER.match(raw_section["id"]),
                 file, f"{where}.id", "expected an identifier such as first_plan")
        _require(isinstance(raw_section.get("title"), str), file, f"{where}.title", "expected text")
        _require(raw_section.get("agency") in (None, "each", *AGENCIES), file, f"{where}.agency",
                 f"expected 'each', one of {', '.join(AGENCIES)}, or nothing")
        questions = []
        raw_questions = raw_section.get("questions")
        _require(isinstance(raw_questions, list) and raw_questions, file, f"{where}.questions",
                 "expected a list of questions")
        for q_index, raw in enumerate(raw_questions):
            questions.append(_question(raw, file, f"{where}.questions[{q_index}]", seen))
        sections.append(Section(raw_section["id"], raw_section["title"], tuple(questions),
                                raw_section.get("agency"), bool(raw_section.get("lead_only", False))))
    return Questionnaire(data["id"], data["version"], data["title"], tuple(sections), file)


def _question(raw, file, where, seen) -> Question:
    _require(isinstance(raw, dict), file, where, "expected a mapping")
    qid = raw.get("id")
    _require(isinstance(qid, str) and IDENTIFIER.match(qid), file, f"{where}.id",
             "expected an identifier such as threshold_right")
    _require(qid not in seen, file, f"{where}.id", f"'{qid}' is already used at {seen.get(qid)}")
    _require(isinstance(raw.get("label"), str) and raw["label"].strip(), file, f"{where}.label", "expected text")
    _require(raw.get("type") in TYPES, file, f"{where}.type",
             f"'{raw.get('type')}' is not one of {', '.join(TYPES)}")
    options = raw.get("options") or []
    if raw["type"] in ("choice", "multiple_choice"):
        _require(isinstance(options, list) and len(options) >= 2, file, f"{where}.options",
                 "expected a list of at least two answers")
        _require(all(isinstance(o, str) for o in options), file, f"{where}.options",
                 "expected text answers; put quotes round answers such as \"Yes\" and \"No\", "
                 "which YAML would otherwise read as true and false")
    show_when = raw.get("show_when")
    if show_when is not None:
        _require(isinstance(show_when, dict) and isinstance(show_when.get("question"), str)
                 and isinstance(show_when.get("in"), list), file, f"{where}.show_when",
                 "expected {question: <earlier question id>, in: [answers]}")
        _require(show_when["question"] in seen, file, f"{where}.show_when.question",
                 f"'{show_when['question']}' is not an earlier question")
        # YAML reads unquoted yes and no as true and false; met answers are "yes" and "no".
        show_when = {"question": show_when["question"],
                     "in": [("yes" if v else "no") if isinstance(v, bool) else v for v in show_when["in"]]}
    max_length = raw.get("max_length")
    _require(max_length is None or (isinstance(max_length, int) and max_length > 0), file,
             f"{where}.max_length", "expected a whole number above 0")
    seen[qid] = where
    return Question(qid, raw["label"].strip(), raw["type"], raw.get("hint"), bool(raw.get("required", False)),
                    tuple(options), show_when, raw.get("prefill"), max_length)


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
            problems[question.id] = f"Select answers from the list for: {question.label}"
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
