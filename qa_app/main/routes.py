"""Home pages per role, the health check, the accessibility statement and the privacy notice."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from qa_app.db import database_answers
from qa_app.models import Role
from qa_app.moderation.forms import AcknowledgeForm
from qa_app.security import any_signed_in_user
from qa_app.services import accounts, action_lists, actions, case_data, imports, jobs, my_audits, queries, safeguarding
from qa_app.services.governance import privacy_notice as privacy
from qa_app.services.participation import practitioners as practitioner_reviews

main = Blueprint("main", __name__)


@main.get("/")
@any_signed_in_user
def home():
    """One page with a section for each role the user holds."""
    return home_page()


def home_page(acknowledge_form=None, refused_concern_id=None, status=200):
    """The home page; with a refused acknowledgement, its form comes back as typed on its concern."""
    users, latest_imports, data_covers, assignments, my_actions = [], [], (None, None), [], []
    stage_counts, shown_stage, awaiting_verification = {}, request.args.get("show"), 0
    shown_stage = shown_stage if shown_stage in my_audits.MY_AUDIT_STAGES else None
    concerns = safeguarding.concerns_for(current_user)
    if current_user.has_role(Role.AUDITOR):
        everything = my_audits.my_assignments(current_user)
        stage_counts = {stage: sum(a.stage == stage for a in everything) for stage in my_audits.MY_AUDIT_STAGES}
        assignments = [a for a in everything if shown_stage in (None, a.stage)]
    if actions.works_actions(current_user):
        my_actions = action_lists.actions_for(current_user, action_lists.ActionFilters(status="outstanding"))
    if current_user.has_role(Role.ADMIN):
        users = accounts.users_by_name()
    unmanaged = safeguarding.teams_nobody_manages() if current_user.has_role(Role.QA_LEAD, Role.ADMIN) else []
    if current_user.has_role(Role.QA_LEAD):
        latest_imports = imports.latest_batches(limit=3)
        awaiting_verification = action_lists.awaiting_verification_count(current_user)
        data_covers = case_data.data_range()
    worker_running = jobs.worker_running() if current_user.has_role(Role.ADMIN) else True
    # Issue 25: the audits shared with a practitioner, to reflect on.
    invitations = practitioner_reviews.invitations_for(current_user) if current_user.has_role(Role.PRACTITIONER) else []
    # Queries on a question (issue 26): open queries this auditor answers.
    waiting_queries = queries.described(queries.waiting_for(current_user)) if current_user.has_role(Role.AUDITOR) else []
    return render_template("main/home.html", users=users, latest_imports=latest_imports,
                           worker_running=worker_running,
                           data_covers=data_covers, assignments=assignments, concerns=concerns,
                           stage_counts=stage_counts, awaiting_verification=awaiting_verification,
                           shown_stage=shown_stage, stages=my_audits.MY_AUDIT_STAGES,
                           my_actions=my_actions, today=actions.today(), unmanaged=unmanaged,
                           unmanaged_names={t.name for t in unmanaged},
                           acknowledge_form=AcknowledgeForm(formdata=None), refused_form=acknowledge_form,
                           refused_concern_id=refused_concern_id, invitations=invitations,
                           form=acknowledge_form if acknowledge_form is not None else None,
                           waiting_queries=waiting_queries), status


@main.post("/session/stay-signed-in")
@any_signed_in_user
def stay_signed_in():
    """The timeout warning's "Stay signed in" (issue 24): the request itself, past the access
    check, counts as activity and restarts the 30 idle minutes."""
    return "", 204


@main.get("/health")
def health():
    """For load balancers and monitoring: whether the database answers, and whether a background
    worker is running (the web still serves without one, so the answer stays 200)."""
    database_answers()
    return {"status": "ok", "worker": "running" if jobs.worker_running() else "not running"}


@main.get("/accessibility")
def accessibility_statement():
    return render_template("main/accessibility.html")


@main.get("/privacy")
def privacy_notice():
    """Public, like the accessibility statement: staff should read it before they sign in."""
    return render_template("main/privacy.html", blocks=privacy.notice_blocks())
