"""The information governance report, built from the code and configuration themselves: the
data map beside the models, the access table the access tests enforce, the audit trail's
declared events, the retention settings and holds, and the security controls with their tests.
A document written by hand drifts from the code; this one is regenerated from it.
"""
import os
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from audit_tools.governance import GovernanceReport, ReportSection, markdown
from audit_tools.workbooks.governance_workbook import write_governance_workbook
from qa_app.access import (AGENCY_RULE, ENDPOINT_ROLES, ENDPOINT_ROW_RULES, PUBLIC_PAGES, ROW_RULES,
                           row_rule_for)
from qa_app.extensions import db
from qa_app.models import AuditProgramme, LegalHold, Role
from qa_app.models.base import utcnow
from qa_app.models.data_map import DATA_MAP
from qa_app.services.audit_trail import ACTIONS
from qa_app.services.exports import APP_VERSION
from qa_app.services.governance.controls import CONTROLS

MARKDOWN_NAME = "governance-report.md"
WORKBOOK_NAME = "governance-report.xlsx"
ROLE_ORDER = (Role.ADMIN, Role.QA_LEAD, Role.AUDITOR, Role.TEAM_MANAGER, Role.PRACTITIONER)  # practitioner: issue 25
# The audit trail: the app never deletes an event (database triggers refuse it).
TRAIL_KEPT = "for the life of the database: the app deletes no event (triggers refuse it)"
READ_EVENTS = {"case_read", "action_evidence_downloaded", "findings_exported", "board_pack_exported",
               "subject_access_export"}


class GovernanceReportError(ValueError):
    pass


def data_map_section() -> ReportSection:
    rows = []
    for key in sorted(DATA_MAP):
        table, column = key.split(".", 1)
        use = DATA_MAP[key]
        rows.append([table, column, use.subject, use.category, use.source, use.export, use.note])
    return ReportSection(
        "data-map", "Data map",
        "Every column of every table: whose data it is (child, family, staff or none), personal or special "
        "category, where it comes from, and what the findings workbook and board pack do with it.",
        ["Table", "Column", "Whose data", "Sensitivity", "Comes from", "In exports", "Note"], rows,
        table_name="DataMap",
        notes=["Pseudonymised: replaced by a keyed hash (CH-…, CA-…) unless a QA lead ticks 'identifiable', "
               "which the export's Cover and file name then say. Counted only: in totals, never row by row. "
               "The subject access export holds all of one child's records, identifiably, by design.",
               "Special category: UK GDPR Article 9 data (ethnicity, health and disability) and the CP plan's "
               "category of abuse, which can reveal sexual abuse or a health condition."])


def _role_cell(roles, role) -> str:
    return "yes" if role in roles else "no"


