"""Issue 11: real council files. Headings and layouts as they vary, official values, each CIN
schema year, impossible dates, and bad optional cells left blank by choice."""
from datetime import date

import pytest

from audit_tools.readers.common import BadValue, parse_category, parse_nfa, parse_referral_source
from qa_app.extensions import db
from qa_app.models import AuditEvent, Child, CPPlan, Referral
from tests.case_data_helpers import REFERRAL_HEADINGS, counts, import_file, write_csv
from tests.real_format_files import (LIST_3, LIST_7, annex_a, cin_census, cin_child, cin_details,
                                     cin_plan)

PLAN_ROW = ["C1", "a) Male", "a) WBRI", "2012-05-01", 8, "b) No", "2020-06-01", "a) Neglect",
            "a) Neglect", None, 2, "Locality 1"]


def test_a_pivot_table_heading_for_previous_plans_is_read_and_named(app, tmp_path):
    headings = [h if h != "Number of Previous Child Protection Plans" else
                "Sum of Number of Previous Child Protection Plans" for h in LIST_7]
    path = annex_a(tmp_path / "pivot.xlsx", {"List 7": (headings, [PLAN_ROW])})
    with app.app_context():
        batch = import_file("annex-a", path)
        assert batch.status == "succeeded", batch.errors
        assert db.session.scalars(db.select(CPPlan.previous_plans)).one() == 2
    assert ["List 7", "Sum of Number of Previous Child Protection Plans",
            "Number of Previous Child Protection Plans", "exact"] in batch.layout["headings"]
    assert not any("Previous" in column for column in batch.dropped_columns)


def test_child_id_heading_title_row_and_long_sheet_name_are_found(app, tmp_path):
    headings = ["Child ID"] + LIST_3[1:]
    rows = [["C7", "b) Female", "a) WBRI", "2010-01-01", 10, "2020-09-16", "q) 6: Police", "b) No", 0, "MASH", "X"]]
    path = annex_a(tmp_path / "titled.xlsx", {"List 3 - Referrals": (headings, rows)},
                   title_rows={"List 3 - Referrals": "Annex A List 3: Referrals in the last six months"})
    with app.app_context():
        batch = import_file("annex-a", path)
        assert batch.status == "succeeded", batch.errors
        referral = db.session.scalars(db.select(Referral)).one()
        assert (referral.child_id, referral.referral_date) == ("C7", date(2020, 9, 16))
    assert "List 3: sheet 'List 3 - Referrals', headings on row 2" in batch.layout["notes"]
    assert ["List 3", "Child ID", "Child Unique ID", "pattern"] in batch.layout["headings"]


def test_a_list_30_sheet_is_not_list_3(app, tmp_path):
    path = annex_a(tmp_path / "l30.xlsx", {"List 30": (LIST_3, [])})
    with app.app_context():
        batch = import_file("annex-a", path)
    assert batch.status == "failed" and "neither a 'List 3' nor a 'List 7'" in batch.errors[0]["expected"]


# Ofsted Annex A guidance, List 7 "Initial Category of Abuse" labels, and the CIN census codes.
@pytest.mark.parametrize("value, code", [
    ("a) Neglect", "NEG"), ("b) Physical abuse", "PHY"), ("c) Sexual abuse", "SAB"),
    ("d) Emotional abuse", "EMO"), ("e) Multiple/not recommended", "MUL"), ("Multiple/not recommended", "MUL"),
    ("NEG", "NEG"), ("PHY", "PHY"), ("SAB", "SAB"), ("EMO", "EMO"), ("MUL", "MUL")])
def test_every_category_of_abuse_value(value, code):
    assert parse_category(value) == code


# Annex A List 3 "Referral NFA?": a) Yes, b) No, c) Unknown; the census's xs:boolean true/false/1/0.
@pytest.mark.parametrize("value, meaning", [
    ("a) Yes", True), ("b) No", False), ("c) Unknown", "unknown"), ("Yes", True), ("No", False),
    ("Unknown", "unknown"), ("true", True), ("false", False), ("1", True), ("0", False)])
