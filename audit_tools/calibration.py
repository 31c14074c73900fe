"""Calibration: do auditors grade one case alike, and like the reference answers?

An exercise is one case, so each question is one "subject" rated by every participant. Per
question the report gives the spread of answers, agreement with the reference (exact, and within
one grade on an ordinal scale such as Ofsted's grades) and Fleiss' kappa across participants.
Fleiss' kappa of one subject says how far the answers are from what chance would give with the
same mix: it is undefined (None) when everyone gave the same answer, since chance would then
agree perfectly too (0/0), and with fewer than two answers.

Each participant's linear-weighted Cohen's kappa against the reference is taken over the
exercise's ordinal questions together (one pair of answers per question): one question alone
gives 0/0 or a bare 0, so with few graded questions the within-one agreement says more.

Plain Python, no Flask: tests compare every kappa with statsmodels and scikit-learn.
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from audit_tools.questionnaires import Questionnaire

UNDEFINED_SAME = "Kappa is undefined: everyone gave the same answer, so agreement cannot be told from chance."
UNDEFINED_FEW = "Kappa needs answers from two or more participants."
CALIBRATED_TYPES = ("met", "grade", "choice")  # one answer from a fixed list: answers that can agree


@dataclass(frozen=True)
class CalibrationQuestion:
    id: str
    label: str
    answers: tuple[str, ...]  # the possible answers, in order (best first for an ordinal scale)
    ordinal: bool = False
    answer_labels: Mapping[str, str] | None = None

    def label_of(self, answer) -> str:
        if answer is None:
            return "Not answered"
        return (self.answer_labels or {}).get(answer, answer)


def calibration_questions(questionnaire: Questionnaire, sections=None) -> list[CalibrationQuestion]:
    """The questions whose answers can be compared: one answer from a fixed list. Ofsted's
    grades are the ordinal scale."""
    chosen = sections if sections is not None else questionnaire.sections
    return [CalibrationQuestion(q.id, q.short_label, tuple(v for v, _ in q.choices), ordinal=q.type == "grade",
                                answer_labels=dict(q.choices))
            for s in chosen for q in s.questions if q.type in CALIBRATED_TYPES]


def fleiss_kappa(subjects: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa of subjects each rated by the same number (two or more) of raters."""
    subjects = [list(s) for s in subjects]
    if not subjects or any(len(s) != len(subjects[0]) for s in subjects) or len(subjects[0]) < 2:
        return None
    raters = len(subjects[0])
    counts = [Counter(s) for s in subjects]
    observed = sum((sum(n * n for n in c.values()) - raters) / (raters * (raters - 1))
                   for c in counts) / len(subjects)
    totals = Counter()
    for c in counts:
        totals.update(c)
    chance = sum((n / (raters * len(subjects))) ** 2 for n in totals.values())
    if abs(1 - chance) < 1e-12:
        return None
    return (observed - chance) / (1 - chance)


def weighted_kappa(theirs: Sequence[str], reference: Sequence[str], scale: Sequence[str]) -> float | None:
    """Cohen's kappa with linear weights (disagreement by |i - j| steps of the scale) of one
    rater's answers against the reference, item by item."""
    pairs = [(scale.index(a), scale.index(b)) for a, b in zip(theirs, reference)]
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(abs(i - j) for i, j in pairs) / n
    rows, columns = Counter(i for i, _ in pairs), Counter(j for _, j in pairs)
    expected = sum(rows[i] * columns[j] * abs(i - j) for i in rows for j in columns) / (n * n)
    if expected == 0:
        return None
    return 1 - observed / expected


def within_one(answer, reference, scale: Sequence[str]) -> bool:
    if answer not in scale or reference not in scale:
        return False
    return abs(scale.index(answer) - scale.index(reference)) <= 1


@dataclass
class QuestionReport:
    question: CalibrationQuestion
    answers: dict  # participant -> answer or None
    reference: str | None
    spread: dict  # answer -> how many gave it, every possible answer listed
    answered: int
    not_answered: int
    exact: int | None  # None: no reference answer
    within_one: int | None  # None: not an ordinal grade, or no reference
    kappa: float | None
    kappa_note: str | None

    @property
    def exact_share(self) -> float | None:
        return self.exact / self.answered if self.exact is not None and self.answered else None

    @property
    def within_one_share(self) -> float | None:
        return self.within_one / self.answered if self.within_one is not None and self.answered else None

    @property
    def disagreement(self) -> float:
        """1 - the share of the commonest answer: 0 when all agree."""
        return 1 - max(self.spread.values()) / self.answered if self.answered else 0.0


def question_report(question: CalibrationQuestion, answers: Mapping[str, str | None],
                    reference: str | None) -> QuestionReport:
    given = [a for a in answers.values() if a is not None]
    spread = {a: 0 for a in question.answers}
    for answer in given:
        spread[answer] = spread.get(answer, 0) + 1
    exact = sum(a == reference for a in given) if reference is not None else None
    near = (sum(within_one(a, reference, question.answers) for a in given)
            if question.ordinal and reference is not None else None)
    kappa = fleiss_kappa([given]) if len(given) >= 2 else None
    note = None
    if len(given) < 2:
        note = UNDEFINED_FEW
    elif kappa is None:
        note = UNDEFINED_SAME
    return QuestionReport(question, dict(answers), reference, spread, len(given), len(answers) - len(given),
                          exact, near, kappa, note)


@dataclass
class CalibrationReport:
    questions: list[QuestionReport]
    participants: list[str]
    participant_kappa: dict  # participant -> weighted kappa over the ordinal questions, or None
    participant_exact: dict  # participant -> (answers equal to the reference, answers compared)
    overall_kappa: float | None  # Fleiss over every question all answering participants answered
    widest_spread: list[QuestionReport] = field(default_factory=list)


def calibration_report(questions: Sequence[CalibrationQuestion], answers: Mapping[str, Mapping[str, str]],
                       reference: Mapping[str, str]) -> CalibrationReport:
    """answers: participant -> {question id: answer}; a participant who never answered has {}."""
    participants = list(answers)
    reports = [question_report(q, {p: answers[p].get(q.id) for p in participants}, reference.get(q.id))
               for q in questions]
    ordinal = [q for q in questions if q.ordinal and reference.get(q.id) in q.answers]
    participant_kappa, participant_exact = {}, {}
    for p in participants:
        mine = [q for q in ordinal if answers[p].get(q.id) in q.answers]
        scale = mine[0].answers if mine else ()
        same_scale = all(q.answers == scale for q in mine)
        participant_kappa[p] = (weighted_kappa([answers[p][q.id] for q in mine], [reference[q.id] for q in mine],
                                               scale) if mine and same_scale else None)
        compared = [q for q in questions if answers[p].get(q.id) is not None and reference.get(q.id) is not None]
        participant_exact[p] = (sum(answers[p][q.id] == reference[q.id] for q in compared), len(compared))
    answering = [p for p in participants if answers[p]]
    everyone = [q for q in questions if answering and all(answers[p].get(q.id) is not None for p in answering)]
    overall = fleiss_kappa([[answers[p][q.id] for p in answering] for q in everyone]) if everyone else None
    widest = max((r.disagreement for r in reports), default=0.0)
    named = [r for r in reports if widest > 0 and abs(r.disagreement - widest) < 1e-9]
    return CalibrationReport(reports, participants, participant_kappa, participant_exact, overall, named)
