"""Column specifications: which headings a reader needs, how each cell is parsed, and the
row loop that turns a table into checked values with every problem reported.

Headings are matched the way real files vary: first exactly (ignoring case, spaces and
punctuation, and a pivot table's "Sum of" prefix), then by the column's pattern, as
liia-tools does for the child id (any heading like `.*child.*id.*`). The heading row is the
first of the first 20 non-blank rows that has every required heading, or three known ones, so
a merged title row above the headings is skipped."""
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from audit_tools.readers.common import BadValue, ImportReport, header_key
from audit_tools.readers.tables import Table, plain_heading

ENOUGH_HEADINGS = 3


@dataclass(frozen=True)
class Column:
    field: str
    headings: tuple[str, ...]  # accepted headings; the first is the one we name in messages
    parse: Callable
    required: bool = False
    pattern: str | None = None  # a regular expression tried on headings no column matched exactly
    # Optional: no measure or sample rests on it, so a bad cell may be left blank when the QA
    # lead chooses (docs/decisions.md). Required and measure columns always refuse the file.
    optional: bool = False
    check: Callable | None = None  # (value, report) -> what is wrong, or None: a check needing the import day

    @property
    def name(self) -> str:
        return self.headings[0]


def match_headings(headings: list[str], columns: list[Column]) -> dict[str, tuple[int, str]]:
    """{field: (index, how)} for the columns found; how is "exact" or "pattern"."""
    keys = [header_key(plain_heading(h)) for h in headings]
    found, used = {}, set()
    for column in columns:
        for name in column.headings:
            key = header_key(name)
            index = next((i for i, k in enumerate(keys) if k == key and i not in used), None)
            if index is not None:
                found[column.field] = (index, "exact")
                used.add(index)
                break
    for column in columns:
        if column.field in found or not column.pattern:
            continue
        regex = re.compile(column.pattern, re.I)
        index = next((i for i, h in enumerate(headings) if h and i not in used and regex.search(h)), None)
        if index is not None:
            found[column.field] = (index, "pattern")
            used.add(index)
    return found


def _heading_row(table: Table, columns: list[Column]) -> int:
    required = {c.field for c in columns if c.required}
    for index, (_, cells) in enumerate(table.first_rows):
        headings = [str(h).strip() if h is not None else "" for h in cells]
        found = match_headings(headings, columns)
        if required <= found.keys() or len(found) >= min(ENOUGH_HEADINGS, len(columns)):
            return index
    return 0 if table.first_rows else -1


def checked_rows(table: Table, columns: list[Column], report: ImportReport,
                 label: str = "", id_column: Column | None = None) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {field: value}) for rows whose cells all parse. Problems go to the
    report; a missing required column is reported once and no rows are read. What was found
    where (the heading row, each heading and the column it was read as) goes to report.layout.
    A refused row's good `id_column` value goes to the report too, for the duplicate check."""
    positions = find_columns(table, columns, report, label)
    if positions is None:
        return
    blank_bad = report.blank_bad_optional
    # The hot loop of every import: plain tuples and locals, no attribute look-ups per cell.
    plan = [(c.field, positions.get(c.field, -1), c.parse, c.required, c.name, c.optional, c.check)
            for c in columns]
    for number, cells in table.rows:
        report.rows_read += 1
        values, row_ok, width = {}, True, len(cells)
        for field, index, parse, required, name, optional, check in plan:
            raw = cells[index] if 0 <= index < width else None
            try:
                value = parse(raw)
                if check is not None and value is not None and (wrong := check(value, report)):
                    raise BadValue(wrong.removeprefix("expected "))
            except BadValue as problem:
                if optional and blank_bad:
                    report.blank(f"row {number}", name, raw, f"expected {problem}")
                    values[field] = None
                    continue
                report.error(f"row {number}", name, raw, f"expected {problem}", blankable=optional)
                row_ok = False
                continue
            if value is None and required:
                report.error(f"row {number}", name, None, "expected a value: this column cannot be blank")
                row_ok = False
            values[field] = value
        if row_ok:
            yield number, values
        elif id_column is not None:
            report.row_refused(f"row {number}", id_column.name, values.get(id_column.field))


def find_columns(table: Table, columns: list[Column], report: ImportReport,
                 label: str = "") -> dict[str, int] | None:
    """Take the table's heading row and find each column: {field: index}, or None when a
    required column is missing (reported). What was found where goes to report.layout."""
    table.take_headings(_heading_row(table, columns))
    prefix = f"{label}: " if label else ""
    found = match_headings(table.headings, columns)
    place = f"{table.where}, " if table.where else ""
    report.layout.append(f"{prefix}{place}headings on row {table.heading_row}")
    for column in columns:
        if column.field in found:
            index, how = found[column.field]
            report.headings.append([label, table.headings[index], column.name, how])
        elif column.required:
            report.error(f"row {table.heading_row}", column.name, None,
                         f"a column headed '{column.name}' (headings found: "
                         f"{', '.join(h for h in table.headings if h) or 'none'})")
    positions = {field: index for field, (index, _) in found.items()}
    used = set(positions.values())
    report.dropped_columns = [h for i, h in enumerate(table.headings) if h and i not in used]
    return positions if report.ok else None


def event_date(value, report: ImportReport) -> str | None:
    """Referral, plan and enquiry dates: not after the import day, not before 1990."""
    return report.event_date_problem(value)


def birth_date(value, report: ImportReport) -> str | None:
    """A date of birth may be an unborn child's expected date, up to 40 weeks ahead (the CIN
    census's own allowance, rule 8606), but no later."""
    latest = report.today + timedelta(days=280)
    if value > latest:
        return (f"expected a date of birth no later than {latest:%d/%m/%Y} (40 weeks after the day "
                "of import, for an unborn child's expected date)")
    return None


def plan_dates_in_order(start, end, location, column, report) -> bool:
    """A plan that ends before it starts is an error, not a warning."""
    if end is not None and end < start:
        report.error(location, column, end.isoformat(),
                     f"expected an end date on or after the start date ({start.isoformat()})")
        return False
    return True
