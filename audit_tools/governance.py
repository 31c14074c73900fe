"""The information governance report as plain data, and its Markdown.

The app fills a GovernanceReport from its own code and configuration (qa_app/services/
governance); this module only lays it out, so the Markdown and the workbook
(audit_tools/workbooks/governance_workbook.py) always say the same thing.
"""
from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class ReportSection:
    key: str  # the section's anchor, which docs/data-protection.md points at
    title: str
    description: str
    columns: list[str]
    rows: list[Sequence]
    sheet_name: str = ""  # at most 31 characters; the title when empty
    table_name: str = ""
    notes: list[str] = field(default_factory=list)  # paragraphs after the table


@dataclass
class GovernanceReport:
    title: str
    marking: str
    about: list[str]  # lines on who made it, when, from what
    sections: list[ReportSection]

    def section(self, key: str) -> ReportSection:
        return next(s for s in self.sections if s.key == key)


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown(report: GovernanceReport) -> str:
    lines = [f"# {report.title}", "", f"**{report.marking}**", ""]
    lines += [f"{line}  " for line in report.about] + [""]
    lines += ["## Contents", ""]
    lines += [f"- [{s.title}](#{s.key})" for s in report.sections] + [""]
    for section in report.sections:
        lines += [f'<a id="{section.key}"></a>', "", f"## {section.title}", "", section.description, ""]
        lines.append("| " + " | ".join(_cell(c) for c in section.columns) + " |")
        lines.append("|" + "---|" * len(section.columns))
        for row in section.rows:
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
        lines.append("")
        for note in section.notes:
            lines += [note, ""]
    return "\n".join(lines)
