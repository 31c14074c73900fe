"""The report of a closed calibration exercise: who may read what of it, the rounds of the same
case compared, and the workbook export."""
from dataclasses import dataclass, replace

from sqlalchemy import select

from audit_tools.calibration import CalibrationQuestion, CalibrationReport, calibration_report
from audit_tools.workbooks.calibration_workbook import RoundSummary, calibration_spec
from audit_tools.workbooks.layout import file_name, write_workbook
from qa_app.db import read_transaction, write_transaction
from qa_app.extensions import db
from qa_app.models import CalibrationExercise, ExerciseStatus, Role
from qa_app.services.audit_trail import record_event
from qa_app.services.calibration.exercises import (CalibrationRefused, exercise_for, graded_questions,
                                                   participant_of)
from qa_app.services.exports import check_may_export, export_lines, export_marking


@dataclass
class ParticipantRow:
    name: str
    answers: dict  # question id -> answer
    same: int
    compared: int
    kappa: float | None


@dataclass
class RoundRow:
    question: CalibrationQuestion
    exact_shares: list  # per round, oldest first
    kappas: list


@dataclass
class ReportView:
    exercise: CalibrationExercise
    report: CalibrationReport
    everyone: bool  # a QA lead's view; an auditor sees only their own row
    rows: list[ParticipantRow]
    round_list: list[CalibrationExercise]
    rounds: list[RoundRow]


def _key(participant) -> str:
    return f"P{participant.id}"


def report_of(exercise: CalibrationExercise) -> CalibrationReport:
    """Everyone invited is a participant; one who never submitted has no answers."""
    answers = {_key(p): (p.answers if p.submitted_at is not None else {}) for p in exercise.participants}
    return calibration_report(graded_questions(exercise), answers, exercise.reference_answers)


def rounds_of(exercise: CalibrationExercise) -> list[CalibrationExercise]:
    """The closed rounds of this exercise's case up to and including this one."""
    series = exercise.series_id
    return list(db.session.scalars(select(CalibrationExercise).where(
        (CalibrationExercise.id == series) | (CalibrationExercise.first_round_id == series),
        CalibrationExercise.status == ExerciseStatus.CLOSED,
        CalibrationExercise.round_number <= exercise.round_number).order_by(CalibrationExercise.round_number)))


def _round_rows(report: CalibrationReport, reports: list[CalibrationReport]) -> list[RoundRow]:
    rows = []
    for question in report.questions:
        theirs = [next((q for q in r.questions if q.question.id == question.question.id), None) for r in reports]
        rows.append(RoundRow(question.question, [t.exact_share if t else None for t in theirs],
                             [t.kappa if t else None for t in theirs]))
    return rows


def report_for(exercise_id: int, user) -> ReportView | None:
    """None when the user may not see the exercise at all (a 404); refused before close."""
    exercise = exercise_for(exercise_id, user)
    if exercise is None:
        return None
    if exercise.status != ExerciseStatus.CLOSED:
        raise CalibrationRefused({"_state": "The report is ready when the exercise closes"})
    report = report_of(exercise)
    everyone = user.has_role(Role.QA_LEAD)
    by_key = {_key(p): p for p in exercise.participants}
    if everyone:
        keys = report.participants
        names = {k: by_key[k].user.display_name for k in keys}
    else:
        mine = participant_of(exercise, user)
        keys, names = [_key(mine)], {_key(mine): "You"}
        # The group's spread and agreement stay; who answered what does not.
        report = replace(report, questions=[replace(q, answers={k: v for k, v in q.answers.items() if k in keys})
                                            for q in report.questions],
                         participant_kappa={k: report.participant_kappa[k] for k in keys},
                         participant_exact={k: report.participant_exact[k] for k in keys})
    rows = [ParticipantRow(names[k], {q.question.id: q.answers.get(k) for q in report.questions},
                           *report.participant_exact[k], report.participant_kappa[k]) for k in keys]
    round_list = rounds_of(exercise)
    return ReportView(exercise, report, everyone, rows, round_list,
                      _round_rows(report, [report_of(r) for r in round_list]))


def export_report(exercise_id: int, target, *, user, names: bool = False) -> str:
    """The report as a workbook for a QA lead; participants are "Participant 1, 2…" unless the
    QA lead chooses names. Returns the file name to offer."""
    check_may_export(user, False)
    with read_transaction():
        exercise = db.session.get(CalibrationExercise, exercise_id)
        if exercise is None or exercise.status != ExerciseStatus.CLOSED:
            raise CalibrationRefused({"_state": "The report can be exported once the exercise closes"})
        report = report_of(exercise)
        by_key = {_key(p): p for p in exercise.participants}
        shown = {k: (by_key[k].user.display_name if names else f"Participant {n}")
                 for n, k in enumerate(report.participants, 1)}
        rounds = [RoundSummary(r.round_number, report_of(r)) for r in rounds_of(exercise)]
        widest = ", ".join(q.question.label for q in report.widest_spread) or "none: every question was answered alike"
        cover = [("Exercise", [exercise.title, f"Round {exercise.round_number}, closed on {exercise.closed_at:%d %B %Y}."]),
                 ("What this is", [f"The calibration report of {exercise.title}, round {exercise.round_number}: "
                                   f"{len(report.participants)} auditors invited, each grading the same case "
                                   "apart. These answers are not audits and are in no programme's figures.",
                                   f"Questions with the widest spread: {widest}."]),
                 ("This export", export_lines(user, identifiable=None)
                  + [("Participants are named, as the QA lead chose." if names else
                      "Participants are pseudonymised: Participant 1, 2… in the order they were invited.")])]
        spec = calibration_spec(title=f"Calibration report: {exercise.title}", cover=cover, report=report,
                                names=shown, rounds=rounds, marking=export_marking(False))
    rows = write_workbook(spec, target)
    name = file_name("calibration", f"exercise {exercise.id}", f"round {exercise.round_number}",
                     "named" if names else "")
    with write_transaction():
        record_event("calibration_exported", actor=user, object_type="calibration_exercise", object_id=exercise.id,
                     details={"file_name": name, "names": names, "rows": rows})
    return name
