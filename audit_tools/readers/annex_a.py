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
        s47_dates = _section_47_dates(sheets["List 5"], file_name, report, dropped)
        if sheets["List 3"] is not None:
            yield from _referrals(sheets["List 3"], file_name, report, s47_dates, dropped)
        if sheets["List 7"] is not None:
            yield from _plans(sheets["List 7"], file_name, report, dropped)
        report.dropped_columns = sorted(set(dropped))
    finally:
        workbook.close()


def _section_47_dates(table, file_name, report, dropped) -> dict:
    dates = defaultdict(list)
    if table is None:
        return dates
    for _, values in _rows(table, LIST_5, file_name, "List 5", report, dropped):
        dates[values["child_id"]].append(values["s47_date"])
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


def _referrals(table, file_name, report, s47_dates, dropped):
    ids = IdSequence("AA-REF")
    for number, values in _rows(table, LIST_3, file_name, "List 3", report, dropped):
        child_id, day = values["child_id"], values["referral_date"]
        location = f"List 3, row {number}"
        if values["nfa"] is True:
            decision = "nfa"
        elif any(day <= s47 <= day + S47_WINDOW for s47 in s47_dates.get(child_id, ())):
            decision = "section_47"
        else:
            decision = "assessment"
        yield location, _child(values)
        yield location, Referral(ids.next_id(child_id, day), child_id, day, decision,
                                 values["source"], values["team"])


def _plans(table, file_name, report, dropped):
    ids = IdSequence("AA-CP")
    for number, values in _rows(table, LIST_7, file_name, "List 7", report, dropped):
        if not plan_dates_in_order(values["start_date"], values["end_date"],
                                   f"List 7, row {number}", "Child Protection Plan End Date", report):
            continue
        location = f"List 7, row {number}"
        yield location, _child(values)
        yield location, CPPlan(ids.next_id(values["child_id"], values["start_date"]), values["child_id"],
                     values["start_date"], values["end_date"], values["category"], values["team"],
                     values["previous_plans"])