def test_every_referral_nfa_value(value, meaning):
    assert parse_nfa(value) == meaning


# DfE referral source codes as Annex A letters them, including "p1) 5D" added for early help.
@pytest.mark.parametrize("value, code", [
    ("a) 1A: Individual", "1A"), ("b) 1B: Individual", "1B"), ("c) 1C: Individual", "1C"),
    ("d) 1D: Individual", "1D"), ("e) 2A: Schools", "2A"), ("f) 2B: Education services", "2B"),
    ("g) 3A: Health services", "3A"), ("h) 3B: Health services", "3B"), ("i) 3C: Health services", "3C"),
    ("j) 3D: Health services", "3D"), ("k) 3E: Health services", "3E"), ("l) 3F: Health services", "3F"),
    ("m) 4: Housing", "4"), ("n) 5A: LA services", "5A"), ("o) 5B: LA services", "5B"),
    ("p) 5C: LA services", "5C"), ("p1) 5D: LA services", "5D"), ("q) 6: Police", "6"),
    ("r) 7: Other legal agency", "7"), ("s) 8: Other", "8"), ("t) 9: Anonymous", "9"), ("u) 10: Unknown", "10")])
def test_every_referral_source_value(value, code):
    assert parse_referral_source(value) == code


def test_an_unknown_value_is_still_refused():
    with pytest.raises(BadValue):
        parse_nfa("maybe")


def test_official_annex_a_values_import(app, tmp_path):
    referrals = [["C1", "a) Male", "a) WBRI", "2012-05-01", 8, "2020-05-01", "p1) 5D: LA services", "c) Unknown", 0, "T", "W"],
                 ["C2", "b) Female", "a) WBRI", "2012-05-01", 8, "2020-05-02", "q) 6: Police", "a) Yes", 0, "T", "W"]]
    plan = PLAN_ROW[:7] + ["e) Multiple/not recommended"] + PLAN_ROW[8:]
    path = annex_a(tmp_path / "values.xlsx", {"List 3": (LIST_3, referrals), "List 7": (LIST_7, [plan])})
    with app.app_context():
        batch = import_file("annex-a", path)
        assert batch.status == "succeeded", batch.errors
        decisions = dict(db.session.execute(db.select(Referral.child_id, Referral.decision)).all())
        # NFA unknown is not taken as NFA: with no section 47 in List 5 it is an assessment.
        assert decisions == {"C1": "assessment", "C2": "nfa"}
        assert db.session.scalars(db.select(CPPlan.category)).one() == "MUL"


@pytest.mark.parametrize("year, sex_element, sex", [
    (2021, "<GenderCurrent>1</GenderCurrent>", "Male"), (2022, "<GenderCurrent>2</GenderCurrent>", "Female"),
    (2023, "<GenderCurrent>0</GenderCurrent>", "Not known"), (2024, "<GenderCurrent>9</GenderCurrent>", "Not stated"),
    (2025, "<Sex>F</Sex>", "Female"), (2026, "<Sex>M</Sex>", "Male"), (2026, "<Sex>U</Sex>", "Unknown")])
def test_each_cin_schema_year_reads_sex_and_is_named(app, tmp_path, year, sex_element, sex):
    details = cin_details(f"{year - 1}-06-01", nfa="1", plans="")
    path = cin_census(tmp_path / f"cin-{year}.xml", year, f"{year}-03-31",
                      [cin_child("K1", sex_element=sex_element, details=details)])
    with app.app_context():
        batch = import_file("cin-census", path)
        assert batch.status == "succeeded", batch.errors
        assert db.session.get(Child, "K1").sex == sex
        assert db.session.scalars(db.select(Referral.decision)).one() == "nfa"
    assert f"CIN census schema {year - 1}/{str(year)[2:]}" in batch.layout["notes"][0]


