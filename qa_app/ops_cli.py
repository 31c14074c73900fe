"""Operations commands: backup and restore, the job queue, retention, subject access and the
information governance report."""
import json
import sys
from datetime import timedelta

import click
from flask.cli import with_appcontext

from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.services import accounts, backups, jobs, retention, subject_access
from qa_app.services.governance import report as governance


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write one archive to PATH (a new file) while the app is in use: a checked copy of the
    database, the action evidence files, and a manifest of their SHA-256 checksums.

    SQLite: the online backup API, then PRAGMA integrity_check. PostgreSQL: pg_dump's custom
    format (needs pg_dump on the PATH)."""
    try:
        summary = backups.backup(path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Backed up. " + "\n".join(summary.lines()))


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "target", required=True,
              help="A new SQLite file, or for a pg_dump backup the URL of an empty PostgreSQL database.")
@click.option("--evidence-to", "evidence_target", type=click.Path(file_okay=False),
              help="A new or empty folder for the archive's evidence files (default, for a SQLite "
                   "target: the target's name with .evidence added).")
@with_appcontext
def restore_command(backup_file, target, evidence_target):
    """Restore BACKUP_FILE into a new database (never over the one in use) and its evidence files
    into a new folder, after checking every file against the archive's SHA-256 manifest."""
    try:
        summary = backups.restore(backup_file, target, evidence_target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Restored. " + "\n".join(summary.lines()))
    click.echo("To use it: stop the app and the worker, point DATABASE_URL at it (or move the file "
               "into place), move the evidence folder to instance/evidence, run "
               "`flask --app wsgi db upgrade`, then start them again.")


@click.command("jobs")
@click.option("--max-wait", default=600, show_default=True, type=click.IntRange(min=1),
              help="Seconds a job may wait in the queue before this counts as a problem.")
@with_appcontext
def jobs_command(max_wait):
    """The background job queue as JSON, for monitoring. Exits 1 when a job has waited longer
    than --max-wait (no worker running?) or a worker died mid-job in the last day."""
    health = jobs.queue_health(timedelta(seconds=max_wait))
    click.echo(json.dumps(health))
    if not health["healthy"]:
        sys.exit(1)


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Report what is past retention; change nothing.")
@with_appcontext
def retention_command(dry_run):
    """Delete closed programmes' records RETENTION_YEARS after they closed (except those under
    a legal hold), and clear old import reports. Each deletion is in the audit trail."""
    report = retention.run(dry_run=dry_run)
    click.echo("\n".join(report.lines()))


@click.command("subject-access")
@click.argument("child_id")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--by", "email", required=True, help="Email of the admin making the export (recorded).")
@with_appcontext
def subject_access_command(child_id, path, email):
    """Write every record held about CHILD_ID to a new workbook at PATH, one sheet per kind of
    record, and record the export in the audit trail."""
    user = db.session.scalar(db.select(User).where(User.email == accounts.normalise_email(email)))
    if user is None or not user.active or not user.has_role(Role.ADMIN):
        raise click.ClickException(f"{email} is not an active admin's email")
    try:
        counts = subject_access.export(child_id, path, user)
    except subject_access.SubjectAccessError as error:
        raise click.ClickException(str(error)) from error
    held = sum(counts[title] for title in counts if title != "Audit trail")
    click.echo(f"Wrote {path}: " + ", ".join(f"{title} {n}" for title, n in counts.items()))
    if not held:
        click.echo(f"No records about {child_id} are held (the export itself is now in the audit trail).")


@click.group("governance")
def governance_group():
    """Information governance: the report a council's IG lead reads before go-live."""


@governance_group.command("report")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for governance-report.md and governance-report.xlsx (made if missing).")
@with_appcontext
def governance_report_command(out_dir):
    """Write the data map, who sees what, what is logged, retention and the security controls
    (with the tests that prove them), as Markdown and as an accessible workbook."""
    try:
        paths = governance.write_report(out_dir)
    except governance.GovernanceReportError as error:
        raise click.ClickException(str(error)) from error
    for path in paths:
        click.echo(f"Wrote {path}")


COMMANDS = (backup_command, restore_command, jobs_command, retention_command, subject_access_command,
            governance_group)
