"""Issue 28: the DfE CIN validator's rules that move a measure. Each rule has a census file with
that one defect, refused or imported with the rule's query, and a clean twin that imports
with no warning at all. The census year is 2024/25 (ReferenceDate 31/03/2025)."""
import pytest

from qa_app.extensions import db
from qa_app.models import Referral, Role
from tests.case_data_helpers import import_file
from tests.real_format_files import cin_census

SEX = "<Sex>F</Sex>"


def child(child_id="K1", details="", birth="2015-06-01", expected=None):
    born = f"<PersonBirthDate>{birth}</PersonBirthDate>" if birth else ""
    if expected:
        born += f"<ExpectedPersonBirthDate>{expected}</ExpectedPersonBirthDate>"
    return (f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID>{born}{SEX}</ChildIdentifiers>"
            f"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>{details}</Child>")


def episode(referral="2024-06-01", nfa="false", closure=None, inside="", plans=""):
    nfa_element = "" if nfa is None else f"<ReferralNFA>{nfa}</ReferralNFA>"
    closure_element = f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure>" if closure else ""
    return (f"<CINdetails><CINreferralDate>{referral}</CINreferralDate><ReferralSource>6</ReferralSource>"
            f"<PrimaryNeedCode>N1</PrimaryNeedCode>{closure_element}{inside}{nfa_element}{plans}</CINdetails>")


def plan(start="2024-06-10", end=None, previous="0"):
    end_element = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    previous_element = "" if previous is None else f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
    return (f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{end_element}"
            f"<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>{previous_element}</ChildProtectionPlans>")


ASSESSMENT = "<Assessments><AssessmentActualStartDate>2024-06-03</AssessmentActualStartDate></Assessments>"
SECTION_47 = "<Section47><S47ActualStartDate>2024-06-04</S47ActualStartDate></Section47>"
CONFERENCE = "<DateOfInitialCPC>2024-06-20</DateOfInitialCPC>"
CIN_PLAN = "<CINPlanDates><CINPlanStartDate>2024-06-15</CINPlanStartDate></CINPlanDates>"

# rule: (the file with one defect, its clean twin); each a list of <Child> elements, or with
# the header's reference date first.
CASES = {
    "100": (("2025-03-30", [child(details=episode())]), [child(details=episode())]),
    "8510": ([child("K1", episode()), child("K1", episode("2024-07-01"))],
             [child("K1", episode()), child("K2", episode("2024-07-01"))]),
    "8568": ([child(details=episode(nfa=None))], [child(details=episode())]),
    "8630": ([child(details=episode(closure="2024-05-01"))], [child(details=episode(closure="2024-07-01"))]),
    "8831": ([child(details=episode(nfa="true", inside=ASSESSMENT))],
             [child(details=episode(nfa="false", inside=ASSESSMENT))]),
    "8832": ([child(details=episode(nfa="true", plans=plan()))], [child(details=episode(plans=plan()))]),
    "4000": ([child(details=episode(nfa="1", inside=CIN_PLAN))], [child(details=episode(nfa="0", inside=CIN_PLAN))]),
    "8730": ([child(details=episode(plans=plan(previous=None)))], [child(details=episode(plans=plan()))]),
    "8820": ([child(details=episode("2024-05-01", closure="2024-08-01") + episode("2024-07-01", closure="2024-09-01"))],
             # One episode may begin on the day the other closes.
             [child(details=episode("2024-05-01", closure="2024-08-01") + episode("2024-08-01", closure="2024-09-01"))]),
    "8815": ([child(details=episode("2024-05-01") + episode("2024-07-01"))],
             [child(details=episode("2024-05-01", closure="2024-06-01") + episode("2024-07-01"))]),
    "8816": ([child(details=episode("2024-05-01") + episode("2024-09-01", nfa="true", closure="2024-09-01"))],
             [child(details=episode("2024-05-01", closure="2024-08-01")
                    + episode("2024-09-01", nfa="true", closure="2024-09-01"))]),
    "8930": ([child(details=episode("2023-01-01", closure="2024-05-01", plans=plan("2023-01-10", "2024-02-01")))],
             [child(details=episode("2023-01-01", closure="2024-05-01", plans=plan("2023-01-10", "2024-04-01")))]),
    "1105": ([child(details=episode(plans=plan("2024-05-20")))], [child(details=episode(plans=plan("2024-06-01")))]),
    # The working day before 1 April 2024 was Thursday 28 March (Good Friday 29th, Easter Monday 1st).
    "8569Q": ([child(details=episode("2024-03-27", nfa="true", closure="2024-03-27"))],
              [child(details=episode("2024-03-28", nfa="true", closure="2024-03-28"))]),
    # 304 days before birth, against 273: the census allows 40 weeks.
    "8606": ([child(details=episode("2024-05-01"), birth="2025-03-01")],
             [child(details=episode("2024-06-01"), birth="2025-03-01")]),
}
REFUSED = {"100", "8510", "8568", "8630", "8831", "8832", "4000", "8730"}


