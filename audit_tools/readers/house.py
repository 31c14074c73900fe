"""The house format: one CSV or XLSX of referrals, or one of CP plans (DESIGN.md section 4)."""
from collections.abc import Iterator

from audit_tools.readers.columnar import CheckedFrame, identifier, read_checked_csv
from audit_tools.readers.columns import Column, checked_rows, event_date, plan_dates_in_order
from audit_tools.readers.common import (ImportReport, parse_category, parse_child_id, parse_date,
                                        parse_decision, parse_referral_source,
                                        parse_team)
from audit_tools.readers.safety import check_file
from audit_tools.readers.tables import open_csv, open_workbook, sheet_table
from audit_tools.records import CPPlan, Referral

REFERRAL_COLUMNS = [
    Column("child_id", ("child_id",), parse_child_id, required=True, pattern=r"child.*id"),
    Column("referral_id", ("referral_id",), identifier("referral id"), required=True),
    Column("referral_date", ("referral_date",), parse_date, required=True, check=event_date),
    Column("decision", ("decision",), parse_decision, required=True),
    Column("source", ("source", "referral_source"), parse_referral_source),
    Column("team", ("team",), parse_team),
]

PLAN_COLUMNS = [
    Column("child_id", ("child_id",), parse_child_id, required=True, pattern=r"child.*id"),
    Column("plan_id", ("plan_id",), identifier("plan id"), required=True),
    Column("start_date", ("start_date",), parse_date, required=True, check=event_date),
    Column("end_date", ("end_date",), parse_date, check=event_date),
    Column("category", ("category",), parse_category),
    Column("team", ("team",), parse_team),
]


def _table(path, file_name, file_type):
    encoding = check_file(path, file_name, file_type)
    if file_type == "csv":
        return open_csv(path, encoding)
    return sheet_table(open_workbook(path))


def read_referrals(path, file_name: str, file_type: str,
                   report: ImportReport) -> Iterator[tuple[str, Referral]]:
    """(location, referral) for each good row."""
    table = _table(path, file_name, file_type)
    try:
        for number, values in checked_rows(table, REFERRAL_COLUMNS, report, id_column=REFERRAL_COLUMNS[1]):
            yield f"row {number}", Referral(**values)
        _check_not_empty(report)
    finally:
        table.close()


def read_plans(path, file_name: str, file_type: str,
               report: ImportReport) -> Iterator[tuple[str, CPPlan]]:
    table = _table(path, file_name, file_type)
    try:
        for number, values in checked_rows(table, PLAN_COLUMNS, report, id_column=PLAN_COLUMNS[1]):
            if not plan_dates_in_order(values["start_date"], values["end_date"], f"row {number}",
                                       "end_date", report):
                report.row_refused(f"row {number}", PLAN_COLUMNS[1].name, values["plan_id"])
                continue
            yield f"row {number}", CPPlan(**values)
        _check_not_empty(report)
    finally:
        table.close()


def referral_frame(path, file_name: str, report: ImportReport) -> CheckedFrame | None:
    """A house CSV of referrals read by whole columns, or None: read it with read_referrals."""
    return read_checked_csv(path, file_name, REFERRAL_COLUMNS, "referral_id", report)


def plan_frame(path, file_name: str, report: ImportReport) -> CheckedFrame | None:
    return read_checked_csv(path, file_name, PLAN_COLUMNS, "plan_id", report,
                            dates_in_order=("start_date", "end_date"))


def _check_not_empty(report: ImportReport) -> None:
    """Headings and nothing under them is almost always the wrong file or a failed export."""
    if report.ok and report.rows_read == 0:
        report.error("row 2", None, None, "expected rows of data under the headings: the file has no rows, "
                                          "so there is nothing to import")
