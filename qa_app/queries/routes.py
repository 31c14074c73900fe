"""Queries on an answer (issue 26): a moderator opens one, its author answers, the moderator
closes it. Who may do what is the queries service's question (qa_app/services/queries/rules.py)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.extensions import db
from qa_app.forms import error_link
from qa_app.models import CaseAudit, Role
from qa_app.moderation.forms import ReopenForm
from qa_app.queries.forms import CloseForm, MessageForm, open_query_form
from qa_app.security import deny, roles_required
from qa_app.services import queries as service
from qa_app.services.case_audits import audit_part
from qa_app.services.case_reads import record_case_read

queries = Blueprint("queries", __name__)


def _page_errors(form, problems) -> list[dict]:
    for key, text in problems.items():
        if key in form:
            form[key].errors = [text]
    return [{"text": text, "href": error_link(form, key)} for key, text in problems.items()]


@queries.route("/new/<int:case_audit_id>/<part>/<question_id>", methods=["GET", "POST"])
@roles_required(Role.QA_LEAD)
def open_query(case_audit_id, part, question_id):
    case_audit = db.get_or_404(CaseAudit, case_audit_id)
    question = service.question_of(case_audit, part, question_id)
    if question is None:
        abort(404)
    problems = {}
    if request.method == "POST":
        form = open_query_form(question)
        try:
            query = service.open_query(case_audit.id, part, question.id, form.note.data, form.suggested.data,
                                       current_user)
        except service.QueryRefused as refused:
            problems = refused.problems
        else:
            flash("Query sent to the auditor.", "success")
            return redirect(url_for("queries.show", query_id=query.id))
    else:
        form = open_query_form(question, formdata=None)
    record_case_read("query on an answer", child_ids=[case_audit.child_id], object_type="case_audit",
                     object_id=case_audit.id)
    current = audit_part(case_audit, part)
    # Said instead of the form on the first look; a refused post shows the form as typed instead.
    refusal = None if problems else service.why_not_open(case_audit, part, current_user)
    return render_template("queries/new.html", case_audit=case_audit, part=current, question=question,
                           answer=(current.record.answers or {}).get(question.id), query_form=form,
                           page_errors=_page_errors(form, problems), refusal=refusal)


@queries.get("/<int:query_id>")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def show(query_id):
    query = service.readable(query_id, current_user) or deny(404)
    return _thread(query)


def _thread(query, message_form=None, close_form=None, problems=None):
    record_case_read("query on an answer", child_ids=[query.case_audit.child_id], object_type="case_audit",
                     object_id=query.case_audit_id)
    message_form = message_form or MessageForm(formdata=None)
    close_form = close_form or CloseForm(formdata=None)
    moderating = service.may_moderate(query.case_audit, current_user)
    answering = service.may_answer(query, current_user)
    if moderating and not answering:
        message_form.text.label.text = "Add to the query"
    page_errors = []
    for form in (message_form, close_form):
        page_errors += _page_errors(form, {k: v for k, v in (problems or {}).items() if k in form})
    page_errors += [{"text": v, "href": "#main-content"} for k, v in (problems or {}).items() if k == "_state"]
    [summary] = service.described([query])
    part = audit_part(query.case_audit, query.part)
    return render_template("queries/show.html", query=query, summary=summary, part=part,
                           question=service.question_of(query.case_audit, query.part, query.question_id),
                           answer_now=service.current_answer(query), moderating=moderating, answering=answering,
                           message_form=message_form, close_form=close_form, page_errors=page_errors,
                           reopen_form=ReopenForm(formdata=None, part=query.part))


@queries.post("/<int:query_id>/messages")
@roles_required(Role.QA_LEAD, Role.AUDITOR)
def write(query_id):
    query = service.readable(query_id, current_user) or deny(404)
    form = MessageForm()
    try:
        message = service.write(query.id, form.text.data, current_user)
    except service.QueryRefused as refused:
        return _thread(service.get(query_id), message_form=form, problems=refused.problems)
    flash("Your answer has been sent to the moderator." if message.kind == "answered"
          else "Your message has been added to the query.", "success")
    return redirect(url_for("queries.show", query_id=query_id))


@queries.post("/<int:query_id>/close")
@roles_required(Role.QA_LEAD)
def close(query_id):
    query = service.readable(query_id, current_user) or deny(404)
    form = CloseForm()
    try:
        service.close(query.id, form.note.data, current_user)
    except service.QueryRefused as refused:
        return _thread(service.get(query_id), close_form=form, problems=refused.problems)
    flash("Query closed.", "success")
    return redirect(url_for("queries.show", query_id=query_id))
