"""Command-line tools: ``flask --app wsgi <command>``. They call the same services as the pages."""
import json
import random
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from audit_tools.periods import custom
from audit_tools.sampling import (FRAMES, REFERRAL_FRAMES, STRATIFY_FIELDS, FrameDefinition, SampleError,
                                  SampleRequest, apply_exclusions, draw_sample)
from qa_app.actions.cli import actions_group
from qa_app.demo import (DEMO_PASSWORD, DEMO_SECOND_FACTOR_USER, DEMO_TOTP_SECRET, seed_demo_case_data,
                         seed_demo_programmes, seed_demo_users)
from qa_app.extensions import db
from qa_app.models import Agency, ImportKind, ImportStatus, Role, User
from qa_app.exports.cli import export_group
from qa_app.services import accounts, case_data, imports, measures_cache, programmes


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The person's name as shown in the app.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--team", "teams", multiple=True,
              help="A team in the case data or already added; repeat for several teams.")
@click.option("--new-team", "new_teams", multiple=True,
              help="A team nobody knows yet, created on purpose; repeat for several.")
@click.option("--agency", default=Agency.CHILDRENS_SOCIAL_CARE.value,
              type=click.Choice([a.value for a in Agency]), show_default=True)
@click.option("--must-change-password", is_flag=True,
              help="Treat the password as one-time: it must be changed at first sign-in.")
def create_user_command(email, display_name, roles, teams, new_teams, agency, must_change_password):
    """Create a user. The password is read from standard input (one line)."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(email=email, display_name=display_name, password=password,
                                    roles=roles, agency=agency, team_names=teams + new_teams,
                                    new_teams=new_teams,
                                    must_change_password=must_change_password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")


@click.command("demo-data")
@click.option("--seed", default=2015, show_default=True, help="Seed for the synthetic council.")
@with_appcontext
def demo_data_command(seed):
    """Load demo users and a synthetic council's case data into an empty database."""
    if current_app.config.get("ENV_NAME") not in ("development", "test") or not current_app.config.get("ENV_NAMED"):
        # An unset QA_ENV means development, but a production server whose QA_ENV was forgotten
        # must not get a demo admin with the published password.
        raise click.ClickException("Demo data loads only where QA_ENV=development or QA_ENV=test is set; "
                                   "it is never loaded into a production configuration.")
    created = seed_demo_users()
    if created:
        click.echo("Demo logins (password for each: %s):" % DEMO_PASSWORD)
        for user in created:
            click.echo(f"  {user.email:<34} {', '.join(sorted(r.label for r in user.roles))}")
    else:
        click.echo("The database already has users; demo users were not loaded.")
    if db.session.scalar(db.select(User.id).filter_by(email=DEMO_SECOND_FACTOR_USER[0])):
        click.echo(f"{DEMO_SECOND_FACTOR_USER[0]} asks for a code after the password: add this key to an "
                   f"authenticator app: {DEMO_TOTP_SECRET}")
    loaded = seed_demo_case_data(seed)
    click.echo(loaded or "The database already has case data; demo case data was not loaded.")
    if created:
        click.echo(seed_demo_programmes() or "The database already has audit programmes.")


@click.command("import")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--blank-bad-optional", is_flag=True,
              help="Import with bad cells in optional columns (date of birth, sex, ethnicity, "
                   "disability) left blank, and list them. Everything the measures use stays all or nothing.")
@with_appcontext
def import_command(kind, path, blank_bad_optional):
    """Import a case data file, all or nothing: exit 0 when imported, 1 with the errors when not."""
    try:
        batch = imports.queue_import(kind, path, path, blank_bad_optional=blank_bad_optional)
    except imports.ImportRefused as error:
        raise click.ClickException(str(error)) from error
    batch = imports.run_import(batch.id)
    if batch.status != ImportStatus.SUCCEEDED:
        click.echo(f"{batch.file_name}: not imported. Nothing was written. "
                   f"{batch.error_count} error(s):", err=True)
        for problem in batch.errors:
            click.echo("  " + imports.describe_problem(problem), err=True)
        if batch.error_count > len(batch.errors):
            click.echo(f"  ... and {batch.error_count - len(batch.errors)} more", err=True)
        for problem in batch.warnings:
            # Shown with the errors, so the file is corrected once.
            click.echo("  Also to check: " + imports.describe_problem(problem), err=True)
        if (batch.layout or {}).get("can_blank_optional"):
            click.echo("Every error is in an optional column: run again with --blank-bad-optional "
                       "to import with those cells left blank.", err=True)
        sys.exit(1)
    click.echo(f"{batch.file_name}: imported {batch.rows_processed} rows. {json.dumps(batch.counts)}")
    if batch.dropped_columns:
        click.echo("Columns not used, and not stored: " + ", ".join(batch.dropped_columns))
    for note in (batch.layout or {}).get("notes", []):
        click.echo("Found: " + note)
    if batch.blanked_count:
        click.echo(f"{batch.blanked_count} optional cell(s) left blank, as asked:")
        for problem in batch.blanked:
            click.echo("  Left blank: " + imports.describe_problem(problem))
    for line in imports.warning_summary(batch):
        click.echo("Data quality: " + line)
    for problem in batch.warnings:
        click.echo("  Warning: " + imports.describe_problem(problem))
    try:
        # As the worker does after an uploaded import: the first QA lead to open the measures
        # page then reads its figures rather than waiting for every row to be read.
        measures_cache.measures_page(None)
    except Exception as error:  # the import is committed and stands
        click.echo(f"The measures page's figures were not worked out ({error}); the page works them "
                   "out when first opened.", err=True)


