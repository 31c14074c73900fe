"""The information governance report as a workbook, in the same accessible layout as every
other export: Cover, Contents, Notes, then one table per sheet."""
from audit_tools.governance import GovernanceReport
from audit_tools.workbooks.layout import Column, Sheet, WorkbookSpec, write_workbook

WIDE = 60


def _columns(section) -> list[Column]:
    widths = [max([len(str(section.columns[i]))] + [len(str(row[i])) for row in section.rows[:200]])
              for i in range(len(section.columns))]
    return [Column(name, width=min(max(width + 2, 10), WIDE)) for name, width in zip(section.columns, widths)]


def workbook_spec(report: GovernanceReport) -> WorkbookSpec:
    notes = []
    sheets = []
    for section in report.sections:
        sheets.append(Sheet(section.sheet_name or section.title, section.title, section.description,
                            section.table_name or section.key.replace("-", "_"), _columns(section),
                            [list(row) for row in section.rows]))
        notes += [(f"[{section.title}]", note) for note in section.notes]
    return WorkbookSpec(report.title, [("About this report", report.about)], notes, sheets, marking=report.marking)


def write_governance_workbook(report: GovernanceReport, target) -> None:
    write_workbook(workbook_spec(report), target)
