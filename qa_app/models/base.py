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


def take(record, transitions: dict[str, Transition], step: str) -> None:
    """Move a record's `status` by one step of its table, or refuse."""
    transition = transitions[step]
    if record.status not in transition.starts:
        raise IllegalTransition(transition.refusal)
    record.status = transition.ends
