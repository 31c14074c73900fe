"""Risky text (that a spreadsheet could take for a formula) keeps Excel's quote prefix in every
workbook the app writes as plain sheets (the subject-access export), and safe text gets none:
the prefix keeps the text as text when someone edits the cell."""
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from audit_tools.safe_workbook import write_workbook
from audit_tools.workbooks.safe import RISKY_FIRST

RISKY = ["=1+1", "+44 20 7946 0000", "-2", "@SUM(A1)", "\tx", "\rx", ' =HYPERLINK("x")', "\n+1", "\u00a0-3"]
SAFE = ["Good", "1 = 1", "x-1", "email@example.org", "", "'quoted"]


def _written(tmp_path, values, headings=("value",)):
    write_workbook(tmp_path / "w.xlsx", [("Sheet", list(headings), [[v] for v in values])])
    return [row[0] for row in load_workbook(tmp_path / "w.xlsx")["Sheet"].iter_rows(min_row=2)]


def test_risky_text_keeps_the_quote_prefix_and_safe_text_has_none(tmp_path):
    cells = _written(tmp_path, RISKY + SAFE + [5, date(2015, 4, 1)])
    for value, cell in zip(RISKY, cells):
        assert cell.data_type == "s" and cell.quotePrefix, f"{value!r} lost its quote prefix"
    for value, cell in zip(SAFE, cells[len(RISKY):]):
        assert not cell.quotePrefix, f"{value!r} was given a quote prefix"
    assert not any(c.quotePrefix for c in cells[-2:])


def test_a_risky_heading_keeps_the_quote_prefix(tmp_path):
    write_workbook(tmp_path / "w.xlsx", [("Sheet", ["=cmd|' /C calc'!A0"], [])])
    heading = load_workbook(tmp_path / "w.xlsx")["Sheet"]["A1"]
    assert heading.data_type == "s" and heading.quotePrefix


@settings(max_examples=40, deadline=None)
@given(first=st.sampled_from(RISKY_FIRST), rest=st.text(max_size=20), spaces=st.sampled_from(["", " ", "  "]))
def test_any_text_starting_like_a_formula_keeps_the_prefix(tmp_path_factory, first, rest, spaces):
    folder = tmp_path_factory.mktemp("w")
    [cell] = _written(folder, [spaces + first + rest])
    if cell.value:  # text made only of characters a workbook cannot hold is dropped
        assert cell.data_type == "s" and cell.quotePrefix, repr(spaces + first + rest)
