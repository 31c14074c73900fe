"""Ofsted Annex A workbooks: List 3 (referrals), List 5 (section 47 enquiries) and List 7
(child protection plans).

Annex A has no referral decision column, so the decision is derived (docs/decisions.md):
"Referral NFA?" Yes -> nfa; otherwise section_47 when List 5 shows a section 47 enquiry for
the child starting 0 to 30 days after the referral; otherwise assessment.
Annex A has no ids either: ids are built from the child and the date (IdSequence).
"""
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from audit_tools.readers.census_rules import RULES as CENSUS_RULES
from audit_tools.readers.columns import Column, birth_date, checked_rows, event_date, plan_dates_in_order
from audit_tools.readers.common import (FileRejected, ImportReport, IdSequence,
                                        parse_category, parse_child_id, parse_count, parse_date,
                                        parse_nfa, parse_referral_source, parse_team, plain_code)
from audit_tools.readers.safety import check_file
from audit_tools.readers.tables import open_workbook, sheet_table
from audit_tools.records import Child, CPPlan, Referral

S47_WINDOW = timedelta(days=30)

# Headings as the Ofsted Annex A guidance writes them; patterns for the ways real files vary
# (liia-tools matches the child id on any heading like `.*child.*id.*`). Child characteristics
# are optional: no measure or sample rests on them (docs/decisions.md).
CHILD_ID = Column("child_id", ("Child Unique ID",), parse_child_id, required=True, pattern=r"child.*id")
CHILD_COLUMNS = [
    CHILD_ID,
    Column("sex", ("Gender",), plain_code, pattern=r"gender|\bsex\b", optional=True),
    Column("ethnicity", ("Ethnicity",), plain_code, pattern=r"ethnic", optional=True),
    Column("date_of_birth", ("Date of Birth",), parse_date, pattern=r"(date.*birth|\bdob\b)",
           optional=True, check=birth_date),
    Column("disability", ("Does the Child have a Disability",), plain_code, pattern=r"disab",
           optional=True),
]
TEAM = Column("team", ("Allocated Team",), parse_team, pattern=r"\bteam\b")
LIST_3 = CHILD_COLUMNS + [
    Column("referral_date", ("Date of Referral",), parse_date, required=True,
           pattern=r"date.*referral|referral.*date", check=event_date),
    Column("source", ("Referral Source",), parse_referral_source, pattern=r"referral.*source"),
    Column("nfa", ("Referral NFA?",), parse_nfa, required=True, pattern=r"\bnfa\b|no further action"),
    TEAM,
]
LIST_5 = [
    CHILD_ID,
    Column("s47_date", ("Strategy discussion initiating Section 47 Enquiry Start Date",),
           parse_date, required=True, pattern=r"(section|s)\s*47.*(start|date)", check=event_date),
]
LIST_7 = CHILD_COLUMNS + [
    Column("start_date", ("Child Protection Plan Start Date",), parse_date, required=True,
           pattern=r"plan.*start|\bstart date", check=event_date),
    Column("end_date", ("Child Protection Plan End Date",), parse_date,
           pattern=r"plan.*\bend\b|\bend date", check=event_date),
    Column("category", ("Initial Category of Abuse", "Category of Abuse"), parse_category,
           pattern=r"^(?!.*latest).*categor"),
    Column("previous_plans", ("Number of Previous Child Protection Plans",), parse_count,
           pattern=r"previous.*(plan|cpp)"),
    TEAM,
]


def _child(values) -> Child:
    return Child(values["child_id"], values.get("date_of_birth"), values.get("sex"),
                 values.get("ethnicity"), values.get("disability"))


def read_annex_a(path, file_name: str,
                 report: ImportReport) -> Iterator[tuple[str, Child | Referral | CPPlan]]:
    """(location, record): children, referrals and plans from one workbook."""
    check_file(path, file_name, "xlsx")
    workbook = open_workbook(path)
    try:
        sheets = {name: sheet_table(workbook, name) for name in ("List 3", "List 5", "List 7")}
        if sheets["List 3"] is None and sheets["List 7"] is None:
            raise FileRejected(f"{file_name}: this workbook has neither a 'List 3' nor a 'List 7' "
                               "sheet (a sheet named, or starting, 'List 3' or 'List 7'), so it is "
                               "not an Ofsted Annex A return. Sheets found: "
                               + ", ".join(f"'{ws.title}'" for ws in workbook.worksheets))
        dropped = []
        rows = _WorkbookRows()
        s47_dates = _section_47_dates(sheets["List 5"], file_name, report, dropped, rows)
        if sheets["List 3"] is not None:
            yield from _referrals(sheets["List 3"], file_name, report, s47_dates, dropped, rows)
        if sheets["List 7"] is not None:
            yield from _plans(sheets["List 7"], file_name, report, dropped, rows)
        rows.check(report)
        report.dropped_columns = sorted(set(dropped))
    finally:
        workbook.close()


# The DfE CIN validator's rules, where an Annex A workbook can contradict itself the same way
# (docs/decisions.md): an NFA referral with a section 47 enquiry or a plan after it (8831,
# 8832), and the same referral or plan listed twice (as 8510 for a child listed twice).
ANNEX_A_RULES = {
    "AA8831": ("a referral with no further action is followed by a section 47 enquiry",
               "CIN census rule 8831: " + CENSUS_RULES["8831"].message),
    "AA8832": ("a referral with no further action is followed by a child protection plan",
               "CIN census rule 8832: " + CENSUS_RULES["8832"].message.rstrip(".")),
    "AA8510": ("the same referral or plan is listed twice", "as CIN census rule 8510: "
               + CENSUS_RULES["8510"].message),
}


