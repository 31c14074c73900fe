"""The information governance report: generated from the code, so it cannot drift from it."""
import ast
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from config import privacy_notice_file_from
from qa_app.access import ENDPOINT_ROLES, PUBLIC_PAGES
from qa_app.extensions import db
from qa_app.models import Role
from qa_app.models.data_map import (CATEGORIES, DATA_MAP, EXPORT_TREATMENTS, NO_ONE, NOT_PERSONAL, SPECIAL,
                                    SUBJECTS, classified_but_gone, unclassified_columns)
from qa_app.services.governance.controls import CONTROLS, IN_PLACE
from qa_app.services.governance.report import ROLE_ORDER
from tests import test_access
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user
from tests.workbook_checks import (CSV_ALL_SHEETS, check_workbook, libreoffice_convert, need_libreoffice,
                                   table_rows)

ROOT = Path(__file__).resolve().parent.parent


def test_every_column_of_every_table_is_in_the_data_map():
    missing = unclassified_columns(db.metadata)
    assert not missing, (
        "These columns have no data-map classification: " + ", ".join(missing) + ". Add an entry for each "
        "\"table.column\" to DATA_MAP in qa_app/models/data_map.py (whose data: child/family/staff/none; "
        "personal or special category; where it comes from; what exports do with it).")
    gone = classified_but_gone(db.metadata)
    assert not gone, f"DATA_MAP in qa_app/models/data_map.py classifies columns that no longer exist: {gone}"


def test_a_column_without_a_classification_is_named_with_where_to_add_it():
    from sqlalchemy import Column, Integer, MetaData, Table
    metadata = MetaData()
    Table("child", metadata, Column("child_id", Integer), Column("shoe_size", Integer))
    assert unclassified_columns(metadata) == ["child.shoe_size"]


def test_each_classification_uses_the_maps_own_words():
    for key, use in DATA_MAP.items():
        assert use.subject in SUBJECTS and use.category in CATEGORIES and use.export in EXPORT_TREATMENTS, key
        # Data about no one is not personal; data about someone is.
        assert (use.subject == NO_ONE) == (use.category == NOT_PERSONAL), key
    special = {key for key, use in DATA_MAP.items() if use.category == SPECIAL}
    assert {"child.ethnicity", "child.disability", "cp_plan.category", "case_audit.answers"} <= special


def write_report(app, out):
    result = app.test_cli_runner().invoke(args=["governance", "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "governance-report.md", out / "governance-report.xlsx"


@pytest.fixture
def report(app, tmp_path):
    with app.app_context():
        make_user(Role.ADMIN)
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                           [["C1", "R1", "2015-04-01", "NFA", "", "North"]]))
    return write_report(app, tmp_path / "report")


def test_the_report_is_markdown_and_an_accessible_workbook_with_every_section(report):
    markdown, workbook = report
    text = markdown.read_text(encoding="utf-8")
    for heading in ("## Data map", "## Who sees what", "## Row rules", "## What is logged", "## Retention",
                    "## Security controls"):
        assert heading in text
    assert "| child | ethnicity | child | special category |" in text
    wb = check_workbook(workbook, "Casefile QA information governance report")
    assert wb.sheetnames == ["Cover", "Contents", "Notes", "Data map", "Who sees what", "Row rules",
                             "What is logged", "Retention", "Security controls"]
    data_map = {(r["Table"], r["Column"]): r for r in table_rows(wb["Data map"])}
    assert data_map[("child", "child_id")]["In exports"] == "pseudonymised"
    assert data_map[("cp_plan", "category")]["Sensitivity"] == "special category"
    assert len(data_map) == len(DATA_MAP)
    logged = {r["Event"]: r for r in table_rows(wb["What is logged"])}
    assert logged["case_read"]["Kind"] == "read of case records"
    assert "for the life of the database" in logged["login"]["Kept"]
    retention = [r["Records"] for r in table_rows(wb["Retention"])]
    assert "closed audit programme: case_audit" in retention and "closed audit programme: action_update" in retention


