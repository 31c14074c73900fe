"""What the case data covers, set against the period a report is asked for.

A board pack for a year the data never reaches would be all zeros and "No change", and one
for a year the data stops half-way through would look like a collapse. So before a report is
made we say, per source, which dates its data runs from and to, and whether the period is
covered in full, in part, or not at all."""
from dataclasses import dataclass
from datetime import date


class NotCovered(ValueError):
    """The period lies wholly outside the data."""


@dataclass(frozen=True)
class SourceRange:
    name: str  # "Referrals", "Child protection plans"
    first: date | None
    last: date | None

    def line(self) -> str:
        if self.first is None or self.last is None:
            return f"{self.name}: no data loaded."
        return f"{self.name}: {self.first:%-d %B %Y} to {self.last:%-d %B %Y}."


@dataclass(frozen=True)
class Coverage:
    start: date
    end: date
    sources: tuple[SourceRange, ...]
    kind: str  # "full", "partial" or "none"
    data_ends: date | None  # the last day every source with data reaches, when before the period's end
    data_starts: date | None  # the first day every source with data reaches, when after the period's start

    @property
    def partial(self) -> bool:
        return self.kind == "partial"

    def reason(self) -> str:
        """One sentence a QA lead or a board reader can act on."""
        span = f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        held = " ".join(s.line() for s in self.sources)
        if self.kind == "none":
            return f"The case data does not cover any of {span}. {held}"
        if self.kind == "partial":
            parts = []
            if self.data_starts:
                parts.append(f"starts on {self.data_starts:%-d %B %Y}")
            if self.data_ends:
                parts.append(f"ends on {self.data_ends:%-d %B %Y}")
            return (f"The case data covers only part of {span}: it {' and '.join(parts)}, so figures for "
                    f"the period are to date, not for the whole period. {held}")
        return f"The case data covers the whole of {span}."


def coverage_of(start: date, end: date, sources: list[SourceRange]) -> Coverage:
    """Full when every source with data runs from the period's start to its end; none when no
    source has a single day inside the period; partial otherwise."""
    held = [s for s in sources if s.first is not None and s.last is not None]
    if not held or all(s.last < start or s.first > end for s in held):
        return Coverage(start, end, tuple(sources), "none", None, None)
    ends = min(s.last for s in held)
    starts = max(s.first for s in held)
    data_ends = ends if ends < end else None
    data_starts = starts if starts > start else None
    kind = "partial" if data_ends or data_starts else "full"
    return Coverage(start, end, tuple(sources), kind, data_ends, data_starts)
