import enum
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import Enum


def utcnow() -> datetime:
    """Naive UTC: every timestamp in the database is UTC, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def stored_as_value(enum_class: type[enum.StrEnum], length: int) -> Enum:
    """A column type for a state: a VARCHAR holding the enum's value (not its name, and no
    database enum type), so the stored words are those the app has always written, and reading
    the column gives the enum back. An unknown value is refused before it reaches the database."""
    return Enum(enum_class, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda members: [member.value for member in members], validate_strings=True)


class IllegalTransition(ValueError):
    """A change of state the workflow does not allow from where the record is now. The message
    is for the user."""


class Transition(NamedTuple):
    starts: frozenset  # the states the step may be taken from
    ends: enum.StrEnum  # the state it leaves the record in
    refusal: str  # what the user is told when the record is in any other state


class Stateful:
    """A record whose `status` moves only by the steps of its class's TRANSITIONS table."""

    TRANSITIONS: dict[str, Transition] = {}

    def may(self, step: str) -> bool:
        return self.status in self.TRANSITIONS[step].starts

    def check(self, step: str) -> None:
        """Refuse now, before anything is changed, what the step would refuse later."""
        if not self.may(step):
            raise IllegalTransition(self.TRANSITIONS[step].refusal)

    def _take(self, step: str) -> None:
        self.check(step)
        self.status = self.TRANSITIONS[step].ends
