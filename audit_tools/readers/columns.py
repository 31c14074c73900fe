"""Column specifications: which headings a reader needs, how each cell is parsed, and the
row loop that turns a table into checked values with every problem reported."""
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from audit_tools.readers.common import BadValue, ImportReport
from audit_tools.readers.tables import Table


@dataclass(frozen=True)
class Column:
    field: str
    headings: tuple[str, ...]  # accepted headings; the first is the one we name in messages
    parse: Callable
    required: bool = False

    @property
    def name(self) -> str:
        return self.headings[0]


def checked_rows(table: Table, columns: list[Column], report: ImportReport) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {field: value}) for rows whose cells all parse. Problems go to the
    report; a missing required column is reported once and no rows are read."""
    positions = {}
    for column in columns:
        index = table.column_index(*column.headings)
        if index is None and column.required:
            report.error("row 1", column.name, None,
                         f"a column headed '{column.name}' (headings found: "
                         f"{', '.join(h for h in table.headings if h) or 'none'})")
        positions[column.field] = index
    used = {i for i in positions.values() if i is not None}
    report.dropped_columns = [h for i, h in enumerate(table.headings) if h and i not in used]
    if not report.ok:
        return
    # The hot loop of every import: plain tuples and locals, no attribute look-ups per cell.
    plan = [(c.field, -1 if positions[c.field] is None else positions[c.field], c.parse,
             c.required, c.name) for c in columns]
    for number, cells in table.rows:
        report.rows_read += 1
        values, row_ok, width = {}, True, len(cells)
        for field, index, parse, required, name in plan:
            raw = cells[index] if 0 <= index < width else None
            try:
                value = parse(raw)
            except BadValue as problem:
                report.error(f"row {number}", name, raw, f"expected {problem}")
                row_ok = False
                continue
            if value is None and required:
                report.error(f"row {number}", name, None, "expected a value: this column cannot be blank")
                row_ok = False
            values[field] = value
        if row_ok:
            yield number, values
