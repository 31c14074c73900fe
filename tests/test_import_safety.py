"""Hostile and mislabelled files are refused before they are parsed, and nothing is written."""
import io
import zipfile
from pathlib import Path

import pytest

from qa_app.extensions import db
from qa_app.models import ImportBatch, Role
from tests.case_data_helpers import FIXTURES, REFERRAL_HEADINGS, counts, import_file, write_csv
from tests.helpers import post_form

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol3;</LAchildID></ChildIdentifiers></Child></Children></Message>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&xxe;</LAchildID></ChildIdentifiers></Child></Children></Message>"""


def refused(app, kind, path):
    with app.app_context():
        batch = import_file(kind, path)
        assert counts() == (0, 0)
    assert batch.status == "failed"
    return batch.errors[0]["expected"]


@pytest.mark.parametrize("xml, words", [(BILLION_LAUGHS, "DTD"), (EXTERNAL_ENTITY, "DTD"),
                                        ("<Message><Children><Child>", "not well-formed")])
def test_xml_entity_tricks_and_broken_xml_are_refused(app, tmp_path, xml, words):
    path = tmp_path / "census.xml"
    path.write_text(xml)
    assert words in refused(app, "cin-census", path)


def test_a_csv_named_xlsx_is_refused_as_not_a_workbook(app, tmp_path):
    path = write_csv(tmp_path / "refs.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-04-01", "NFA", "", ""]])
    renamed = path.rename(tmp_path / "refs.xlsx")
    assert "not an Excel workbook" in refused(app, "referrals", renamed)


def test_a_workbook_named_csv_is_refused_as_a_spreadsheet(app, tmp_path):
    path = tmp_path / "annex.csv"
    path.write_bytes((FIXTURES / "Annex_A.xlsx").read_bytes())
    assert "this is a spreadsheet" in refused(app, "referrals", path)


def _workbook_shell(archive):
    archive.writestr("[Content_Types].xml", "<Types/>")
    archive.writestr("xl/workbook.xml", "<workbook/>")


def test_a_zip_bomb_is_refused_before_it_is_opened(app, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _workbook_shell(archive)
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    assert "zip bomb" in refused(app, "referrals", path)


def test_a_workbook_with_thousands_of_parts_is_refused(app, tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        _workbook_shell(archive)
        for number in range(1_001):
            archive.writestr(f"xl/media/{number}.bin", b"x")
    assert "parts" in refused(app, "referrals", path)


def test_an_annex_a_without_its_lists_is_refused(app, tmp_path):
    from openpyxl import Workbook
    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    assert "not an Ofsted Annex A return" in refused(app, "annex-a", path)


def test_an_uploads_file_name_is_never_used_as_a_path(app, client, login_as, tmp_path):
    login_as(Role.QA_LEAD)
    content = b"child_id,referral_id,referral_date,decision\nC1,R1,2015-04-01,NFA\n"
    response = post_form(client, "/data/imports/new", {
        "kind": "referrals", "file": (io.BytesIO(content), "../../../../tmp/casefile-evil.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert not Path("/tmp/casefile-evil.csv").exists()
    with app.app_context():
        batch = db.session.scalars(db.select(ImportBatch)).one()
    assert batch.file_name == "casefile-evil.csv"


def test_the_wrong_kind_of_file_for_the_choice_is_refused_on_the_form(client, login_as):
    login_as(Role.QA_LEAD)
    html = post_form(client, "/data/imports/new", {
        "kind": "annex-a", "file": (io.BytesIO(b"a,b\n1,2\n"), "annex.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Ofsted Annex A workbook (XLSX) must be a .xlsx file" in html
    assert "<title>Error: Load case data" in html


def test_uploads_over_the_size_limit_are_refused(app, client, login_as):
    login_as(Role.QA_LEAD)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = post_form(client, "/data/imports/new", {
        "kind": "referrals", "file": (io.BytesIO(b"x" * 20_000), "big.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
