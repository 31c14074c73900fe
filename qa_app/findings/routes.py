"""A programme's findings for QA leads (and its auditors once it is closed), and closing it."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from audit_tools.programme_findings import LEARNING, OUTCOME_LABELS
from audit_tools.questionnaires import GRADES, MET_ANSWERS
from qa_app.charts import bar_chart, share_chart
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from qa_app.security import roles_required
from qa_app.services import action_lists
from qa_app.services import actions as action_service
from qa_app.services import findings as service
from qa_app.services import programmes as programme_service
from qa_app.services.case_reads import record_case_read
from qa_app.services.participation import families as family_service
from qa_app.services.participation import practitioners as practitioner_reviews

findings = Blueprint("findings", __name__)


@findings.get("/<int:programme_id>/findings")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def show(programme_id):
    programme = service.readable_programme(programme_id, current_user) or abort(404)
    record_case_read("programme findings", list_filter={"programme": programme.id},
                     object_type="audit_programme", object_id=programme.id)
    records = service.audit_records(programme)
    found = service.findings_for(programme, records)
    earlier, comparison = service.reaudit_comparison(programme, found)
    outcomes = service.outcomes_for(programme, records)
    met = [q for q in found.questions if q.type == "met"]
    charts = {
        "grades": bar_chart("Overall grades before and after moderation", list(GRADES),
                            [("Auditors' grades", [found.grades.before.counts[g] for g in GRADES]),
                             ("After moderation", [found.grades.after.counts[g] for g in GRADES])]),
        "yes": share_chart("Share answering yes, by question",
                           [(q.label, q.pct("yes")) for q in met if q.agency is None]),
    }
    return render_template("findings/show.html", programme=programme, found=found, comparison=comparison,
                           earlier=earlier, outcomes=outcomes, outcome_labels=OUTCOME_LABELS, charts=charts,
                           grades=GRADES, met_answers=MET_ANSWERS, learning=LEARNING,
                           actions=action_lists.actions_of_programme(programme.id), today=action_service.today(),
                           family=family_service.programme_feedback(programme, records),
                           involvement=practitioner_reviews.involvement_for(programme),
                           usefulness_labels=practitioner_reviews.USEFULNESS)


@findings.post("/<int:programme_id>/close")
@roles_required(Role.QA_LEAD)
def close(programme_id):
    programme = db.get_or_404(AuditProgramme, programme_id)
    try:
        programme_service.close_programme(programme.id, current_user)
    except programme_service.ProgrammeError as error:
        flash(f"Not closed: {error}", "info")
        return redirect(url_for("programmes.show_programme", programme_id=programme.id))
    flash(f"{programme.name} is closed. Its auditors can now read the findings.", "success")
    return redirect(url_for("findings.show", programme_id=programme.id))
