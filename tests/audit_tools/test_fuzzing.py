"""Property-based tests: whatever bytes arrive, a reader gives a clear error or good records,
and the questionnaire loader gives a QuestionnaireError or a questionnaire, never a crash.

Examples are bounded so the suite stays fast (about 20 seconds for the file); set
HYPOTHESIS_PROFILE=fuzz for a longer hunt."""
import csv
import io
import os
import re
import tempfile
from datetime import date
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from audit_tools.questionnaires import Questionnaire, QuestionnaireError, parse_questionnaire
from audit_tools.readers import FileRejected, ImportProblem, ImportReport
from audit_tools.readers.annex_a import read_annex_a
from audit_tools.readers.cin_census import read_cin_census
from audit_tools.readers.house import read_plans, read_referrals
from audit_tools.records import Child, CPPlan, Referral

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
settings.register_profile("suite", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=2_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def read_all(reader, content: bytes, suffix: str, *args):
    """Run a reader over the content as a file: (records, report), or FileRejected raised."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{suffix}"
        path.write_bytes(content)
        report = ImportReport(path.name)
        records = list(reader(path, path.name, *args, report))
    for problem in report.errors + report.warnings:
        assert_problem_says_where_and_what(problem, path.name)
    return records, report


def assert_problem_says_where_and_what(problem, file_name):
    """A problem a QA lead can act on: it names the file, where in it (a row, an XML element,
    or the column for a problem with a whole column), and what was expected, in words."""
    assert isinstance(problem, ImportProblem)
    assert problem.file == file_name
    assert problem.location or problem.column, f"{problem}: says neither row nor column"
    if problem.location:
        assert re.fullmatch(r"(row \d+|.*(Child|CINdetails|ChildProtectionPlans|Message|Header).*)"
                            r"|sheet .*|.*row \d+.*", problem.location), f"{problem}: {problem.location!r}"
    if problem.value is not None and problem.location and problem.location.startswith("row"):
        assert problem.column, f"{problem}: a value without its column"
    expected = problem.expected.strip()
    assert len(expected) >= 10 and re.search(r"[a-z]{3}", expected), f"{problem}: expected {expected!r}"
    assert problem.value is None or expected != problem.value
    text = str(problem)
    assert text.startswith(file_name) and expected in text
    for part in (problem.location, problem.column and f"column '{problem.column}'"):
        assert not part or part in text


def assert_rejection_says_what(error, file_name):
    """A whole-file refusal names the file or the row it stopped at, and what is wrong."""
    message = str(error)
    assert message.startswith(f"{file_name}: ") or re.match(r"row \d+: ", message) \
        or message.startswith("the workbook cannot be opened"), message
    assert re.search(r"[a-z]{3,} [a-z]{2,}", message.split(": ", 1)[-1]), message


def assert_clear_error_or_good_records(reader, content, suffix, *args):
    try:
        records, report = read_all(reader, content, suffix, *args)
    except FileRejected as error:
        assert_rejection_says_what(error, f"upload.{suffix}")  # a sentence the page shows
        return
    for location, record in records:
        assert isinstance(location, str) and location
        assert isinstance(record, (Child, Referral, CPPlan))
        assert isinstance(record.child_id, str) and record.child_id
        if isinstance(record, Referral):
            assert isinstance(record.referral_date, date) and record.referral_id
        if isinstance(record, CPPlan):
            assert isinstance(record.start_date, date) and record.plan_id
            assert record.end_date is None or record.end_date >= record.start_date


# Cells like the ones councils send: dates in several shapes, codes, ids, junk and formulas.
CELL = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(
        lambda d: st.sampled_from([d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%d-%b-%y")])).flatmap(lambda s: s),
    st.sampled_from(["NFA", "s47", "assessment", "Early help", "N1", "PHY", "EMO", "", " ", "=1+1",
                     "@SUM(A1)", "2015-02-30", "31/31/2015", "C1", "R1", "0", "-1", "1e9", "true"]),
    st.text(max_size=30),
)
HEADINGS = ["child_id", "referral_id", "plan_id", "referral_date", "start_date", "end_date",
            "decision", "source", "category", "team", "extra"]


@st.composite
def house_csv(draw) -> bytes:
    headings = draw(st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(headings) + 1), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace")


@given(st.binary(max_size=2_000) | house_csv())
def test_any_csv_upload_gives_a_clear_error_or_good_referrals_and_plans(content):
    assert_clear_error_or_good_records(read_referrals, content, "csv", "csv")
    assert_clear_error_or_good_records(read_plans, content, "csv", "csv")


def workbook_bytes(headings, rows, title="Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD_XLSX = workbook_bytes(["child_id", "referral_id", "referral_date", "decision"],
                           [["C1", "R1", date(2015, 4, 1), "NFA"]])
ANNEX_A = (FIXTURES / "Annex_A.xlsx").read_bytes()


@st.composite
def damaged(draw, original: bytes) -> bytes:
    """The file with a few bytes overwritten, a slice cut out, or cut short."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(data) - 1))
        del data[start:start + draw(st.integers(1, 200))]
    return bytes(data[:draw(st.integers(1, len(data)))] if draw(st.booleans()) else data)


@given(damaged(GOOD_XLSX) | st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b))
def test_a_damaged_workbook_gives_a_clear_error_or_good_records(content):
    assert_clear_error_or_good_records(read_referrals, content, "xlsx", "xlsx")