def _census(tmp_path, name, case):
    reference_date, children = case if isinstance(case, tuple) else ("2025-03-31", case)
    return cin_census(tmp_path / f"{name}.xml", 2025, reference_date, children)


@pytest.mark.parametrize("rule", CASES)
def test_a_census_with_one_defect_is_refused_or_queried_with_the_rule_code(app, tmp_path, rule):
    defect, _ = CASES[rule]
    with app.app_context():
        batch = import_file("cin-census", _census(tmp_path, f"defect-{rule}", defect))
    if rule in REFUSED:
        assert batch.status == "failed"
        found = [e for e in batch.errors if e["expected"].startswith(f"{rule}: ")]
        assert found, batch.errors
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(Referral.id))) == 0
    else:
        assert batch.status == "succeeded", batch.errors
        found = [w for w in batch.warnings if w.get("kind") == f"rule_{rule}"]
        assert found, batch.warnings
        assert found[0]["expected"].startswith(f"Please check ({rule}): ")
    # Each finding names the child (and, for an episode's rule, the episode) and what to fix.
    assert "To fix: " in found[0]["expected"]
    if rule != "100":
        assert "(K1)" in found[0]["location"]
    if rule not in ("100", "8510"):
        assert "CINdetails" in found[0]["location"]


@pytest.mark.parametrize("rule", CASES)
def test_the_clean_twin_imports_with_no_warning(app, tmp_path, rule):
    _, clean = CASES[rule]
    with app.app_context():
        batch = import_file("cin-census", _census(tmp_path, f"clean-{rule}", clean))
    assert batch.status == "succeeded", batch.errors
    assert batch.warning_count == 0, batch.warnings


def test_a_census_header_with_no_reference_date_is_100(app, tmp_path):
    path = _census(tmp_path, "no-reference", [child(details=episode())])
    path.write_text(path.read_text().replace("<ReferenceDate>2025-03-31</ReferenceDate>", ""))
    with app.app_context():
        batch = import_file("cin-census", path)
    assert batch.status == "failed"
    assert [e["expected"][:5] for e in batch.errors] == ["100: "]


def test_an_nfa_flag_that_is_not_a_boolean_is_8568(app, tmp_path):
    with app.app_context():
        batch = import_file("cin-census", _census(tmp_path, "maybe", [child(details=episode(nfa="maybe"))]))
    assert batch.status == "failed"
    [error] = batch.errors
    assert (error["location"], error["value"]) == ("Child 1 (K1) > CINdetails 1", "maybe")
    assert error["expected"].startswith("8568: RNFA flag is missing or invalid. Expected true, false, 1 or 0")


