"""Workbooks laid out as the Government Analysis Function's "Releasing statistics in
spreadsheets" asks: a Cover sheet, a Contents sheet, a Notes sheet, then one data sheet per
table, each with its title in A1, the protective marking, one line saying what the table shows
and one Excel table with a single header row, starting in column A, with no merged cells.

Everything is written in openpyxl's write-only mode, so a sheet of 400,000 answers streams to
disk rather than sitting in memory. Write-only tables need their columns declared by hand; we
declare them from the same header text we write, so Excel never has to "repair" the file.
"""
import math
import re
import warnings
from itertools import chain
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from audit_tools.workbooks.safe import clean_text, is_risky, plain_value

LANGUAGE = "en-GB"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
# Shorthands for a missing value, each explained on the Notes sheet.
NOT_AVAILABLE, NOT_APPLICABLE, SUPPRESSED = "[x]", "[z]", "[c]"
SHORTHAND_NOTES = [
    (NOT_AVAILABLE, "Not available: the value is missing or was not recorded."),
    (NOT_APPLICABLE, "Not applicable: the question or measure does not apply here."),
    (SUPPRESSED, "Too small to show: withheld so that a child cannot be recognised."),
]
FORMATS = {"text": None, "number": None, "count": "#,##0", "rate": "0.0", "percent": "0.0%",
           "decimal": "0.000", "date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}
WIDTHS = {"text": 24, "number": 12, "count": 12, "rate": 12, "percent": 12, "decimal": 12,
          "date": 13, "datetime": 17}
HEADER_ROW = 4  # A1 title, A2 marking, A3 what the table shows, then the table
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,254}$")
CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[RrCc])$")
CHART_ROWS = 18  # rows between the tops of two charts stacked beside one table
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
LINK_FONT = Font(underline="single", color="0563C1")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
# Printing on A4 within the default margins, in column-width units at 100%: a table wider than
# the page prints across pages rather than shrinking below MIN_SCALE (at "fit to one page wide"
# a wide table printed at 55%, its Actions sheet at about 5 pt).
PRINTABLE_WIDTH = {True: 128, False: 86}  # landscape, portrait
MIN_SCALE = 70
FOOTER_PAGES = "Page &P of &N"
HEADER_FOOTER_LIMIT = 255  # characters Excel allows in a print header or footer, codes included
LINE_POINTS = 15  # one line of 11 pt text
CHART_COLUMNS = 11  # the columns an 18 cm chart spans from its anchor


_plain_chart_frame = SpreadsheetDrawing._chart_frame


def _chart_frame_with_alt_text(self, idx):
    """openpyxl has no API for a chart's alt text (the Analysis Function asks for it): the text
    belongs in `descr` on the drawing's non-visual properties, so we set it where openpyxl builds
    that frame, from the `alt_text` our charts carry. (A subclass would lose openpyxl's
    serialisation, which is collected per class.)"""
    frame = _plain_chart_frame(self, idx)
    chart = self.charts[idx - 1] if idx <= len(self.charts) else None
    if getattr(chart, "alt_text", None):
        frame.nvGraphicFramePr.cNvPr.descr = chart.alt_text
        frame.nvGraphicFramePr.cNvPr.title = getattr(chart, "alt_title", None)
    return frame


SpreadsheetDrawing._chart_frame = _chart_frame_with_alt_text


class LayoutError(ValueError):
    """A workbook Excel would call damaged: a bad sheet or table name, or a bad header."""


@dataclass
class Column:
    name: str
    kind: str = "text"  # a key of FORMATS
    width: float | None = None


@dataclass
class Chart:
    """A native bar chart of some of the table's columns, drawn beside the table."""
    title: str
    summary: str  # one line above the chart saying what it shows, and the chart's alt text
    categories: int  # index of the column holding the category labels
    values: Sequence[int]  # indexes of the columns drawn as series
    horizontal: bool = False
    y_title: str = ""
    x_title: str = ""


@dataclass
class Sheet:
    name: str
    title: str
    description: str
    table_name: str
    columns: list[Column]
    rows: Iterable[Sequence]
    charts: list[Chart] = field(default_factory=list)


@dataclass
class WorkbookSpec:
    title: str
    cover: list[tuple[str, list[str]]]  # (heading, lines)
    notes: list[tuple[str, str]]  # ("[note 1]", text)
    sheets: list[Sheet]
    marking: str = DEFAULT_MARKING
    contents_descriptions: dict = field(default_factory=dict)  # sheet name -> line for Contents


def check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or SHEET_NAME_FORBIDDEN.search(name) or name.startswith("'") \
            or name.endswith("'") or name.lower() == "history":
        raise LayoutError(f"{name!r} cannot be a sheet name: 1 to 31 characters, none of []:*?/\\")


