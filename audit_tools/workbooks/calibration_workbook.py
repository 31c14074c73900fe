"""A calibration exercise's report as a workbook, in the layout of every other export (Cover,
Contents, Notes, one table per sheet). Undefined kappas are `[z]` with a note, as the GSS
shorthand has it; participants are named only when the QA lead chose names."""
from dataclasses import dataclass

from audit_tools.calibration import CalibrationReport
from audit_tools.workbooks.layout import NOT_APPLICABLE, Column, Sheet, WorkbookSpec

KAPPA_NOTE = ("[note 1]", "Kappa is shown as [z] where it cannot be worked out: every participant gave the same "
                          "answer (agreement cannot be told from chance), fewer than two participants answered, or "
                          "a participant's graded answers and the reference each used one grade throughout.")
WEIGHTED_NOTE = ("[note 2]", "Weighted kappa is Cohen's kappa with linear weights of one participant's answers to the "
                             "graded (Ofsted grade) questions against the reference answers, all graded questions "
                             "together. With one or two graded questions it says little: read the within-one "
                             "agreement beside it.")
FLEISS_NOTE = ("[note 3]", "Fleiss' kappa per question treats the question as one item graded by every participant "
                           "who answered: 1 is full agreement, 0 what chance would give with the same mix of "
                           "answers, below 0 less agreement than chance.")


@dataclass
class RoundSummary:
    round_number: int
    report: CalibrationReport


def _kappa(value):
    return NOT_APPLICABLE if value is None else value


def _share(value):
    return NOT_APPLICABLE if value is None else value


def calibration_spec(*, title: str, cover: list, report: CalibrationReport, names: dict,
                     rounds: list[RoundSummary], marking: str) -> WorkbookSpec:
    """names: the report's participant keys -> what the workbook calls them."""
    widest = {q.question.id for q in report.widest_spread}
    by_question = [[q.question.label, q.question.label_of(q.reference) if q.reference else NOT_APPLICABLE,
                    q.answered, q.not_answered, _share(q.exact_share), _share(q.within_one_share),
                    _kappa(q.kappa), "Yes" if q.question.id in widest else "No"]
                   for q in report.questions]
    spread = [[q.question.label, q.question.label_of(answer), count, "Yes" if answer == q.reference else "No"]
              for q in report.questions for answer, count in q.spread.items()]
    participants = []
    for key in report.participants:
        same, compared = report.participant_exact[key]
        participants.append([names[key], compared, same, same / compared if compared else NOT_APPLICABLE,
                             _kappa(report.participant_kappa[key])]
                            + [q.question.label_of(q.answers.get(key)) for q in report.questions])
    question_columns = []
    seen = set()
    for q in report.questions:  # headers must differ: a repeated short label gets its id
        header = q.question.label if q.question.label.lower() not in seen else f"{q.question.label} ({q.question.id})"
        seen.add(header.lower())
        question_columns.append(Column(header, width=20))
    round_rows = []
    for q in report.questions:
        row = [q.question.label]
        for summary in rounds:
            theirs = next((r for r in summary.report.questions if r.question.id == q.question.id), None)
            row += [_share(theirs.exact_share) if theirs else NOT_APPLICABLE,
                    _kappa(theirs.kappa) if theirs else NOT_APPLICABLE]
        round_rows.append(row)
    round_columns = [Column("Question", width=40)]
    for summary in rounds:
        round_columns += [Column(f"Round {summary.round_number} same as reference", "percent", 14),
                          Column(f"Round {summary.round_number} Fleiss kappa [note 1]", "decimal", 14)]
    sheets = [
        Sheet("By question", "Agreement by question", "For each graded question: the reference answer, how many "
              "answered, the share who gave the reference answer (and, for grades, within one grade of it), "
              "Fleiss' kappa across participants, and whether it is among the widest spreads.", "by_question",
              [Column("Question", width=40), Column("Reference answer", width=22), Column("Answered", "count"),
               Column("Not answered", "count"), Column("Same as reference", "percent"),
               Column("Within one grade", "percent"), Column("Fleiss kappa [note 1] [note 3]", "decimal"),
               Column("Widest spread", width=10)], by_question),
        Sheet("Spread", "Spread of answers", "How many participants gave each answer to each graded question.",
              "spread", [Column("Question", width=40), Column("Answer", width=26), Column("Participants", "count"),
                         Column("Reference answer", width=10)], spread),
        Sheet("Participants", "Each participant against the reference", "Each participant's answers, how many "
              "matched the reference, and their weighted kappa against it.", "participants",
              [Column("Participant", width=22), Column("Answers compared", "count"), Column("Same as reference", "count"),
               Column("Share same", "percent"), Column("Weighted kappa [note 1] [note 2]", "decimal")]
              + question_columns, participants),
        Sheet("Rounds", "Rounds compared", "Each round of this case: the share who gave the reference answer and "
              "Fleiss' kappa, question by question.", "rounds", round_columns, round_rows),
    ]
    return WorkbookSpec(title, cover, [KAPPA_NOTE, WEIGHTED_NOTE, FLEISS_NOTE], sheets, marking=marking)
