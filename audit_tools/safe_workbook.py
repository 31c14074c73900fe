"""Plain workbooks whose text can never run as a formula (the subject-access export).

The same rules as the board's workbooks (audit_tools.workbooks.safe): every text cell is a
string (data type "s"), never a formula; risky text also gets Excel's quote prefix, so it stays
text if someone edits the cell; characters a workbook cannot hold are dropped.
"""
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit_tools.workbooks.safe import clean_text, is_risky


def set_safe_value(cell, value) -> None:
    """Put a value in a cell: numbers and dates as themselves, everything else as plain text."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        cell.value = value
        return
    text = clean_text(str(value))
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = is_risky(text)


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
