"""Calibration exercises (issue 26): auditors grade one case apart from any programme, and their
answers are compared with each other and with reference answers. Kept in tables of their own so
that nothing here is ever counted as a case audit or reaches a programme's findings."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_app.extensions import db
from qa_app.models.base import Stateful, Transition, stored_as_value, utcnow
from qa_app.models.user import User


class ExerciseStatus(enum.StrEnum):
    DRAFT = "draft"  # the QA lead is checking the case text and reference answers
    OPEN = "open"  # released to the invited auditors
    CLOSED = "closed"  # the report can be read

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ExerciseSource(enum.StrEnum):
    MODERATED_AUDIT = "moderated_audit"
    CASE_STUDY = "case_study"


EXERCISE_TRANSITIONS = {
    "edit": Transition(frozenset({ExerciseStatus.DRAFT}), ExerciseStatus.DRAFT,
                       "The exercise has been released, so its case and reference answers can no longer change"),
    "release": Transition(frozenset({ExerciseStatus.DRAFT, ExerciseStatus.OPEN}), ExerciseStatus.OPEN,
                          "The exercise has closed"),
    "answer": Transition(frozenset({ExerciseStatus.OPEN}), ExerciseStatus.OPEN,
                         "The exercise is not open for answers"),
    "close": Transition(frozenset({ExerciseStatus.OPEN}), ExerciseStatus.CLOSED,
                        "Only an open exercise can be closed"),
}


class CalibrationExercise(Stateful, db.Model):
    TRANSITIONS = EXERCISE_TRANSITIONS

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[ExerciseSource] = mapped_column(stored_as_value(ExerciseSource, 20))
    # Where the case came from; the participants never see the audit itself.
    case_audit_id: Mapped[int | None] = mapped_column(ForeignKey("case_audit.id"))
    # What participants read: the case study as written, or the moderated audit's case with
    # pseudonyms for ids, as the QA lead reviewed it before release.
    case_text: Mapped[str] = mapped_column(Text, default="")
    questionnaire_id: Mapped[str] = mapped_column(String(60))
    questionnaire_version: Mapped[int]
    reference_answers: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> answer
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ExerciseStatus] = mapped_column(stored_as_value(ExerciseStatus, 20),
                                                   default=ExerciseStatus.DRAFT)
    # Rounds: the same case graded again later. The first round's id names the series.
    round_number: Mapped[int] = mapped_column(default=1)
    first_round_id: Mapped[int | None] = mapped_column(ForeignKey("calibration_exercise.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    participants: Mapped[list["CalibrationParticipant"]] = relationship(
        back_populates="exercise", order_by="CalibrationParticipant.id")
    attachments: Mapped[list["CalibrationAttachment"]] = relationship(order_by="CalibrationAttachment.id")
    created_by: Mapped[User | None] = relationship()

    @property
    def series_id(self) -> int:
        return self.first_round_id or self.id

    def released(self, at: datetime) -> None:
        self._take("release")
        self.released_at = self.released_at or at

    def close(self, at: datetime) -> None:
        self._take("close")
        self.closed_at = at


class CalibrationParticipant(db.Model):
    """An invited auditor and their answers, which nobody else reads before the exercise closes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("calibration_exercise.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    exercise: Mapped[CalibrationExercise] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("exercise_id", "user_id", name="uq_calibration_participant"),)


class CalibrationAttachment(db.Model):
    """A file given with a case study, kept as action evidence is: checked, under a random name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("calibration_exercise.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
