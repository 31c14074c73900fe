"""Home pages per role, the health check and the accessibility statement."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from qa_app.db import database_answers
from qa_app.models import Role
from qa_app.moderation.forms import AcknowledgeForm
from qa_app.security import any_signed_in_user
from qa_app.services import accounts, action_lists, actions, case_data, imports, programmes, safeguarding

main = Blueprint("main", __name__)


@main.get("/")
@any_signed_in_user
def home():
    """One page with a section for each role the user holds."""
    users, latest_imports, data_covers, assignments, my_actions = [], [], (None, None), [], []
    stage_counts, shown_stage, awaiting_verification = {}, request.args.get("show"), 0
    shown_stage = shown_stage if shown_stage in programmes.MY_AUDIT_STAGES else None
    concerns = safeguarding.concerns_for(current_user)
    if current_user.has_role(Role.AUDITOR):
        everything = programmes.my_assignments(current_user)
        stage_counts = {stage: sum(a.stage == stage for a in everything) for stage in programmes.MY_AUDIT_STAGES}
        assignments = [a for a in everything if shown_stage in (None, a.stage)]
    if actions.works_actions(current_user):
        my_actions = action_lists.actions_for(current_user, action_lists.ActionFilters(status="outstanding"))
    if current_user.has_role(Role.ADMIN):
        users = accounts.users_by_name()
    if current_user.has_role(Role.QA_LEAD):
        latest_imports = imports.latest_batches(limit=3)
        awaiting_verification = action_lists.awaiting_verification_count(current_user)
        data_covers = case_data.data_range()
    return render_template("main/home.html", users=users, latest_imports=latest_imports,
                           data_covers=data_covers, assignments=assignments, concerns=concerns,
                           stage_counts=stage_counts, awaiting_verification=awaiting_verification, shown_stage=shown_stage, stages=programmes.MY_AUDIT_STAGES,
                           my_actions=my_actions, today=actions.today(),
                           acknowledge_form=AcknowledgeForm(formdata=None))


@main.get("/health")
def health():
    """For load balancers: says whether the database answers, and nothing else."""
    database_answers()
    return {"status": "ok"}


@main.get("/accessibility")
def accessibility_statement():
    return render_template("main/accessibility.html")