def test_activity_on_an_nfa_referral_is_refused_for_a_section_47_or_a_conference_too(app, tmp_path):
    for name, inside in (("s47", SECTION_47), ("icpc", CONFERENCE)):
        with app.app_context():
            batch = import_file("cin-census", _census(tmp_path, name, [child(details=episode(nfa="true", inside=inside))]))
        assert batch.status == "failed"
        [error] = batch.errors
        assert error["location"] == "Child 1 (K1) > CINdetails 1"
        assert error["expected"].startswith("8831: Activity is recorded against a case marked as a "
                                            "referral with no further action")


def test_an_unborn_child_with_only_an_expected_date_is_not_warned_of_as_having_no_date_of_birth(app, tmp_path):
    unborn = [child(details=episode("2025-01-10"), birth=None, expected="2025-06-01")]
    no_date = [child("K9", episode("2025-01-10"), birth=None)]
    with app.app_context():
        batch = import_file("cin-census", _census(tmp_path, "unborn", unborn))
        assert batch.status == "succeeded" and batch.warning_count == 0, batch.warnings
        missing = import_file("cin-census", _census(tmp_path, "no-date", no_date))
    assert [w["kind"] for w in missing.warnings] == ["no_birth_date"]


def test_a_referral_within_40_weeks_before_birth_is_not_warned_of_in_any_file(app, tmp_path):
    # 8606's allowance holds for Annex A as well: only the census says when a child was born.
    from tests.real_format_files import LIST_3, annex_a
    rows = [["U1", "a) Male", "a) WBRI", "2025-03-01", 0, "2024-06-01", "q) 6: Police", "b) No", 0, "T", "W"]]
    with app.app_context():
        batch = import_file("annex-a", annex_a(tmp_path / "unborn.xlsx", {"List 3": (LIST_3, rows)}))
    assert batch.status == "succeeded" and batch.warning_count == 0, batch.warnings


def test_a_refused_census_lists_its_cell_errors_rule_errors_and_data_quality_queries_together(app, tmp_path):
    children = [
        child("K1", episode(plans=plan("10th June"))),  # a cell error
        child("K2", episode(nfa="true", inside=ASSESSMENT)),  # 8831
        child("K3", episode("2024-05-01") + episode("2024-07-01")),  # 8815, 8816, 8820: queries
        child("K4", episode(), birth=None),  # no date of birth: a data-quality query
    ]
    with app.app_context():
        batch = import_file("cin-census", _census(tmp_path, "many", children))
    assert batch.status == "failed"
    assert {e["column"] for e in batch.errors} == {"CPPstartDate", "ReferralNFA"}
    kinds = {w["kind"] for w in batch.warnings}
    assert {"rule_8815", "rule_8816", "rule_8820", "no_birth_date"} <= kinds
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Referral.id))) == 0


def test_the_cli_lists_a_refused_census_s_findings_with_code_child_and_episode(app, tmp_path):
    path = _census(tmp_path, "cli", [child("K2", episode(nfa="true", inside=ASSESSMENT)),
                                     child("K3", episode("2024-05-01") + episode("2024-07-01"))])
    result = app.test_cli_runner().invoke(args=["import", "cin-census", str(path)])
    assert result.exit_code == 1
    assert "Child 1 (K2) > CINdetails 1, column 'ReferralNFA': 'true': 8831: Activity is recorded" in result.output
    assert "Also to check: cli.xml, Child 2 (K3) > CINdetails 2" in result.output
    assert "Please check (8816)" in result.output or "Please check (8820)" in result.output


# Annex A: the same conflicts where a workbook can hold them (List 3 referrals, List 5
# section 47 enquiries, List 7 plans).
def _referral_row(child_id, day, nfa="b) No"):
    return [child_id, "a) Male", "a) WBRI", "2015-06-01", 9, day, "q) 6: Police", nfa, 0, "T", "W"]


def _plan_row(child_id, start):
    return [child_id, "a) Male", "a) WBRI", "2015-06-01", 9, "b) No", start, "a) Neglect", "a) Neglect", None, 0, "T"]


