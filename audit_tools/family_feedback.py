"""What families are asked about the help they had, and how their answers are counted (issue 25).

The same four questions in two wordings: one for a parent or carer, one easy-read for a child or
young person. The answers share their values, so both are counted together. Counts go through
audit_tools.suppression like every other count of families: a handful of families could be
recognised by the people who worked with them."""
from dataclasses import dataclass

from audit_tools.suppression import SUPPRESSED, is_small, shown_count, shown_share, withheld_in_group

PARENT_CARER, CHILD = "parent_carer", "child"
KINDS = {PARENT_CARER: "Parent or carer", CHILD: "Child or young person (easy read)"}


@dataclass(frozen=True)
class FamilyQuestion:
    id: str
    for_parent: str
    for_child: str
    answers: tuple  # (value, parent's wording, child's wording)

    def label(self, kind: str) -> str:
        return self.for_child if kind == CHILD else self.for_parent

    def choices(self, kind: str) -> list[tuple[str, str]]:
        return [(value, child if kind == CHILD else parent) for value, parent, child in self.answers]

    def answer_label(self, value) -> str:
        return next((parent for v, parent, _ in self.answers if v == value), "")


QUESTIONS = (
    FamilyQuestion("understood_why", "Did you understand why children's services were involved with your family?",
                   "Did you know why we were helping your family?",
                   (("yes", "Yes", "Yes"), ("partly", "Partly", "A bit"), ("no", "No", "No"))),
    FamilyQuestion("listened", "Did we listen to you?", "Did we listen to you?",
                   (("yes", "Yes", "Yes"), ("sometimes", "Sometimes", "Sometimes"), ("no", "No", "No"))),
    FamilyQuestion("things_better", "Have things got better for your family since we were involved?",
                   "Are things better for you now?",
                   (("better", "Yes, better", "Yes, better"), ("same", "About the same", "About the same"),
                    ("worse", "Worse", "Worse"))),
)
ANYTHING_ELSE = "anything_else"
ANYTHING_ELSE_FOR_PARENT = "Is there anything else you want to tell us about the help you had?"
ANYTHING_ELSE_FOR_CHILD = "Is there anything else you want to tell us?"
FREE_TEXT_MAX = 2000


def anything_else_label(kind: str) -> str:
    return ANYTHING_ELSE_FOR_CHILD if kind == CHILD else ANYTHING_ELSE_FOR_PARENT


@dataclass(frozen=True)
class AnswerTally:
    label: str
    count: object  # an int, or [c]
    share: object  # a percentage of the base, or [c]


@dataclass(frozen=True)
class QuestionTally:
    question_id: str
    label: str
    base: object  # families who answered: an int, or [c] when 1 to 5
    answers: list[AnswerTally]


def tally(answer_sets: list[dict]) -> list[QuestionTally]:
    """Counts of each answer to each question, with the number who answered as the base. A base
    of 1 to 5 withholds the whole question (each count would be one of a handful of families)."""
    tallies = []
    for question in QUESTIONS:
        given = [answers.get(question.id) for answers in answer_sets]
        counts = [sum(1 for g in given if g == value) for value, _, _ in question.answers]
        base = sum(counts)
        if is_small(base):
            tallies.append(QuestionTally(question.id, question.for_parent, SUPPRESSED,
                                         [AnswerTally(label, SUPPRESSED, SUPPRESSED)
                                          for _, label, _ in question.answers]))
            continue
        withheld = withheld_in_group(counts)
        tallies.append(QuestionTally(question.id, question.for_parent, base, [
            AnswerTally(label, shown_count(count, hide),
                        shown_share(round(100 * count / base, 1) if base else None, base, hide))
            for (_, label, _), count, hide in zip(question.answers, counts, withheld)]))
    return tallies
