"""Command-line tools: ``flask --app wsgi <command>``. They call the same services as the pages."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from qa_app.demo import DEMO_PASSWORD, seed_demo_users
from qa_app.models import Agency, Role
from qa_app.services import accounts


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The person's name as shown in the app.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--team", "teams", multiple=True, help="Repeat for several teams.")
@click.option("--agency", default=Agency.CHILDRENS_SOCIAL_CARE.value,
              type=click.Choice([a.value for a in Agency]), show_default=True)
@click.option("--must-change-password", is_flag=True,
              help="Treat the password as one-time: it must be changed at first sign-in.")
def create_user_command(email, display_name, roles, teams, agency, must_change_password):
    """Create a user. The password is read from standard input (one line)."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(email=email, display_name=display_name, password=password,
                                    roles=roles, agency=agency, team_names=teams,
                                    must_change_password=must_change_password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load demo users (and, in later steps, demo case data) into an empty database."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Demo data is never loaded into a production configuration.")
    created = seed_demo_users()
    if created:
        click.echo("Demo logins (password for each: %s):" % DEMO_PASSWORD)
        for user in created:
            click.echo(f"  {user.email:<32} {', '.join(sorted(r.label for r in user.roles))}")
    else:
        click.echo("The database already has users; demo data was not loaded.")


def register_commands(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_data_command)