LIST_5 = ["Child Unique ID", "Strategy discussion initiating Section 47 Enquiry Start Date"]
ANNEX_A_CASES = {
    "AA8831": ({"List 3": [_referral_row("X1", "2024-06-01", "a) Yes")], "List 5": [["X1", "2024-06-10"]]},
               {"List 3": [_referral_row("X1", "2024-06-01")], "List 5": [["X1", "2024-06-10"]]}),
    "AA8832": ({"List 3": [_referral_row("X1", "2024-06-01", "a) Yes")], "List 7": [_plan_row("X1", "2024-06-20")]},
               {"List 3": [_referral_row("X1", "2024-06-01")], "List 7": [_plan_row("X1", "2024-06-20")]}),
    "AA8510": ({"List 3": [_referral_row("X1", "2024-06-01"), _referral_row("X1", "2024-06-01")]},
               {"List 3": [_referral_row("X1", "2024-06-01"), _referral_row("X1", "2024-06-10")]}),
}


def _annex_a(tmp_path, name, lists):
    from tests.real_format_files import LIST_3, LIST_7, annex_a
    headings = {"List 3": LIST_3, "List 5": LIST_5, "List 7": LIST_7}
    return annex_a(tmp_path / f"{name}.xlsx", {sheet: (headings[sheet], rows) for sheet, rows in lists.items()})


@pytest.mark.parametrize("code", ANNEX_A_CASES)
def test_an_annex_a_that_contradicts_itself_is_refused_naming_the_rows(app, tmp_path, code):
    defect, clean = ANNEX_A_CASES[code]
    with app.app_context():
        refused = import_file("annex-a", _annex_a(tmp_path, f"defect-{code}", defect))
        assert db.session.scalar(db.select(db.func.count(Referral.id))) == 0
        imported = import_file("annex-a", _annex_a(tmp_path, f"clean-{code}", clean))
    assert refused.status == "failed"
    [error] = [e for e in refused.errors if e["expected"].startswith(f"{code}: ")]
    assert error["location"].startswith("List 3, row ") and "X1" in error["expected"]
    assert "To fix: " in error["expected"]
    assert imported.status == "succeeded", imported.errors
    assert imported.warning_count == 0, imported.warnings


def test_an_enquiry_after_a_later_referral_is_that_referral_s_not_the_nfa_one(app, tmp_path):
    lists = {"List 3": [_referral_row("X1", "2024-06-01", "a) Yes"), _referral_row("X1", "2024-06-05")],
             "List 5": [["X1", "2024-06-10"]]}
    with app.app_context():
        batch = import_file("annex-a", _annex_a(tmp_path, "later", lists))
    assert batch.status == "succeeded", batch.errors


def test_the_import_page_and_the_measures_page_show_the_validator_s_queries(app, client, login_as, tmp_path):
    path = _census(tmp_path, "queried", [child("K3", episode("2024-05-01", closure="2024-08-01")
                                               + episode("2024-07-01", closure="2024-09-01"))])
    with app.app_context():
        batch_id = import_file("cin-census", path).id
    login_as(Role.QA_LEAD)
    page = client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert "1 × 8820: The dates on the CIN episodes for this child overlap" in page
    assert "Child 1 (K3) &gt; CINdetails 2" in page and "To fix: close the earlier episode" in page
    measures = client.get("/measures/").get_data(as_text=True)
    assert "queried.xml</a>: 1 × 8820: The dates on the CIN episodes for this child overlap" in measures


def test_the_working_day_before_the_census_year_skips_weekends_and_easter():
    from datetime import date

    from audit_tools.readers.census_rules import working_day_before
    assert working_day_before(date(2024, 4, 1)) == date(2024, 3, 28)  # Easter Monday 1st, Good Friday 29th
    assert working_day_before(date(2018, 4, 1)) == date(2018, 3, 29)  # Easter Sunday 1st
    assert working_day_before(date(2025, 4, 1)) == date(2025, 3, 31)  # a Monday
    assert working_day_before(date(2023, 4, 1)) == date(2023, 3, 31)  # a Saturday: Friday