def check_table_name(name: str) -> None:
    if not TABLE_NAME.match(name) or CELL_LIKE.match(name):
        raise LayoutError(f"{name!r} cannot be a table name: letters, digits, _ and . only, "
                          "starting with a letter, and not like a cell reference")


def header_names(columns: list[Column]) -> list[str]:
    names = [clean_text(c.name).replace("\n", " ").replace("\r", " ").strip() for c in columns]
    seen = set()
    for name in names:
        if not name or name.lower() in seen:
            raise LayoutError(f"Table headers must be present and different: {name!r}")
        seen.add(name.lower())
    return names


def cell(ws, value, kind="text", font=None, alignment=None):
    """A value ready to append: plain where it needs no style (fast), a styled cell otherwise.
    None, NaN and infinity become the "not available" shorthand."""
    value = NOT_AVAILABLE if value is None else plain_value(value)
    if value is None:
        value = NOT_AVAILABLE
    if isinstance(value, str):
        risky = is_risky(value)
        if not (risky or font or alignment):
            return value
        written = WriteOnlyCell(ws)
        written._value, written.data_type = value, "s"  # never a formula, whatever it starts with
        written.quotePrefix = risky
    else:
        number_format = FORMATS.get(kind)
        if not (number_format or font or alignment):
            return value
        written = WriteOnlyCell(ws, value)
        if number_format:
            written.number_format = number_format
    if font:
        written.font = font
    if alignment:
        written.alignment = alignment
    return written


def _prepare(ws, marking: str, landscape=True) -> None:
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking
    ws.oddFooter.right.text = FOOTER_PAGES
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = False


def _print_scale(ws, widths: list[float], landscape=True) -> None:
    """The largest scale, down to MIN_SCALE, that fits the table one page wide; a wider table
    runs on to further pages."""
    ws.page_setup.scale = max(MIN_SCALE, min(100, math.floor(100 * PRINTABLE_WIDTH[landscape] / sum(widths))))


def lines_needed(text: str, width: float) -> int:
    """How many lines wrapped text takes in a column this wide (about one character per unit)."""
    # Arithmetic, not textwrap: this runs for every long answer of a 400,000-cell Cases sheet.
    # A tenth more than the characters allows for words carried to the next line.
    per_line = max(1, int(width * 0.95))
    return sum(max(1, math.ceil(len(part) * 1.1 / per_line)) for part in str(text).split("\n"))


def _row_height(ws, row_number: int, lines: int) -> None:
    if lines > 1:
        ws.row_dimensions[row_number].height = LINE_POINTS * lines + 2