def _rule_error(report, code, location, column, value, detail, fix):
    what, census = ANNEX_A_RULES[code]
    report.error(location, column, value, f"{code}: {what[0].upper()}{what[1:]} ({census}). "
                                          f"{detail[:1].upper()}{detail[1:]}. To fix: {fix}")


class _WorkbookRows:
    """What the rules between lists need: each child's referrals, enquiries and plans, with
    where each is in the workbook."""

    def __init__(self):
        self.referrals = defaultdict(list)  # child -> [(date, nfa, location)]
        self.later = []  # (child, date, location, code): enquiries and plans
        self.first_at = {}  # (list, child, date) -> the first row listing it

    def listed(self, report, sheet, child_id, day, location, column) -> None:
        first = self.first_at.setdefault((sheet, child_id, day), location)
        if first != location:
            _rule_error(report, "AA8510", location, column, day.isoformat(),
                        f"{first} lists child {child_id} on the same date; both would be counted",
                        "list each referral or plan once")

    def check(self, report) -> None:
        window = S47_WINDOW
        for child_id, day, location, code in self.later:
            # The enquiry or plan follows the child's latest referral on or before its date.
            earlier = [r for r in self.referrals.get(child_id, ()) if r[0] <= day]
            if not earlier:
                continue
            referral_day, nfa, referral_at = max(earlier, key=lambda r: r[0])
            if nfa is True and day - referral_day <= window:
                _rule_error(report, code, referral_at, "Referral NFA?", "Yes",
                            f"child {child_id}'s referral on {referral_day:%d/%m/%Y} is NFA, but {location} "
                            f"starts {day:%d/%m/%Y}, {(day - referral_day).days} days later, with no referral "
                            "in between",
                            "record the referral as not NFA, or add the referral that led to it to List 3")


def _section_47_dates(table, file_name, report, dropped, rows) -> dict:
    dates = defaultdict(list)
    if table is None:
        return dates
    for number, values in _rows(table, LIST_5, file_name, "List 5", report, dropped):
        dates[values["child_id"]].append(values["s47_date"])
        rows.later.append((values["child_id"], values["s47_date"], f"List 5, row {number}", "AA8831"))
    return dates


def _rows(table, columns, file_name, sheet_name, report, dropped):
    """Checked rows of one sheet; its problems are located as "List 3, row 12"."""
    sheet_report = ImportReport(report.file, today=report.today,
                                blank_bad_optional=report.blank_bad_optional)
    for number, values in checked_rows(table, columns, sheet_report, sheet_name):
        yield number, values
    for problem in sheet_report.errors:
        report.error(f"{sheet_name}, {problem.location}", problem.column, problem.value, problem.expected,
                     problem.blankable)
    hidden = sheet_report.error_count - len(sheet_report.errors)
    report.error_count += hidden
    report.hard_error_count += sheet_report.hard_error_count - sum(
        not p.blankable for p in sheet_report.errors)
    for problem in sheet_report.blanked:
        report.blank(f"{sheet_name}, {problem.location}", problem.column, problem.value, problem.expected)
    report.blanked_count += sheet_report.blanked_count - len(sheet_report.blanked)
    report.rows_read += sheet_report.rows_read
    report.layout.extend(sheet_report.layout)
    report.headings.extend(sheet_report.headings)
    dropped.extend(f"{sheet_name}: {column}" for column in sheet_report.dropped_columns)


def _referrals(table, file_name, report, s47_dates, dropped, rows):
    ids = IdSequence("AA-REF")
    for number, values in _rows(table, LIST_3, file_name, "List 3", report, dropped):
        child_id, day = values["child_id"], values["referral_date"]
        location = f"List 3, row {number}"
        rows.referrals[child_id].append((day, values["nfa"], location))
        rows.listed(report, "List 3", child_id, day, location, "Date of Referral")
        if values["nfa"] is True:
            decision = "nfa"
        elif any(day <= s47 <= day + S47_WINDOW for s47 in s47_dates.get(child_id, ())):
            decision = "section_47"
        else:
            decision = "assessment"
        yield location, _child(values)
        yield location, Referral(ids.next_id(child_id, day), child_id, day, decision,
                                 values["source"], values["team"])


def _plans(table, file_name, report, dropped, rows):
    ids = IdSequence("AA-CP")
    for number, values in _rows(table, LIST_7, file_name, "List 7", report, dropped):
        rows.later.append((values["child_id"], values["start_date"], f"List 7, row {number}", "AA8832"))
        rows.listed(report, "List 7", values["child_id"], values["start_date"], f"List 7, row {number}",
                    "Child Protection Plan Start Date")
        if not plan_dates_in_order(values["start_date"], values["end_date"],
                                   f"List 7, row {number}", "Child Protection Plan End Date", report):
            continue
        location = f"List 7, row {number}"
        yield location, _child(values)
        yield location, CPPlan(ids.next_id(values["child_id"], values["start_date"]), values["child_id"],
                     values["start_date"], values["end_date"], values["category"], values["team"],
                     values["previous_plans"])