def access_rows() -> list[list[str]]:
    """Endpoint, address, methods, a yes/no per role and the row rule: the same table the
    access tests enforce (qa_app.access.ENDPOINT_ROLES)."""
    rules = {}
    for rule in current_app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, (rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    rows = []
    for endpoint in sorted(ENDPOINT_ROLES):
        address, methods = rules.get(endpoint, ("", []))
        roles = ENDPOINT_ROLES[endpoint]
        rows.append([endpoint, address, " ".join(methods)] + [_role_cell(roles, r) for r in ROLE_ORDER]
                    + [ENDPOINT_ROW_RULES.get(endpoint, "")])
    for endpoint in sorted(PUBLIC_PAGES):
        address, methods = rules.get(endpoint, ("", []))
        rows.append([endpoint, address, " ".join(methods)] + ["anyone"] * len(ROLE_ORDER)
                    + [f"public: {PUBLIC_PAGES[endpoint]}"])
    return rows


def access_section() -> ReportSection:
    return ReportSection(
        "who-sees-what", "Who sees what",
        "Each page, form and export, the roles that may use it (any one is enough) and the rule on rows "
        "inside it. Anyone else gets 'You do not have permission' (403), recorded in the audit trail.",
        ["Endpoint", "Address", "Methods"] + [r.label for r in ROLE_ORDER] + ["Row rule"], access_rows(),
        table_name="WhoSeesWhat",
        notes=["A user may hold several roles. " + AGENCY_RULE,
               "Command-line tools (flask --app wsgi …) run with the server's own access, not a role: they are "
               "for whoever administers the server. The subject access export needs an active admin's email "
               "and exports from the command line are recorded in the audit trail."])


def row_rules_section() -> ReportSection:
    rows = [[key, words] for key, words in ROW_RULES.items()] + [["agency", AGENCY_RULE]]
    return ReportSection(
        "row-rules", "Row rules",
        "The rules on rows inside the pages, by the name the 'Who sees what' table gives them. A role that "
        "may open a page but not a row gets 'Page not found', as for a row that does not exist.",
        ["Rule", "What it allows"], rows, table_name="RowRules")


def logged_section(config) -> ReportSection:
    rows = []
    for action, label in ACTIONS.items():
        kind = "read of case records" if action in READ_EVENTS else "change or security event"
        rows.append([action, label, kind, TRAIL_KEPT])
    rows.append(["application log", "Errors, imports, worker jobs (ids, never case content)", "operational",
                 "the council's log retention (journald, syslog)"])
    rows.append(["sign_in_failure rows", "Failed sign-ins: email as typed, address, time", "security",
                 "kept: the app does not prune them yet"])
    return ReportSection(
        "what-is-logged", "What is logged",
        "Every event the audit trail may hold, with who, when, their roles, the address and the outcome, "
        "and how long it is kept. Events hold ids and field names, never case content.",
        ["Event", "What it records", "Kind", "Kept"], rows, table_name="WhatIsLogged",
        notes=["Reads: every view of a case audit, its form, moderation or assignment page names the child; "
               "a list of children records its filter, one event per page view; every export and subject "
               "access export is recorded. Admins answer 'who looked at this child' under Admin, Who looked "
               "at a child.",
               f"Retention does not delete audit-trail events: a closed programme's deletion after "
               f"{config['RETENTION_YEARS']} years adds a 'Records past retention deleted' event."])


def tables_deleted_with_a_programme() -> list[str]:
    """Every table retention deletes rows from, found from the schema the same way retention
    walks it: the programme and every row that refers to it, in turn."""
    found, queue = [], [db.metadata.tables["audit_programme"]]
    while queue:
        table = queue.pop(0)
        if table.name in found:
            continue
        found.append(table.name)
        queue += [child for child in db.metadata.sorted_tables
                  if any(fk.column.table is table for fk in child.foreign_keys) and child.name not in found]
    return found


def retention_section(config) -> ReportSection:
    years = config["RETENTION_YEARS"]
    rows = [[f"closed audit programme: {table}", f"{years} years after the programme closes (RETENTION_YEARS)",
             "deleted by flask retention, unless under a legal hold"]
            for table in tables_deleted_with_a_programme() if table != "legal_hold"]  # held: never deleted
    rows += [
        ["action evidence files", f"{years} years after the programme closes", "deleted with their action update"],
        ["import reports (errors, warnings, blanked cells)", f"{years} years after the import finished",
         "quoted values cleared; counts kept"],
        ["staged import rows", "until their import ends", "deleted by the import"],
        ["uploaded files", "until their import ends", "deleted by the import"],
        ["children, referrals, CP plans", "as the council's source system", "replaced by each import; "
         "not touched by retention"],
        ["audit trail", TRAIL_KEPT, "kept; gains an event for each deletion"],
        ["user accounts", "while the account exists: the app has no delete",
         "an admin disables a leaver's account; it is kept so the audit trail still names them"],
        ["backups", "the council's schedule", "outside the app: see docs/operations.md"],
    ]
    holds = db.session.execute(
        select(AuditProgramme.name, LegalHold.reason, LegalHold.placed_at)
        .join(LegalHold, LegalHold.programme_id == AuditProgramme.id).order_by(AuditProgramme.name)).all()
    rows += [[f"legal hold: {name}", "until an admin releases it", f"kept: {reason} (placed {placed:%Y-%m-%d})"]
             for name, reason, placed in holds]
    return ReportSection(
        "retention", "Retention",
        f"What is kept and for how long. RETENTION_YEARS is {years}; legal holds in force are listed at the end "
        f"({len(holds)} now).",
        ["Records", "Kept for", "What happens then"], rows, table_name="Retention",
        notes=["Run flask --app wsgi retention --dry-run to see what would go, then without --dry-run, "
               "monthly from a timer."])


def controls_section() -> ReportSection:
    rows = [[c.area, c.control, c.status, "; ".join(c.tests) or "none", c.where] for c in CONTROLS]
    return ReportSection(
        "security-controls", "Security controls",
        "Each control the app claims, whether it is in place, and the automated tests that prove it on "
        "every change (a test fails when a named test no longer exists).",
        ["Area", "Control", "Status", "Proved by", "Where"], rows, table_name="SecurityControls")


def build_report(now: datetime | None = None) -> GovernanceReport:
    config = current_app.config
    now = now or utcnow()
    about = [f"Generated from Casefile QA version {APP_VERSION} on {now:%d %B %Y at %H:%M} UTC "
             "by flask --app wsgi governance report.",
             "It is made from the code and configuration, so regenerate it after each release rather than edit it.",
             f"Configuration: QA_ENV {config.get('ENV_NAME')}, RETENTION_YEARS {config['RETENTION_YEARS']}, "
             f"sessions end after {int(config['SESSION_IDLE_TIMEOUT'].total_seconds() // 60)} minutes idle and "
             f"{int(config['PERMANENT_SESSION_LIFETIME'].total_seconds() // 3600)} hours after sign-in, "
             f"export marking {config['EXPORT_MARKING']}.",
             "docs/data-protection.md (the DPIA) points at the sections of this report."]
    sections = [data_map_section(), access_section(), row_rules_section(), logged_section(config),
                retention_section(config), controls_section()]
    return GovernanceReport("Casefile QA information governance report", config["EXPORT_MARKING"], about, sections)


def _write_private(path: Path, write) -> None:
    """Write through a partial file readable only by its owner, then move it into place."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        write(handle)
    os.replace(partial, path)


def write_report(out_dir) -> list[Path]:
    """Write the Markdown and the workbook into out_dir (made if missing); returns their paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise GovernanceReportError(f"{out} is a file: give a folder")
    out.mkdir(parents=True, exist_ok=True)
    report = build_report()
    db.session.rollback()
    paths = [out / MARKDOWN_NAME, out / WORKBOOK_NAME]
    _write_private(paths[0], lambda handle: handle.write(markdown(report).encode("utf-8")))
    _write_private(paths[1], lambda handle: write_governance_workbook(report, handle))
    return paths
