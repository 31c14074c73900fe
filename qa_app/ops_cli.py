"""Operations commands: backup and restore (and retention, subject access)."""
import json
import sys
from datetime import timedelta

import click
from flask.cli import with_appcontext

from qa_app.services import backups, jobs


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Copy the database to PATH (a new file) while the app is in use, and check the copy.

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
@with_appcontext
def restore_command(backup_file, target):
    """Restore BACKUP_FILE into a new database (never over the one in use) and check it."""
    try:
        summary = backups.restore(backup_file, target)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Restored. " + "\n".join(summary.lines()))
    click.echo("To use it: stop the app and the worker, point DATABASE_URL at it (or move the file "
               "into place), run `flask --app wsgi db upgrade`, then start them again.")


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


COMMANDS = (backup_command, restore_command, jobs_command)