def _add_table(ws, name: str, headers: list[str], last_row: int) -> None:
    ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last_row}"
    table = Table(displayName=name, name=name, ref=ref)
    table._initialise_columns()
    # Write-only sheets cannot be read back, so the column names are declared here, exactly
    # as the header cells were written.
    table.tableColumns = [TableColumn(id=i, name=header) for i, header in enumerate(headers, 1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    with warnings.catch_warnings():  # its reminder to do what the line above has done
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
        ws.add_table(table)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and plain_value(value) is not None


def charted_series(spec: Chart, rows: list) -> list[int]:
    """The chart's columns that hold at least one number: a series that is all [x] (no SN
    figure loaded, say) would be an empty legend entry that reads like a zero."""
    return [i for i in spec.values if any(_is_number(row[i]) for row in rows)]


def _whole_step(largest: float) -> int:
    """A whole-number tick step giving about five ticks: counts have no halves."""
    rough = max(1.0, largest / 5)
    magnitude = 10 ** (len(str(int(rough))) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= rough)


def _chart(ws, spec: Chart, last_row: int, series: list[int], kinds: list[str], rows: list) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if spec.horizontal else "col"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.title = spec.x_title or None
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes by default
    chart.width, chart.height = 18, 8.5
    # A value axis from zero, or 27.1% beside 24.0% looks like double.
    chart.y_axis.scaling.min = 0
    value_kinds = {kinds[i] for i in series}
    if value_kinds == {"percent"}:
        chart.y_axis.scaling.max = 1
        chart.y_axis.number_format, chart.y_axis.majorUnit = "0%", 0.2
    elif value_kinds == {"count"}:
        largest = max((row[i] for row in rows for i in series if _is_number(row[i])), default=1)
        chart.y_axis.number_format, chart.y_axis.majorUnit = "#,##0", _whole_step(largest)
    else:
        chart.y_axis.number_format = "#,##0"
    chart.y_axis.numFmt.sourceLinked = False
    chart.alt_text, chart.alt_title = spec.summary.removeprefix("Chart: "), spec.title
    for index in series:
        chart.add_data(Reference(ws, min_col=index + 1, min_row=HEADER_ROW, max_row=last_row),
                       titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=spec.categories + 1, min_row=HEADER_ROW + 1, max_row=last_row))
    return chart


def _title_rows(ws, title: str, marking: str, description: str, widths: list[float] | None = None) -> None:
    """Title, marking and what the table shows. The description wraps in column A when it is
    longer than the table is wide, so it prints in full inside the print area."""
    ws.append([cell(ws, title, font=TITLE_FONT)])
    ws.append([cell(ws, marking, font=BOLD)])
    first_page = PRINTABLE_WIDTH[True] * 100 / (ws.page_setup.scale or 100)
    if widths and len(description) > min(sum(widths), first_page) * 0.9:
        _row_height(ws, 3, lines_needed(description, widths[0]))
        ws.append([cell(ws, description, alignment=WRAP)])
    else:
        ws.append([cell(ws, description)])


def write_data_sheet(wb, sheet: Sheet, marking: str) -> int:
    headers = header_names(sheet.columns)
    ws = wb.create_sheet(sheet.name)
    _prepare(ws, marking)
    widths = [column.width or WIDTHS.get(column.kind, 14) for column in sheet.columns]
    widths[0] = max(widths[0], 24)  # room for the description above the table to wrap in
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _print_scale(ws, widths)
    chart_column = len(headers) + 2
    if sheet.charts:
        ws.column_dimensions[get_column_letter(chart_column)].width = 14
    if sheet.charts:  # a chart's series are chosen from its values: chart tables are small
        sheet.rows = list(sheet.rows)
        chart_rows = sheet.rows
    rows = iter(sheet.rows)
    first = next(rows, None)
    description = sheet.description if first is not None else (
        f"{sheet.description} There is nothing to show: the one row of the table says [x].")
    _title_rows(ws, sheet.title, marking, description, widths)
    # Row number -> the chart summary written beside the table on that row.
    summaries = {HEADER_ROW + n * CHART_ROWS: chart.summary for n, chart in enumerate(sheet.charts)}
    gap = [None]

    def beside(row_number):
        summary = summaries.get(row_number)
        return gap + [cell(ws, summary, font=BOLD)] if summary else []

    # Headers wrap within their columns, so each prints in full ("Rate per 10,0" no more).
    _row_height(ws, HEADER_ROW, max(lines_needed(h, w) for h, w in zip(headers, widths)))
    ws.append([cell(ws, h, font=BOLD, alignment=HEADER_ALIGNMENT) for h in headers] + beside(HEADER_ROW))
    kinds = [c.kind for c in sheet.columns]
    width = len(kinds)
    # Text longer than its column wraps in the cell (multi-line text stays in one cell).
    limits = [w * 0.95 if k == "text" else None for w, k in zip(widths, kinds)]
    row_number = HEADER_ROW
    for row in chain([first], rows) if first is not None else ():
        row_number += 1
        if len(row) != width:
            raise LayoutError(f"Sheet {sheet.name}: a row has {len(row)} values for {width} columns")
        long = [i for i, (v, limit) in enumerate(zip(row, limits))
                if limit and isinstance(v, str) and (len(v) > limit or "\n" in v)]
        if long:
            _row_height(ws, row_number, max(lines_needed(row[i], widths[i]) for i in long))
            values = [cell(ws, v, k, alignment=WRAP if i in long else None)
                      for i, (v, k) in enumerate(zip(row, kinds))]
        else:
            values = [cell(ws, v, k) for v, k in zip(row, kinds)]
        if row_number in summaries:
            values += beside(row_number)
        ws.append(values)
    if row_number == HEADER_ROW:  # an Excel table needs a data row: say nothing is there
        row_number += 1
        ws.append([NOT_AVAILABLE] * width + beside(row_number))
    last_row = row_number
    for later in sorted(r for r in summaries if r > last_row):
        ws.append([None] * width + beside(later))
    _add_table(ws, sheet.table_name, headers, last_row)
    # Print the table; the charts beside it print on a page of their own.
    areas = [f"A1:{get_column_letter(width)}{last_row}"]
    if sheet.charts:
        areas.append(f"{get_column_letter(chart_column)}{HEADER_ROW}:"
                     f"{get_column_letter(chart_column + CHART_COLUMNS - 1)}{HEADER_ROW + len(sheet.charts) * CHART_ROWS}")
    ws.print_area = areas
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    for n, chart in enumerate(sheet.charts):
        series = charted_series(chart, chart_rows)
        if not series:  # the summary beside it still says what would be drawn
            continue
        anchor = f"{get_column_letter(chart_column)}{HEADER_ROW + n * CHART_ROWS + 1}"
        ws.add_chart(_chart(ws, chart, last_row, series, kinds, chart_rows), anchor)
    return last_row - HEADER_ROW


def _cover(wb, spec: WorkbookSpec) -> None:
    ws = wb.create_sheet("Cover")
    _prepare(ws, spec.marking, landscape=False)
    # One column as wide as a portrait page, every line wrapped in it with room for its lines.
    width = PRINTABLE_WIDTH[False] - 2
    ws.column_dimensions["A"].width = width
    ws.page_setup.scale = 100
    ws.append([cell(ws, spec.title, font=TITLE_FONT)])
    ws.append([cell(ws, spec.marking, font=BOLD)])
    row_number = 2
    for heading, lines in spec.cover:
        ws.append([cell(ws, heading, font=BOLD)])
        row_number += 1
        for line in lines:
            row_number += 1
            _row_height(ws, row_number, lines_needed(line, width))
            ws.append([cell(ws, line, alignment=WRAP)])
    ws.print_area = f"A1:A{row_number}"


def _contents_sheet(wb, spec: WorkbookSpec, marking: str) -> None:
    """Contents as a table whose sheet names link to the sheets."""
    listed = [("Cover", "What this workbook is, where the figures come from and who made it"),
              ("Contents", "This list of sheets"),
              ("Notes", "Definitions, the shorthands for missing values and the notes the tables refer to")]
    listed += [(s.name, spec.contents_descriptions.get(s.name) or s.description) for s in spec.sheets]
    ws = wb.create_sheet("Contents")
    _prepare(ws, marking)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 28, 96
    _print_scale(ws, [28, 96])
    _title_rows(ws, "Contents", marking, "Every sheet in this workbook, with what it shows. "
                                         "Select a sheet name to go to it.")
    ws.append([cell(ws, "Sheet", font=BOLD), cell(ws, "What it shows", font=BOLD)])
    for row_number, (name, line) in enumerate(listed, HEADER_ROW + 1):
        link = cell(ws, name, font=LINK_FONT)
        link._hyperlink = Hyperlink(ref="", location=f"'{name}'!A1", display=name)
        _row_height(ws, row_number, lines_needed(line, 96))
        ws.append([link, cell(ws, line, alignment=WRAP)])
    _add_table(ws, "Contents", ["Sheet", "What it shows"], HEADER_ROW + len(listed))
    ws.print_area = f"A1:B{HEADER_ROW + len(listed)}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _notes_sheet(wb, spec: WorkbookSpec, marking: str) -> Sheet:
    rows = [[short, text] for short, text in SHORTHAND_NOTES] + [list(n) for n in spec.notes]
    return Sheet("Notes", "Notes", "Definitions used in this workbook, the shorthands that stand for "
                 "missing values, and the notes the tables refer to.", "Notes",
                 [Column("Note", width=24), Column("Text", width=100)], rows)


def check_marking(marking: str) -> None:
    """Excel refuses a header or footer over 255 characters; ours is the marking and a page number."""
    if len(marking) + len(FOOTER_PAGES) + 12 > HEADER_FOOTER_LIMIT:
        raise LayoutError(f"The protective marking is {len(marking)} characters: Excel's print header and "
                          f"footer hold {HEADER_FOOTER_LIMIT}, so keep EXPORT_MARKING under "
                          f"{HEADER_FOOTER_LIMIT - len(FOOTER_PAGES) - 12}")


def write_workbook(spec: WorkbookSpec, target) -> int:
    """Write the workbook to a path or a binary file object; returns the table rows written."""
    check_marking(spec.marking)
    names = ["Cover", "Contents", "Notes"] + [s.name for s in spec.sheets]
    tables = ["Contents", "Notes"] + [s.table_name for s in spec.sheets]
    for name in names:
        check_sheet_name(name)
    for name in tables:
        check_table_name(name)
    for sheet in spec.sheets:
        header_names(sheet.columns)
    for label, found in (("sheet", names), ("table", tables)):
        if len({n.lower() for n in found}) != len(found):
            raise LayoutError(f"Two {label}s share a name: {found}")
    wb = Workbook(write_only=True)
    wb.properties.title = spec.title
    wb.properties.language = LANGUAGE
    wb.properties.creator = "Casefile QA"
    wb.properties.keywords = spec.marking
    _cover(wb, spec)
    _contents_sheet(wb, spec, spec.marking)
    write_data_sheet(wb, _notes_sheet(wb, spec, spec.marking), spec.marking)
    rows = sum(write_data_sheet(wb, sheet, spec.marking) for sheet in spec.sheets)
    wb.save(target)
    return rows


def file_name(*parts: str, identifiable: bool = False) -> str:
    """lower-case-with-dashes.xlsx from the given parts (programme, period), ASCII only."""
    words = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts if p)
    words = re.sub(r"-{2,}", "-", words).strip("-") or "export"
    # "Re-referrals Q1" of "Q1 2014/15" is re-referrals-q1-2014-15, not ...-q1-q1-...
    tokens = words.split("-")
    words = "-".join(t for i, t in enumerate(tokens) if i == 0 or t != tokens[i - 1])
    return f"{words}{'-identifiable' if identifiable else ''}.xlsx"
