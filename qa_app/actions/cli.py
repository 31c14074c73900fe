"""`flask --app wsgi actions list|remind`: actions for scripts, and the daily reminder digest."""
import json

import click
from flask import current_app
from flask.cli import AppGroup

from qa_app.services import action_lists, action_reminders
from qa_app.services import actions as service

actions_group = AppGroup("actions", help="List actions, and send the daily reminder digest.")


@actions_group.command("list")
@click.option("--team", help="Only actions owned by this team.")
@click.option("--overdue", is_flag=True, help="Only overdue actions.")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print a JSON array.")
def list_command(team, overdue, as_json):
    """Every action (or a team's, or the overdue ones), overdue first, then soonest due."""
    today = service.today()
    filters = action_lists.ActionFilters(team=team, status="overdue" if overdue else None)
    click.echo(json.dumps([action_lists.as_json(a, today) for a in action_lists.actions_for(None, filters, today)]))


@actions_group.command("remind")
def remind_command():
    """Email each owner and team manager their overdue and soon-due actions; once a day at most."""
    if not current_app.config.get("SMTP_HOST"):
        raise click.ClickException("SMTP_HOST is not set, so no reminders can be sent")
    run = action_reminders.send_reminders(service.today())
    click.echo(f"Reminders sent: {len(run.sent)}; already sent today: {len(run.skipped)}; failed: {len(run.failed)}")
    if run.failed:
        raise SystemExit(1)
