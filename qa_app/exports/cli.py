"""``flask --app wsgi export findings|board-pack``: the same workbooks as the download buttons,
recorded in the audit trail as exports made from the command line by the user named with --as."""
from pathlib import Path

import click
from flask.cli import AppGroup

from qa_app.db import read_transaction
from qa_app.services.board_pack import PartlyCovered, export_board_pack
from qa_app.services.exports import ExportError, check_may_export, export_findings, user_by_email

export_group = AppGroup("export", help="Excel workbooks: a programme's findings, or the board pack for a period.")
AS_HELP = "The QA lead producing it (their email): named on the Cover and in the audit trail."


def _out_path(out: str, identifiable=False) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException("--out must name an .xlsx file")
    if not path.parent.is_dir():
        raise click.ClickException(f"There is no folder {path.parent}")
    if identifiable and not path.stem.lower().endswith("-identifiable"):
        # The file of real ids says so in its name wherever it is copied.
        path = path.with_name(f"{path.stem}-identifiable{path.suffix}")
    return path


def _producer(email: str, identifiable=False):
    with read_transaction():
        user = user_by_email(email)
        check_may_export(user, identifiable)
        return user


@export_group.command("findings")
@click.option("--programme", "programme_id", type=int, required=True, help="The programme's id.")
@click.option("--out", required=True, help="Where to write the .xlsx file.")
@click.option("--identifiable", is_flag=True, help="Real child and case ids instead of pseudonyms.")
@click.option("--as", "as_email", required=True, help=AS_HELP)
def export_findings_command(programme_id, out, identifiable, as_email):
    """A programme's findings workbook (pseudonymised unless --identifiable)."""
    path = _out_path(out, identifiable)
    try:
        export_findings(programme_id, path, user=_producer(as_email, identifiable), identifiable=identifiable,
                        via="command line")
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {path}{' (identifiable)' if identifiable else ''}")


@export_group.command("board-pack")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day, YYYY-MM-DD.")
@click.option("--out", required=True, help="Where to write the .xlsx file.")
@click.option("--allow-partial", is_flag=True,
              help="Make it even though the case data covers only part of the period (each sheet says so).")
@click.option("--as", "as_email", required=True, help=AS_HELP)
def export_board_pack_command(start, end, out, allow_partial, as_email):
    """The board pack for the period from --start to --end (inclusive)."""
    path = _out_path(out)
    try:
        export_board_pack(start.date(), end.date(), path, user=_producer(as_email), via="command line",
                          allow_partial=allow_partial)
    except PartlyCovered as error:
        raise click.ClickException(f"{error} Add --allow-partial to make it anyway.") from error
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {path}")
