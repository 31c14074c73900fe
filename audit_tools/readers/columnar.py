"""The house CSV read a whole column at a time (Polars), for big files that are all good.

The row path (columns.checked_rows) stays the definition: every cell here goes through the
same parse and check functions, once per distinct value, and a file is only read this way
when the result is certain to be what the row path gives. Anything else (a bad or blank
required cell, an end date before its start, quoting, a title row above the headings, an
encoding other than UTF-8) returns None, and the caller reads the file row by row, which
names every bad cell by row and column exactly as it always has.

The frame holds the checked values in the staging tables' column order, with each row's
number in the file (its location "row 12"), so staging and everything after it are shared
with the row path.
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
    """A file's rows, every cell checked: (row, *fields) in the columns' order, `row` being
    the row's number in the file (its location is "row {row}")."""
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
    scratch = ImportReport(report.file, today=report.today, blank_bad_optional=report.blank_bad_optional)
    table = open_csv(path, encoding)
    try:
        positions = find_columns(table, columns, scratch)
        first_number = table.heading_row
    finally:
        table.close()
    if positions is None or first_number != 1:
        return None
    schema = {f"c{i}": pl.String for i in range(len(table.headings))}
    required = [c.field for c in columns if c.required]
    # Each column's cells already parsed, so a value is parsed once in the file, not once a block.
    # Ids are the exception: nearly all are different, and keeping them would hold the whole
    # file's worth of strings.
    parsed = {c.field: {} for c in columns}
    chunks = []
    # A block at a time, so memory holds the checked values and one block of text, never the
    # whole file's text or its cells as read.
    for number, block in _blocks(path):
        if block is None:
            return None
        try:
            raw = pl.read_csv(block, has_header=False, infer_schema=False, schema=schema)
        except Exception:  # ragged rows and the like: the row path says what is wrong
            return None
        # Row numbers as the csv module counts records: one a line, as there are no quotes.
        # All-empty rows are skipped, as there.
        if raw.height != block.count(b"\n") + (not block.endswith(b"\n")):
            return None
        del block
        raw = raw.with_row_index("row", offset=number).filter(~pl.all_horizontal(pl.exclude("row").is_null()))
        if raw.height == 0:
            continue
        if raw.select(pl.max_horizontal(pl.exclude("row").str.len_chars().max())).item() > MAX_CELL:
            return None
        checked = [pl.col("row")]
        for column in columns:
            index = positions.get(column.field)
            cells = pl.col(f"c{index}") if index is not None else pl.lit(None, dtype=pl.String)
            values = _checked_column(raw, cells, column, scratch, parsed[column.field])
            if values is None:
                return None
            checked.append(values.alias(column.field))
        chunk = raw.select(checked)
        del raw
        if chunk.select(pl.any_horizontal(pl.col(required).is_null()).any()).item():
            return None
        if dates_in_order:
            start, end = dates_in_order
            if chunk.select((pl.col(end) < pl.col(start)).any()).item():
                return None
        chunks.append(chunk)
    if not chunks:
        return None  # the row path says the file has no rows
    frame = pl.concat(chunks, rechunk=False)
    del chunks
    report.layout.extend(scratch.layout)
    report.headings.extend(scratch.headings)
    report.dropped_columns = scratch.dropped_columns
    report.rows_read += frame.height
    return CheckedFrame(frame, tuple(c.field for c in columns), ids_unique=_unique(frame.get_column(id_field)))


def _unique(ids: pl.Series) -> bool:
    # Extracts mostly come in id order, and ids in strictly rising order are unique without
    # the hash table of every id that counting them would take (50 MB for a million).
    if ids.len() < 2 or (ids.slice(1) > ids.slice(0, ids.len() - 1)).all():
        return True
    return ids.n_unique() == ids.len()


BLOCK = 4 << 20  # bytes of the file read at a time


def _blocks(path):
    """(number of its first row, block) for the file's lines after the headings, in blocks of
    whole lines; or, as soon as the file is seen to have quotes, a NUL byte or a lone carriage
    return, which csv and Polars read subtly differently, (None, None): such a file takes the
    row path, whatever blocks of it came before."""
    with open(path, "rb") as handle:
        headings = handle.readline()
        if _not_plain(headings):
            yield None, None
            return
        number, rest = 2, b""
        while data := handle.read(BLOCK):
            data = rest + data
            end = data.rfind(b"\n") + 1
            if end == 0:
                rest = data
                continue
            block, rest = data[:end], data[end:]
            del data
            if _not_plain(block):
                yield None, None
                return
            number = yield from _lines(number, block)
        if rest:
            if _not_plain(rest):
                yield None, None
                return
            yield from _lines(number, rest)


def _lines(number: int, block: bytes):
    """Yield the block without blank lines at its start (Polars refuses a text that starts
    with one; they are blank rows, skipped anyway); the number of the next block's first row."""
    text = block.lstrip(b"\r\n")
    if text:
        yield number + block.count(b"\n", 0, len(block) - len(text)), text
    return number + block.count(b"\n")


def _not_plain(data: bytes) -> bool:
    return b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n")


def _checked_column(raw: pl.DataFrame, cells: pl.Expr, column: Column, report: ImportReport,
                    parsed: dict) -> pl.Expr | None:
    """The column's values as an expression over `raw`, or None if any cell is bad. Values
    parsed before are taken from `parsed`; others are parsed and kept there (except ids)."""
    plain = None
    is_id = column.parse is parse_child_id or getattr(column.parse, "identifier", False)
    if is_id:
        plain = cells.str.contains(_PLAIN_ID)
        distinct = raw.select(cells.filter(~plain & cells.is_not_null()).unique()).to_series()
    else:
        distinct = raw.select(cells.unique()).to_series()
    mapping = {}
    for cell in distinct.to_list():
        if cell in parsed:
            mapping[cell] = parsed[cell]
            continue
        try:
            value = column.parse(cell)
            if column.check is not None and value is not None and column.check(value, report):
                return None
        except BadValue:
            return None
        mapping[cell] = value
        if not is_id:
            parsed[cell] = value
    # Decisions, sources, categories and teams: a few values each, kept once (4 bytes a row, not 16).
    kind = pl.Date if column.parse is parse_date else pl.String if is_id else pl.Categorical
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
