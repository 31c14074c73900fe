"""Both workbooks printed by LibreOffice on A4: nothing runs past the right margin, no page
shrinks below 70%, and every table header prints in full. Converted once per workbook."""
import html
import re
import statistics
import subprocess
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from audit_tools.workbooks.board_pack import write_board_pack
from audit_tools.workbooks.findings_workbook import write_findings_workbook
from audit_tools.workbooks.pseudonyms import Identifiable
from tests.audit_tools.test_workbooks import board_pack_data, findings_data
from tests.workbook_checks import libreoffice_convert, need_libreoffice

POINTS_PER_INCH = 72


def _pages(pdf) -> list:
    """Each page's width and its words as (x_min, x_max, height, text), from pdftotext -bbox."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for width, body in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', out, re.S):
        words = [(float(x0), float(x1), float(y1) - float(y0), html.unescape(text)) for x0, y0, x1, y1, text in
                 re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', body)]
        pages.append(SimpleNamespace(width=float(width), words=words))
    return pages


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    need_libreoffice()
    folder = tmp_path_factory.mktemp("printed")
    board, findings = folder / "board-pack.xlsx", folder / "findings.xlsx"
    write_board_pack(board_pack_data(), board)
    write_findings_workbook(findings_data(Identifiable()), findings)
    libreoffice_convert([board, findings], "pdf", folder, folder / "profile")
    return {path: _pages(path.with_suffix(".pdf")) for path in (board, findings)}


def test_no_line_runs_past_the_right_margin(printed):
    for path, pages in printed.items():
        margin = load_workbook(path)["Referrals" if "board" in path.name else "Cases"].page_margins.right
        for number, page in enumerate(pages, 1):
            edge = page.width - margin * POINTS_PER_INCH + 1
            past = [w[3] for w in page.words if w[1] > edge]
            assert not past, f"{path.name} page {number}: {past[:5]} past the right margin"


def test_every_page_prints_at_70_percent_or_more(printed):
    for path, pages in printed.items():
        # The Cover prints at 100%: its text height is the yardstick for every other page.
        full_size = statistics.median(w[2] for w in pages[0].words)
        for number, page in enumerate(pages, 1):
            if page.words:
                assert statistics.median(w[2] for w in page.words) >= 0.7 * full_size - 0.05, \
                    f"{path.name} page {number} prints below 70%"
        for ws in load_workbook(path):
            assert not ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.scale or 100) >= 70, ws.title


def test_every_header_prints_in_full_and_the_print_area_is_the_table(printed):
    for path, pages in printed.items():
        printed_words = {w[3] for page in pages for w in page.words}
        wb = load_workbook(path)
        for ws in wb.worksheets[1:]:
            table = next(iter(ws.tables.values()))
            for column in table.tableColumns:
                missing = [word for word in column.name.split() if word not in printed_words]
                assert not missing, f"{path.name} {ws.title}: {column.name!r} printed without {missing}"
            last_column = re.match(r"A\d+:([A-Z]+)\d+", table.ref).group(1)
            assert ws.print_area.split(",")[0].replace("$", "").startswith(f"'{ws.title}'!A1:{last_column}")
            assert ws.print_title_rows.replace("$", "") == "4:4", ws.title  # the header row on every page