WORKBOOK_CELL = CELL.map(lambda value: ILLEGAL_CHARACTERS_RE.sub("", value))  # Excel cannot hold them


@given(st.lists(st.lists(WORKBOOK_CELL, max_size=6), max_size=5), st.sampled_from(["List 3", "List 7", "Other"]))
def test_any_house_workbook_cells_give_errors_or_good_records(rows, title):
    content = workbook_bytes(["Child ID", "Referral ID", "Date of referral", "Start date", "decision"],
                             rows, title)
    assert_clear_error_or_good_records(read_referrals, content, "xlsx", "xlsx")
    assert_clear_error_or_good_records(read_annex_a, content, "xlsx")


@given(damaged(ANNEX_A))
@settings(max_examples=10)
def test_a_damaged_annex_a_gives_a_clear_error_or_good_records(content):
    assert_clear_error_or_good_records(read_annex_a, content, "xlsx")


CIN = (FIXTURES / "cin-2022.xml").read_bytes()


@given(st.binary(max_size=1_000) | damaged(CIN) | st.text(max_size=300).map(
    lambda t: f"<Message><Children><Child>{t}</Child></Children></Message>".encode()))
def test_any_census_xml_gives_a_clear_error_or_good_records(content):
    assert_clear_error_or_good_records(read_cin_census, content, "xml")


# -- questionnaires ---------------------------------------------------------------------------

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=12),
                   st.sampled_from(["text", "choice", "multiple_choice", "date", "each", "police", "q1"]))
KEYS = st.sampled_from(["id", "version", "title", "sections", "questions", "label", "type", "options",
                        "show_when", "question", "in", "agency", "required", "max_length", "hint",
                        "prefill", "lead_only"])
YAML_VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(KEYS, inner, max_size=6), max_leaves=30)


def assert_questionnaire_or_clear_error(text):
    try:
        questionnaire = parse_questionnaire(text, "upload.yaml")
    except QuestionnaireError as error:
        # The file, then where in it and what was expected: "upload.yaml: section 2, question
        # 'x': ..." or "upload.yaml: the YAML cannot be read ...", never a bare Python error.
        message = str(error)
        assert message.startswith("upload.yaml"), message
        assert re.search(r"[a-z]{3,} [a-z]{2,}", message.removeprefix("upload.yaml")), message
        assert "Traceback" not in message and "object has no attribute" not in message, message
        return
    assert isinstance(questionnaire, Questionnaire) and questionnaire.sections


@given(st.text(max_size=400) | YAML_VALUE.map(lambda v: yaml.safe_dump(v, allow_unicode=True)))
def test_any_uploaded_questionnaire_text_gives_a_clear_error_or_a_questionnaire(text):
    assert_questionnaire_or_clear_error(text)


BUILT_IN = yaml.safe_load((Path(__file__).resolve().parents[2] / "audit_tools" / "questionnaires"
                           / "re-referral-audit.v1.yaml").read_text())


@st.composite
def edited_questionnaire(draw):
    """A real questionnaire with one value somewhere replaced, as a hasty edit would."""
    data = yaml.safe_load(yaml.safe_dump(BUILT_IN))
    section = draw(st.sampled_from(data["sections"]))
    target = draw(st.sampled_from([data, section, draw(st.sampled_from(section["questions"]))]))
    target[draw(KEYS)] = draw(YAML_VALUE)
    return yaml.safe_dump(data, allow_unicode=True)


@given(edited_questionnaire())
def test_a_questionnaire_edited_anywhere_gives_a_clear_error_or_a_questionnaire(text):
    assert_questionnaire_or_clear_error(text)


@st.composite
def house_csv_with_every_heading(draw) -> bytes:
    """The referral or plan headings all there, in any order and case, over cells like CELL: so
    the fuzzing reaches the checks of each row's values, not only the headings."""
    headings = draw(st.sampled_from([["child_id", "referral_id", "referral_date", "decision", "team"],
                                     ["child_id", "plan_id", "start_date", "end_date", "category"]]))
    headings = draw(st.permutations(headings))
    headings = [draw(st.sampled_from([h, h.upper(), h.replace("_", " ").title()])) for h in headings]
    rows = draw(st.lists(st.lists(CELL, min_size=len(headings), max_size=len(headings)), min_size=1, max_size=6))
    out = io.StringIO()
    csv.writer(out).writerows([headings, *rows])
    return out.getvalue().encode("utf-8")


@given(house_csv_with_every_heading())
def test_a_bad_value_under_good_headings_is_named_by_row_column_and_value(content):
    for reader in (read_referrals, read_plans):
        try:
            _, report = read_all(reader, content, "csv", "csv")
        except FileRejected as error:
            assert_rejection_says_what(error, "upload.csv")
            continue
        for problem in report.errors:
            if problem.location and re.fullmatch(r"row \d+", problem.location) and problem.location != "row 1":
                assert problem.column, f"{problem}: a row's problem without its column"
                if problem.value is not None:
                    assert f"'{problem.value}'" in str(problem)
                assert problem.expected.startswith("expected "), str(problem)
