"""Excel downloads for QA leads: a programme's findings workbook and the board pack."""
import io

from flask import Blueprint, flash, redirect, send_file, url_for
from flask_login import current_user

from qa_app.exports.forms import FindingsExportForm
from qa_app.extensions import db
from qa_app.forms import PeriodForm
from qa_app.models import AuditProgramme, Role
from qa_app.security import roles_required
from qa_app.services.board_pack import board_pack_coverage, export_board_pack
from qa_app.services.exports import XLSX_TYPE, ExportError, export_findings

exports = Blueprint("exports", __name__)


def _download(buffer: io.BytesIO, name: str):
    buffer.seek(0)
    response = send_file(buffer, mimetype=XLSX_TYPE, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@exports.post("/programmes/<int:programme_id>/findings.xlsx")
@roles_required(Role.QA_LEAD)
def programme_findings(programme_id):
    db.get_or_404(AuditProgramme, programme_id)
    identifiable = FindingsExportForm().identifiable.data
    buffer = io.BytesIO()
    try:
        name = export_findings(programme_id, buffer, user=current_user, identifiable=identifiable)
    except ExportError as error:
        flash(str(error), "error")
        return redirect(url_for("programmes.show_programme", programme_id=programme_id))
    return _download(buffer, name)


@exports.post("/board-pack.xlsx")
@roles_required(Role.QA_LEAD)
def board_pack():
    form = PeriodForm()
    period = form.chosen_period()
    if period is None:
        # Back to the measures page, which shows why in its error summary beside the typed period.
        return redirect(url_for("measures.dashboard", board_pack=(form.period.data or "")[:100]))
    buffer = io.BytesIO()
    try:
        coverage = board_pack_coverage(period.start, period.end)
        # On the page a partly covered period is made with a warning; every sheet it touches says so.
        name = export_board_pack(period.start, period.end, buffer, user=current_user, allow_partial=True)
    except ExportError as error:
        flash(f"Board pack: {error}", "error")
        return redirect(url_for("measures.dashboard"))
    if coverage.partial:
        flash(f"Board pack: {coverage.reason()}", "warning")
    return _download(buffer, name)
