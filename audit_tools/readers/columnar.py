"""The house CSV read a whole column at a time (Polars), for big files that are all good.

The row path (columns.checked_rows) stays the definition: every cell here goes through the
same parse and check functions, once per distinct value, and a file is only read this way
when the result is certain to be what the row path gives. Anything else (a bad or blank
required cell, an end date before its start, quoting, a title row above the headings, an
encoding other than UTF-8) returns None, and the caller reads the file row by row, which
names every bad cell by row and column exactly as it always has.

The frame holds the checked values in the staging tables' column order, with each row's
location ("row 12"), so staging and everything after it are shared with the row path.
"""
from dataclasses import dataclass
import polars as pl

from audit_tools.readers.columns import Column, find_columns
from audit_tools.readers.common import (BadValue, ImportReport, parse_child_id, parse_date,
                                        parse_identifier)
from audit_tools.readers.safety import check_file
from audit_tools.readers.tables import MAX_CELL, open_csv

# Cells that clean_text and the id parsers return unchanged: printable ASCII, no spaces, at
# most 64 characters. Every other id cell goes through the parser itself.
_PLAIN_ID = r"^[\x21-\x7e]{1,64}$"


@dataclass
class CheckedFrame:
    """A file's rows, every cell checked: (location, *fields) in the columns' order."""
    frame: pl.DataFrame
    fields: tuple[str, ...]
    ids_unique: bool  # no id twice in the file (else the shared duplicate check names them)


def read_checked_csv(path, file_name: str, columns: list[Column], id_field: str,
                     report: ImportReport, dates_in_order: tuple[str, str] | None = None) -> CheckedFrame | None:
    """The file's checked rows, with what the headings were recorded in `report`; or None,
    leaving `report` untouched, when the file needs the row path."""
    encoding = check_file(path, file_name, "csv")  # the same refusals as the row path, first
    if encoding != "utf-8-sig":
        return None
    data = _file_bytes(path)
    # Quoting, NUL bytes and a lone carriage return are read subtly differently by csv and
    # Polars; such files take the row path.
    if b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    scratch = ImportReport(report.file, today=report.today, blank_bad_optional=report.blank_bad_optional)
    table = open_csv(path, encoding)
    try:
        positions = find_columns(table, columns, scratch)
        first_number = table.heading_row
    finally:
        table.close()
    if positions is None or first_number != 1:
        return None
    width = len(table.headings)
    try:
        raw = pl.read_csv(data, has_header=False, skip_rows=1, infer_schema=False,
                          schema={f"c{i}": pl.String for i in range(width)})
    except Exception:  # ragged rows and the like: the row path says what is wrong
        return None
    del data
    # Row numbers as the csv module counts records; all-empty rows are skipped, as there.
    raw = raw.with_row_index("number", offset=2).filter(~pl.all_horizontal(pl.exclude("number").is_null()))
    if raw.height and raw.select(pl.max_horizontal(pl.exclude("number").str.len_chars().max())).item() > MAX_CELL:
        return None
    checked = [pl.format("row {}", pl.col("number")).alias("location")]
    for column in columns:
        index = positions.get(column.field)
        cells = pl.col(f"c{index}") if index is not None else pl.lit(None, dtype=pl.String)
        values = _checked_column(raw, cells, column, scratch)
        if values is None:
            return None
        checked.append(values.alias(column.field))
    frame = raw.select(checked)
    del raw
    if frame.height == 0:
        return None  # the row path says the file has no rows
    required = [c.field for c in columns if c.required]
    if frame.select(pl.any_horizontal(pl.col(required).is_null()).any()).item():
        return None
    if dates_in_order:
        start, end = dates_in_order
        if frame.select((pl.col(end) < pl.col(start)).any()).item():
            return None
    report.layout.extend(scratch.layout)
    report.headings.extend(scratch.headings)
    report.dropped_columns = scratch.dropped_columns
    report.rows_read += frame.height
    return CheckedFrame(frame, tuple(c.field for c in columns),
                        ids_unique=frame.get_column(id_field).is_unique().all())


def _file_bytes(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _checked_column(raw: pl.DataFrame, cells: pl.Expr, column: Column, report: ImportReport) -> pl.Expr | None:
    """The column's values as an expression over `raw`, or None if any cell is bad."""
    plain = None
    if column.parse is parse_child_id or getattr(column.parse, "identifier", False):
        plain = cells.str.contains(_PLAIN_ID)
        distinct = raw.select(cells.filter(~plain & cells.is_not_null()).unique()).to_series()
    else:
        distinct = raw.select(cells.unique()).to_series()
    mapping = {}
    for cell in distinct.to_list():
        try:
            value = column.parse(cell)
            if column.check is not None and value is not None and column.check(value, report):
                return None
        except BadValue:
            return None
        mapping[cell] = value
    kind = pl.Date if column.parse is parse_date else pl.String
    nulls = mapping.pop(None, None)
    looked_up = cells.replace_strict(mapping, default=nulls, return_dtype=kind) if mapping \
        else pl.lit(nulls, dtype=kind)
    if plain is None:
        return looked_up
    return pl.when(plain).then(cells).otherwise(looked_up)


def identifier(what: str):
    """parse_identifier for one kind of id, marked so the columnar reader may pass plain ids
    through without calling it for each of a million cells."""
    def parse(value):
        return parse_identifier(value, what)
    parse.identifier = True
    return parse
