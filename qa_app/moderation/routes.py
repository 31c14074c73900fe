"""Moderation for QA leads, and acknowledging safeguarding concerns."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from audit_tools.records import DECISION_LABELS
from qa_app.db import DatabaseBusy
from qa_app.extensions import db
from qa_app.main.routes import home_page
from qa_app.forms import error_link
from qa_app.models import CaseAudit, ModerationOutcome, Role
from qa_app.moderation.forms import AcknowledgeForm, ReopenForm, chosen_grades, moderation_form
from qa_app.security import roles_required
from qa_app.services import moderation as service
from qa_app.services import queries, safeguarding
from qa_app.services.case_audits import LEAD, audit_part
from qa_app.services.case_lists import child_histories
from qa_app.services.case_reads import record_case_read
from qa_app.services.participation import practitioners as practitioner_reviews

moderation = Blueprint("moderation", __name__)


@moderation.get("/")
@roles_required(Role.QA_LEAD)
def queue():
    return render_template("moderation/queue.html", items=service.moderation_queue())


@moderation.route("/<int:case_audit_id>", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def moderate(case_audit_id):
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    graded = service.graded_questions(case_audit)
    problems = {}
    if request.method == "POST":
        form = moderation_form(graded)
        grades, reasons = chosen_grades(form, graded)
        try:
            service.moderate(case_audit.id, grades, reasons, outcome=form.outcome.data,
                             comments=form.comments.data, user=current_user)
        except service.ModerationError as error:
            problems = error.problems
        except DatabaseBusy:
            # Shown again after the database was too busy to save it (qa_app/errors.py): the
            # moderation as typed, with the message asking the moderator to save again.
            pass
        else:
            accepted = form.outcome.data == ModerationOutcome.ACCEPTED
            flash(f"Case {case_audit.case_id} {'accepted' if accepted else 'returned to the auditor'}.", "success")
            # On to the next audit waiting, so a moderator works down the queue without a detour.
            following = service.next_in_queue(current_user)
            if following is None:
                return redirect(url_for("moderation.queue"))
            return redirect(url_for("moderation.moderate", case_audit_id=following.id))
    else:
        form = _starting_form(case_audit)
    return _moderation_page(case_audit, form, problems)


def _starting_form(case_audit):
    """The auditor's grades are the starting point."""
    graded = service.graded_questions(case_audit)
    return moderation_form(graded, formdata=None, data={q.id: grade for q, grade in graded})


def _moderation_page(case_audit, form, problems, reopen_form=None):
    graded = service.graded_questions(case_audit)
    for key, text in problems.items():
        if key in form:
            form[key].errors = [text]
    page_errors = [{"text": text, "href": error_link(form, key)} for key, text in problems.items()]
    record_case_read("moderation", child_ids=[case_audit.child_id], object_type="case_audit",
                     object_id=case_audit.id)
    lead = audit_part(case_audit, LEAD)
    return render_template("moderation/moderate.html", case_audit=case_audit, lead=lead,
                           question_labels={q.id: q.label for s in lead.sections for q in s.questions},
                           graded=graded, moderation_form=form, page_errors=page_errors,
                           reopen_form=reopen_form or ReopenForm(formdata=None), reopen_open=reopen_form is not None,
                           form=reopen_form if reopen_form is not None else None,
                           own_work=service.is_own_work(case_audit, current_user),
                           reasons=service.queue_reasons(case_audit) if case_audit.may("moderate") else [],
                           history=child_histories([case_audit.child_id])[case_audit.child_id],
                           earlier=service.moderations_of(case_audit), decision_labels=DECISION_LABELS,
                           review=practitioner_reviews.review_of(case_audit),
                           # Queries on a question (issue 26): every submitted part's answers may be queried.
                           agency_parts=[audit_part(case_audit, s.agency) for s in case_audit.sections if s.submitted],
                           audit_queries=queries.described(queries.queries_on(case_audit)),
                           may_query=case_audit.status == "submitted" and queries.may_moderate(case_audit, current_user))


@moderation.post("/<int:case_audit_id>/reopen")
@roles_required(Role.QA_LEAD)
def reopen(case_audit_id):
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    form = ReopenForm()
    try:
        service.reopen(case_audit.id, form.part.data or LEAD, form.reason.data, current_user)
    except service.ModerationError as error:
        # The moderation page again, with the reason as typed and why it was refused.
        form.reason.errors = [f"Not reopened: {error}"]
        return _moderation_page(case_audit, _starting_form(case_audit), {}, reopen_form=form)
    except DatabaseBusy:
        # Shown again after the database was too busy (qa_app/errors.py): the reason as typed.
        return _moderation_page(case_audit, _starting_form(case_audit), {}, reopen_form=form)
    flash(f"Case {case_audit.case_id} reopened for its auditor.", "success")
    return redirect(url_for("moderation.moderate", case_audit_id=case_audit.id))


@moderation.post("/safeguarding/<int:concern_id>/acknowledge")
@roles_required(Role.TEAM_MANAGER, Role.QA_LEAD)
def acknowledge(concern_id):
    form = AcknowledgeForm()
    try:
        safeguarding.acknowledge(concern_id, form.note.data, current_user)
    except safeguarding.ConcernError as error:
        # The home page again, with the note as typed and the reason it was not saved.
        form.note.errors = [f"Not acknowledged: {error}"]
        return home_page(form, concern_id)
    flash("Concern acknowledged.", "success")
    return redirect(url_for("main.home"))
