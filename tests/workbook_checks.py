"""Checks every workbook the app writes must pass: what Excel needs to open it without a
"we found a problem" repair, and the layout rules of "Releasing statistics in spreadsheets"."""
import os
import posixpath
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree
from pathlib import Path

import pytest
from openpyxl import load_workbook

from audit_tools.workbooks.layout import HEADER_ROW

MARKING = "OFFICIAL-SENSITIVE"


def check_workbook(path, title_starts: str, marking: str = MARKING):
    """Open the file with openpyxl and check it; returns the loaded workbook."""
    wb = load_workbook(path)
    assert wb.properties.title.startswith(title_starts)
    assert wb.properties.language == "en-GB"
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert wb.active.title == "Cover"
    table_names = []
    for ws in wb:
        assert len(ws.title) <= 31 and not re.search(r"[\[\]:*?/\\]", ws.title)
        assert not ws.merged_cells.ranges, f"{ws.title} has merged cells"
        assert ws["A2"].value == marking, f"{ws.title} has no marking in A2"
        assert ws.oddHeader.center.text == marking and ws.oddFooter.center.text == marking
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} holds a formula: {cell.value!r}"
        if ws.title == "Cover":
            assert not ws.tables
            continue
        assert len(ws.tables) == 1, f"{ws.title} should hold exactly one table"
        table = next(iter(ws.tables.values()))
        table_names.append(table.name)
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", table.name)
        assert table.ref.startswith(f"A{HEADER_ROW}:")
        headers = [c.value for c in ws[HEADER_ROW]][:len(table.tableColumns)]
        assert [c.name for c in table.tableColumns] == headers, f"{ws.title}: table columns differ from the header row"
        last_row = int(re.search(r"(\d+)$", table.ref).group(1))
        assert last_row > HEADER_ROW
        width = len(headers)
        below = [c.value for row in ws.iter_rows(min_row=last_row + 1, max_col=width) for c in row]
        assert not any(v is not None for v in below), f"{ws.title}: something below the table"
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=last_row, max_col=width):
            assert any(c.value is not None for c in row), f"{ws.title}: a blank row in the table"
    assert len(table_names) == len({n.lower() for n in table_names}), "duplicate table names"
    return wb


def table_rows(ws) -> list[dict]:
    """The sheet's table as dicts keyed by header."""
    table = next(iter(ws.tables.values()))
    last_row = int(re.search(r"(\d+)$", table.ref).group(1))
    headers = [c.name for c in table.tableColumns]
    return [dict(zip(headers, (c.value for c in row)))
            for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=last_row, max_col=len(headers))]


def cells_of(ws, min_row=HEADER_ROW + 1) -> list:
    return [c for row in ws.iter_rows(min_row=min_row) for c in row]


# --- LibreOffice ------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def need_libreoffice():
    if SOFFICE is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")


def libreoffice_convert(files, to: str, outdir: Path, profile: Path, timeout=240) -> subprocess.CompletedProcess:
    """Convert with a profile of this test's own, so parallel runs do not share one."""
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr, result.stderr
    return result


# --- charts, read from the file's XML ---------------------------------------------------------

NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
      "s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _rels(archive, part: str) -> dict:
    folder, name = part.rsplit("/", 1)
    path = f"{folder}/_rels/{name}.rels"
    if path not in archive.namelist():
        return {}
    root = ElementTree.fromstring(archive.read(path))
    return {r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target")))
            if not r.get("Target").startswith("/") else r.get("Target")[1:]
            for r in root.findall("rel:Relationship", NS)}


def charts_by_sheet(path) -> dict:
    """{sheet name: [(alt text from the drawing's cNvPr descr, the chart's XML root)]}"""
    found = {}
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        book_rels = _rels(archive, "xl/workbook.xml")
        for sheet in book.findall("s:sheets/s:sheet", NS):
            part = book_rels[sheet.get(f"{{{NS['r']}}}id")]
            for drawing in _rels(archive, part).values():
                if "/drawings/" not in drawing:
                    continue
                drawing_rels = _rels(archive, drawing)
                root = ElementTree.fromstring(archive.read(drawing))
                for frame in root.iter(f"{{{NS['xdr']}}}graphicFrame"):
                    descr = frame.find("xdr:nvGraphicFramePr/xdr:cNvPr", NS).get("descr")
                    chart_id = frame.find(".//c:chart", NS).get(f"{{{NS['r']}}}id")
                    chart = ElementTree.fromstring(archive.read(drawing_rels[chart_id]))
                    found.setdefault(sheet.get("name"), []).append((descr, chart))
    return found


def series_names(chart, ws) -> list[str]:
    """The header each series takes its name from."""
    names = []
    for ref in chart.iterfind(".//c:ser/c:tx/c:strRef/c:f", NS):
        names.append(ws[ref.text.split("!")[1].replace("$", "")].value)
    return names
