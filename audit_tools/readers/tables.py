"""Rows from CSV files and worksheets, streamed, keyed by matched headings."""
import csv
from collections.abc import Iterator

import openpyxl

from audit_tools.readers.common import FileRejected, header_key

csv.field_size_limit(1 << 20)


class Table:
    """A sheet or CSV file: its headings and an iterator of (row number, cells)."""

    def __init__(self, headings: list, rows: Iterator, close=None):
        self.headings = [str(h).strip() if h is not None else "" for h in headings]
        self.keys = [header_key(h) for h in self.headings]
        self.rows = rows
        self._close = close

    def column_index(self, *names: str) -> int | None:
        for name in names:
            key = header_key(name)
            if key in self.keys:
                return self.keys.index(key)
        return None

    def close(self):
        if self._close:
            self._close()


def open_csv(path, encoding: str) -> Table:
    handle = open(path, newline="", encoding=encoding)
    reader = csv.reader(handle)
    headings = next(reader, [])

    def rows():
        for number, row in enumerate(reader, start=2):
            if "".join(row).strip():  # skip blank lines and rows of empty cells
                yield number, row

    return Table(headings, rows(), handle.close)


def open_workbook(path):
    try:
        # read_only streams rows; data_only gives the values Excel saved, not formulas.
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRejected(f"the workbook cannot be opened ({type(error).__name__})") from None


def sheet_table(workbook, sheet_name: str | None = None) -> Table | None:
    if sheet_name is None:
        sheet = workbook.worksheets[0]
    else:
        wanted = header_key(sheet_name)
        matches = [ws for ws in workbook.worksheets if header_key(ws.title) == wanted]
        if not matches:
            return None
        sheet = matches[0]
    iterator = sheet.iter_rows(values_only=True)
    headings = list(next(iterator, ()) or ())

    def rows():
        for number, row in enumerate(iterator, start=2):
            if any(cell is not None and str(cell).strip() for cell in row):
                yield number, row

    return Table(headings, rows())
