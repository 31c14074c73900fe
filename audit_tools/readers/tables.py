"""Rows from CSV files and worksheets, streamed. Which row holds the headings is decided by the
reader's columns (columns.py), so a title row above the headings is skipped."""
import csv
import re
from collections.abc import Iterator
from itertools import chain

import openpyxl

from audit_tools.readers.common import FileRejected, header_key

MAX_CELL = 1 << 20
csv.field_size_limit(MAX_CELL)

HEADING_ROWS_SEARCHED = 20  # a heading row further down than this is not looked for


class Table:
    """A sheet or CSV file: every non-blank row as (row number, cells). `take_headings(row)`
    makes one of the first rows the headings; the rows after it are the data."""

    def __init__(self, rows: Iterator, close=None, where: str = ""):
        self._rows = rows
        self._close = close
        self.where = where  # "sheet 'List 3 - Referrals'", or "" for a CSV file
        self.first_rows = []
        for number, cells in rows:
            self.first_rows.append((number, list(cells)))
            if len(self.first_rows) >= HEADING_ROWS_SEARCHED:
                break
        self.heading_row = None
        self.headings: list[str] = []
        self.rows: Iterator = iter(())

    def take_headings(self, index: int) -> None:
        """Use the index-th of the first rows as headings (-1: the file has no rows)."""
        if index < 0 or not self.first_rows:
            self.heading_row, self.headings, self.rows = 1, [], iter(())
            return
        self.heading_row, cells = self.first_rows[index]
        self.headings = [str(h).strip() if h is not None else "" for h in cells]
        self.rows = chain(self.first_rows[index + 1:], self._rows)

    def close(self):
        if self._close:
            self._close()


def _non_blank(rows):
    for number, row in rows:
        if any(cell is not None and str(cell).strip() for cell in row):
            yield number, row


def _csv_rows(reader):
    """(row number, cells); a cell over the limit stops the file with a message naming its row
    (the reader cannot find the next row reliably after it)."""
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise FileRejected(f"row {number}: a cell is longer than 1 MiB ({MAX_CELL:,} characters); "
                                   "no cell of case data needs that much") from None
            raise FileRejected(f"row {number}: the CSV cannot be read ({error})") from None
        yield number, row


def open_csv(path, encoding: str) -> Table:
    handle = open(path, newline="", encoding=encoding)
    try:
        return Table(_non_blank(_csv_rows(csv.reader(handle))), handle.close)
    except FileRejected:  # the first rows are read at once: a bad one among them
        handle.close()
        raise


def open_workbook(path):
    try:
        # read_only streams rows; data_only gives the values Excel saved, not formulas.
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRejected(f"the workbook cannot be opened ({type(error).__name__})") from None


def sheet_matches(title: str, sheet_name: str) -> bool:
    """'List 3', 'list3' and 'List 3 - Referrals' are List 3; 'List 30' is not."""
    key, wanted = header_key(title), header_key(sheet_name)
    return key == wanted or (key.startswith(wanted) and not key[len(wanted)].isdigit())


def sheet_table(workbook, sheet_name: str | None = None) -> Table | None:
    if sheet_name is None:
        sheet = workbook.worksheets[0]
    else:
        exact = [ws for ws in workbook.worksheets if header_key(ws.title) == header_key(sheet_name)]
        matches = exact or [ws for ws in workbook.worksheets if sheet_matches(ws.title, sheet_name)]
        if not matches:
            return None
        sheet = matches[0]
    rows = _non_blank(enumerate(sheet.iter_rows(values_only=True), start=1))
    return Table(rows, where=f"sheet '{sheet.title}'")


_PIVOT_PREFIX = re.compile(r"^(sum|count|average|max|min) of\s+", re.I)


def plain_heading(heading: str) -> str:
    """A pivot table's heading without its summary prefix: 'Sum of Number of ...' -> 'Number of ...'."""
    return _PIVOT_PREFIX.sub("", heading.strip())
