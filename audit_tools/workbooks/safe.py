"""Text from people and files, made safe to put in a spreadsheet cell.

Two dangers. Text that starts with = + - @, a tab or a carriage return is read as a formula by
Excel and LibreOffice when it is typed or imported from CSV (OWASP "CSV injection"); in a
workbook we store it as a string with Excel's quote prefix, so it is shown as written and stays
text if someone edits the cell. And characters that XML 1.0 forbids (NUL and most other control
characters) make a workbook that Excel calls corrupt; they are dropped.
"""
import math
import re
from datetime import date, datetime, timezone

# The control characters XML 1.0 refuses (tab, line feed and carriage return are allowed).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# First characters a spreadsheet may take as the start of a formula.
RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767
_TRUNCATED = " [truncated]"


def clean_text(value: str) -> str:
    """Drop characters a workbook cannot hold and cut text to the length a cell can."""
    if _INVALID_XML.search(value):
        value = _INVALID_XML.sub("", value)
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[:EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    return value


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could take this (cleaned) text for a formula, also after spaces."""
    first = text[:1]
    if first in RISKY_FIRST:
        return True
    return first.isspace() and text.lstrip(" \n\u00a0")[:1] in RISKY_FIRST


def csv_safe(value):
    """A value for a CSV cell: risky text gets a leading apostrophe, as OWASP advises."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if is_risky(value) else value


def plain_value(value):
    """Numbers, dates and text a cell can hold, or None for a value that is not a number
    (NaN, infinity) and so must be shown as a shorthand instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, (date, int, float)):
        return value
    return clean_text(str(value))
