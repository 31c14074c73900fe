"""Globals and filters every template may use."""
from datetime import datetime

from flask import request, url_for
from flask_login import current_user

from audit_tools.questionnaires import MET_ANSWERS
from qa_app.forms import error_summary
from qa_app.models import ActionStatus, Agency, Role
from qa_app.services.action_lists import overdue_count
from qa_app.services.actions import reads_actions
from qa_app.uk_time import uk_time


def navigation_items(user, active_endpoint):
    if not user.is_authenticated:
        return []
    items = [("main.home", "Home")]
    if user.has_role(Role.QA_LEAD):
        items += [("measures.dashboard", "Measures"), ("programmes.list_programmes", "Programmes"),
                  ("moderation.queue", "Moderation"), ("questionnaires.list_questionnaires", "Questionnaires"),
                  ("data.import_history", "Case data")]
    if reads_actions(user):
        overdue = overdue_count(user)
        # The count's link opens the list of exactly what it counts.
        items += [(("actions.list_actions", {"status": "overdue"}), f"Actions ({overdue} overdue)") if overdue
                  else ("actions.list_actions", "Actions")]
    if user.has_role(Role.QA_LEAD) or user.has_role(Role.AUDITOR):  # issue 26
        items += [("calibration.list_exercises", "Calibration")]
    if user.has_role(Role.ADMIN):
        items += [("admin.list_users", "Users"), ("admin.audit_trail", "Audit trail"),
                  ("admin.child_reads", "Who looked at a child")]
    links = []
    for target, text in items:
        endpoint, arguments = target if isinstance(target, tuple) else (target, {})
        links.append({"href": url_for(endpoint, **arguments), "text": text, "current": endpoint == active_endpoint})
    return links


def form_action() -> str:
    """Where a form posts: its own path and query, never the fragment the page was reached by
    (#main-content after the skip link), so the answer's error summary or banner takes focus."""
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def action_status_label(value) -> str:
    return ActionStatus(value).label if value in ActionStatus._value2member_map_ else ""


def format_datetime(value):
    """An exact time says which clock it is on: GMT in winter, BST in summer."""
    if not value:
        return ""
    local = uk_time(value)
    return local.strftime("%d %b %Y %H:%M ") + (local.tzname() or "UK time")


def format_time(value):
    if not value:
        return ""
    local = uk_time(value)
    return local.strftime("%H:%M ") + (local.tzname() or "UK time")


def format_date(value):
    """A day; a stored time's day is the day it was in the UK."""
    if not value:
        return ""
    return (uk_time(value) if isinstance(value, datetime) else value).strftime("%d %b %Y")


def answer_text(value, question) -> str:
    """An answer as its reader knows it: a met answer's label ("Partly", not "partly"), several
    answers joined. Long text keeps its own lines where the template gives it app-details-list."""
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(answer_text(v, question) for v in value)
    if question is not None and question.type == "met":
        return MET_ANSWERS.get(value, str(value))
    return str(value)


def answer_label(value) -> str:
    """A yes/partly/no answer's label where a question is not to hand (a condition's note)."""
    return MET_ANSWERS.get(value, str(value))


def agency_label(value) -> str:
    return Agency(value).label if value in Agency._value2member_map_ else str(value)


def register_template_helpers(app):
    app.add_template_filter(agency_label, "agency")
    app.add_template_filter(answer_text, "answer")
    app.add_template_filter(answer_label, "answer_label")
    app.add_template_filter(action_status_label, "action_status")
    app.add_template_global(navigation_items)
    app.add_template_global(form_action)
    app.add_template_global(error_summary)
    app.add_template_global(Role)
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_time, "time")

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