population_group = AppGroup("population", help="Child population (0 to 17) by year.")


@population_group.command("set")
@click.argument("year", type=int)
@click.argument("count", type=int)
def population_set_command(year, count):
    """Set the ONS mid-year estimate for YEAR (2015 is used for 2015/16)."""
    try:
        case_data.set_population(year, count)
    except case_data.ReferenceDataError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Child population for {year} set to {count:,}")


def _iso_date(ctx, param, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, for example 2015-04-01") from None


@click.command("measures")
@click.option("--start", required=True, callback=_iso_date, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, callback=_iso_date, help="Last day, YYYY-MM-DD.")
@click.option("--population", type=click.IntRange(min=1), help="Children aged 0-17; "
              "defaults to the stored figure for the period's year.")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print one JSON object.")
@with_appcontext
def measures_command(start, end, population, as_json):
    """Referral, re-referral and repeat-plan measures for a period, as JSON."""
    if end < start:
        raise click.BadParameter("the end date is before the start date", param_hint="--end")
    period = custom(start, end)
    population = population or case_data.population_for(period)
    summary = case_data.summary_of(period, population)
    click.echo(json.dumps(summary))


@click.command("sample")
@click.option("--frame", "frame_kind", required=True,
              type=click.Choice(list(FRAMES)))
@click.option("--start", required=True, callback=_iso_date, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, callback=_iso_date, help="Last day, YYYY-MM-DD.")
@click.option("--size", type=click.IntRange(min=1), help="Number of cases.")
@click.option("--percent", type=click.FloatRange(min=0, min_open=True, max=100), help="Percentage of the frame.")
@click.option("--census", is_flag=True, help="Every case in the frame.")
@click.option("--stratify", type=click.Choice(sorted(STRATIFY_FIELDS)), help="Stratify by this field.")
@click.option("--exclude-audited-months", default=12, show_default=True, type=click.IntRange(min=0),
              help="Leave out children with a case audit in this many months.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed; a new one is made and printed if left out.")
@click.option("--programme", "programme_name", help="Save the sample as a new audit programme of this name.")
@click.option("--json", "as_json", is_flag=True, required=True, help="Print one JSON object.")
@with_appcontext
def sample_command(frame_kind, start, end, size, percent, census, stratify, exclude_audited_months,
                   seed, programme_name, as_json):
    """Draw a reproducible sample. Saves nothing unless --programme is given."""
    if sum(bool(x) for x in (size, percent, census)) != 1:
        raise click.UsageError("Give exactly one of --size, --percent or --census")
    if end < start:
        raise click.BadParameter("the end date is before the start date", param_hint="--end")
    method = "census" if census else ("stratified" if stratify else "random")
    request = SampleRequest(method, size, percent, stratify)
    seed = programmes.new_seed() if seed is None else seed
    period = custom(start, end)
    try:
        if programme_name:
            programme = programmes.create_programme(
                name=programme_name, theme=None,
                questionnaire_id="re-referral-audit" if frame_kind in REFERRAL_FRAMES else "repeat-cp-plan-audit",
                frame_kind=frame_kind, period_text=f"{start.isoformat()}..{end.isoformat()}")
            saved = programmes.draw_programme_sample(programme.id, request, seed=seed,
                                                     exclude_months=exclude_audited_months)
            result = {"frame_size": saved.frame_size, "seed": saved.seed, "method": saved.method,
                      "frame_hash": saved.frame_hash, "ids": saved.drawn_ids}
        else:
            cases = programmes.frame_for(FrameDefinition(frame_kind, period))
            eligible, _ = apply_exclusions(cases, programmes.excluded_children(None, exclude_audited_months))
            drawn = draw_sample(eligible, request, seed, random.Random)
            result = {"frame_size": drawn.frame_size, "seed": drawn.seed, "method": drawn.method,
                      "frame_hash": drawn.frame_hash, "ids": drawn.ids}
    except (programmes.ProgrammeError, SampleError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(result))


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs queued now, then stop.")
@with_appcontext
def worker_command(once):
    """Run background jobs (uploaded imports) until stopped.

    SIGTERM lets the running job finish first; Ctrl-C stops at once and fails it cleanly."""
    from qa_app.worker import Worker
    worker = Worker()
    worker.install_signal_handlers()
    worker.run(once=once)


def register_commands(app):
    from qa_app.ops_cli import COMMANDS as OPERATIONS
    for command in (create_user_command, demo_data_command, import_command, population_group,
                    measures_command, sample_command, actions_group, export_group, worker_command, *OPERATIONS):
        app.cli.add_command(command)