def test_the_reports_access_matrix_is_the_one_the_access_tests_enforce(app, report):
    wb = load_workbook(report[1])
    rows = table_rows(wb["Who sees what"])
    from_report = {r["Endpoint"]: frozenset(role for role in ROLE_ORDER if r[role.label] == "yes")
                   for r in rows if r["Methods"] and r[ROLE_ORDER[0].label] != "anyone"}
    enforced = {endpoint: frozenset(role for role in Role if role in ENDPOINT_ROLES[endpoint])
                for endpoint in test_access.MATRIX}
    assert from_report == enforced
    declared = {endpoint: app.view_functions[endpoint].required_roles for endpoint in from_report}
    assert from_report == declared
    public = {r["Endpoint"] for r in rows if r[ROLE_ORDER[0].label] == "anyone"}
    assert public == set(PUBLIC_PAGES) == (set(test_access.PUBLIC_PAGES) | {"auth.resume"} | set(test_access.SIGN_IN_STEPS)
                                           | set(test_access.FEEDBACK_STEPS))  # issue 25: the family's pages
    assert all(r["Address"] for r in rows), "every endpoint in the report is a real route"


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_security_control_names_tests_that_exist():
    for control in CONTROLS:
        if control.status == IN_PLACE:
            assert control.tests, f"{control.control!r} is claimed in place but names no test"
        else:
            assert not control.tests, f"{control.control!r} is not in place yet names tests"
        for test_id in control.tests:
            file_name, name = test_id.split("::")
            path = ROOT / file_name
            assert path.is_file(), f"{control.control!r} cites {test_id}: no such file"
            assert name in _test_names(path), f"{control.control!r} cites {test_id}: no such test"


def test_the_report_opens_in_libreoffice(report, tmp_path):
    need_libreoffice()
    out = tmp_path / "converted"
    libreoffice_convert([report[1]], CSV_ALL_SHEETS, out, tmp_path / "profile")
    libreoffice_convert([report[1]], "pdf", out, tmp_path / "profile")
    assert (out / "governance-report.pdf").read_bytes().startswith(b"%PDF")
    controls = (out / "governance-report-Security controls.csv").read_text(encoding="utf-8")
    assert "Area,Control,Status,Proved by,Where" in controls
    assert "Err:" not in controls and "#NAME?" not in controls


def test_files_holding_records_are_readable_only_by_their_owner(app, report, tmp_path):
    for path in report:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "s.csv", REFERRAL_HEADINGS,
                                           [["C9", "R9", "2015-04-01", "NFA", "", ""]]))
        admin = make_user(Role.ADMIN)
    sar = tmp_path / "sar.xlsx"
    result = app.test_cli_runner().invoke(args=["subject-access", "C9", str(sar), "--by", admin.email])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(sar.stat().st_mode) == 0o600
    backup = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_a_report_over_an_old_one_replaces_it(app, report):
    markdown, _ = report
    markdown.write_text("stale")
    write_report(app, markdown.parent)
    assert markdown.read_text(encoding="utf-8").startswith("# Casefile QA information governance report")


def test_the_report_refuses_a_file_for_its_folder(app, tmp_path):
    (tmp_path / "taken").write_text("x")
    result = app.test_cli_runner().invoke(args=["governance", "report", "--out", str(tmp_path / "taken")])
    assert result.exit_code != 0


def test_production_tells_browsers_to_use_https_only(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers
    app.config["SESSION_COOKIE_SECURE"] = True  # as in production, behind the council's TLS proxy
    response = app.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- the privacy notice ---------------------------------------------------------------------

def test_the_privacy_notice_is_public_and_linked_from_every_pages_footer(client, login_as):
    page = client.get("/privacy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Privacy notice for Casefile QA users" in html and "data protection officer" in html
    login_as(Role.AUDITOR)
    assert 'href="/privacy">Privacy notice</a>' in client.get("/").get_data(as_text=True)


def test_the_council_sets_the_privacy_notice_text_in_a_file(app, client, tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text("## Who we are\nNorthshire Council is the controller.\n\n- your name\n- <b>your email</b>\n",
                      encoding="utf-8")
    app.config["PRIVACY_NOTICE_FILE"] = str(notice)
    html = client.get("/privacy").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m">Who we are</h2>' in html
    assert "Northshire Council is the controller." in html
    assert "<li>&lt;b&gt;your email&lt;/b&gt;</li>" in html  # text, never markup
    assert "data protection officer" not in html  # the default text is gone


def test_a_privacy_notice_file_that_is_not_there_stops_the_app_starting(tmp_path):
    with pytest.raises(RuntimeError, match="PRIVACY_NOTICE_FILE"):
        privacy_notice_file_from(str(tmp_path / "missing.txt"))
    assert privacy_notice_file_from("") is None
