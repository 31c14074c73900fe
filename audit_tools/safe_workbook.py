"""Plain workbooks whose text can never run as a formula.

openpyxl stores a string starting with "=" as a formula; Excel and LibreOffice may also act on
text starting with + - @, a tab or a carriage return when it is edited or re-saved as CSV. Every
text cell here is written with data type "s" (a shared string): it is shown exactly as held,
never evaluated, and nothing (no apostrophe) is added to it.
"""
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def set_safe_value(cell, value) -> None:
    """Put a value in a cell: numbers and dates as themselves, everything else as plain text."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        cell.value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32_767]
    cell.value = text
    cell.data_type = "s"


def write_workbook(path, sheets) -> None:
    """sheets: (title, headings, rows) for each sheet, in order; headings in bold, frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headings, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        for column, heading in enumerate(headings, start=1):
            cell = sheet.cell(row=1, column=column)
            set_safe_value(cell, heading)
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(column)].width = max(12, min(40, len(str(heading)) + 4))
        for row_number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                set_safe_value(sheet.cell(row=row_number, column=column), value)
        sheet.freeze_panes = "A2"
    workbook.save(path)