@pytest.mark.parametrize("nfa, decision", [("true", "nfa"), ("false", "assessment"), ("1", "nfa"), ("0", "assessment")])
def test_cin_referral_nfa_booleans(app, tmp_path, nfa, decision):
    path = cin_census(tmp_path / "nfa.xml", 2025, "2025-03-31",
                      [cin_child("K1", sex_element="<Sex>F</Sex>", details=cin_details("2024-06-01", nfa=nfa))])
    with app.app_context():
        assert import_file("cin-census", path).status == "succeeded"
        assert db.session.scalars(db.select(Referral.decision)).one() == decision


@pytest.mark.parametrize("day, expected", [
    ("2999-12-31", "on or before the day of import"), ("2030-01-01", "on or before the day of import"),
    ("1985-06-01", "on or after 01/01/1990"), ("1900-01-01", "on or after 01/01/1990")])
def test_impossible_referral_dates_are_errors_naming_the_row(app, tmp_path, day, expected):
    rows = [["C1", "R1", "2020-04-01", "NFA", "", ""], ["C2", "R2", day, "NFA", "", ""]]
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        assert counts() == (0, 0)
    [error] = batch.errors
    assert (error["location"], error["column"], error["value"]) == ("row 3", "referral_date", day)
    assert expected in error["expected"]


def test_a_census_date_after_its_reference_date_is_an_error(app, tmp_path):
    details = cin_details("2024-05-01", plans=cin_plan("2024-05-10", end="2025-04-02"))
    path = cin_census(tmp_path / "late.xml", 2025, "2025-03-31", [cin_child("K1", sex_element="<Sex>M</Sex>", details=details)])
    with app.app_context():
        batch = import_file("cin-census", path)
        assert counts() == (0, 0)
    [error] = batch.errors
    assert error["column"] == "CPPendDate" and "census <ReferenceDate> (31/03/2025)" in error["expected"]


def test_a_bad_optional_cell_can_be_left_blank_on_the_command_line(app, tmp_path):
    rows = [["C1", "a) Male", "a) WBRI", 17.5, 8, "2020-05-01", "q) 6: Police", "b) No", 0, "T", "W"]]
    path = annex_a(tmp_path / "dob.xlsx", {"List 3": (LIST_3, rows)})
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import", "annex-a", str(path)])
    assert refused.exit_code == 1 and "--blank-bad-optional" in refused.output
    result = runner.invoke(args=["import", "annex-a", str(path), "--blank-bad-optional"])
    assert result.exit_code == 0, result.output
    assert "1 optional cell(s) left blank" in result.output
    assert "Left blank: dob.xlsx, List 3, row 2, column 'Date of Birth': '17.5'" in result.output
    with app.app_context():
        assert counts() == (1, 0)
        assert db.session.get(Child, "C1").date_of_birth is None
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="import_succeeded")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.details["optional_cells_left_blank"] == 1


def test_a_bad_measure_cell_is_never_left_blank(app, tmp_path):
    rows = [["C1", "a) Male", "a) WBRI", 17.5, 8, "sometime", "q) 6: Police", "b) No", 0, "T", "W"]]
    path = annex_a(tmp_path / "both.xlsx", {"List 3": (LIST_3, rows)})
    result = app.test_cli_runner().invoke(args=["import", "annex-a", str(path), "--blank-bad-optional"])
    assert result.exit_code == 1 and "Date of Referral" in result.output
    with app.app_context():
        assert counts() == (0, 0)


def test_a_census_birth_date_far_in_the_future_is_a_blankable_error(app, tmp_path):
    path = cin_census(tmp_path / "dob.xml", 2025, "2025-03-31",
                      [cin_child("K1", birth="2999-12-31", sex_element="<Sex>U</Sex>",
                                 details=cin_details("2024-06-01"))])
    with app.app_context():
        batch = import_file("cin-census", path)
        assert batch.status == "failed" and counts() == (0, 0)
        [error] = batch.errors
        assert error["column"] == "PersonBirthDate" and error["blankable"]
        assert batch.layout["can_blank_optional"]
