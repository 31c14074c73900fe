"""The family's own pages (issue 25): no sign-in, nothing about the case, and one answer for
every link or code that does not work, whether unknown, used, replaced or expired.

The link's token is in the URL once: opening it puts the invitation in the browser's session and
redirects to pages whose addresses hold no secret. Guessing is slowed per address by the
sign-in's own limit (accounts.address_throttled)."""
import logging
import re

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from audit_tools.family_feedback import ANYTHING_ELSE, QUESTIONS, anything_else_label
from qa_app.families.forms import CodeForm, SendForm, family_form
from qa_app.forms import error_link
from qa_app.services import accounts
from qa_app.services.participation import families as service

feedback = Blueprint("feedback", __name__)
SESSION_KEY = "family_invitation"
_LINK = re.compile(r"/feedback/(?!questions\b|check\b|done\b)[A-Za-z0-9_-]{16,}")


def redact_feedback_links(text: str) -> str:
    """A request line with a feedback link's token, with the token taken out."""
    return _LINK.sub("/feedback/[link]", text)


class RedactFeedbackLinks(logging.Filter):
    """On the request log (the development server's werkzeug logger): never write a token."""

    def filter(self, record):
        message = record.getMessage()
        if "/feedback/" in message:
            record.msg, record.args = redact_feedback_links(message), ()
        return True


def install_log_redaction() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactFeedbackLinks) for f in logger.filters):
        logger.addFilter(RedactFeedbackLinks())


def _not_working():
    """The same page and status for every link or code that does not open a form."""
    return render_template("feedback/not_working.html"), 404


def _slow_down():
    return render_template("feedback/slow_down.html"), 429


def _open(invitation):
    session[SESSION_KEY] = invitation.id
    return redirect(url_for("feedback.questions"))


def _current():
    return service.usable_invitation(session.get(SESSION_KEY))


@feedback.route("", methods=["GET", "POST"])
def start():
    form = CodeForm()
    if request.method == "POST":
        if accounts.address_throttled():
            return _slow_down()
        invitation = service.invitation_for_code(form.code.data or "")
        if invitation is not None:
            return _open(invitation)
        accounts.count_address_failure()
        form.code.errors = ["Enter the code exactly as it is on your letter. A code works once, "
                            "until the date on the letter."]
    return render_template("feedback/start.html", form=form)


@feedback.get("/<token>")
def open_link(token):
    if accounts.address_throttled():
        return _slow_down()
    invitation = service.invitation_for_token(token)
    if invitation is None:
        accounts.count_address_failure()
        return _not_working()
    return _open(invitation)


@feedback.route("/questions", methods=["GET", "POST"])
def questions():
    invitation = _current()
    if invitation is None:
        return _not_working()
    if request.method == "GET":
        form = family_form(invitation.kind, formdata=None, data=invitation.draft_answers or {})
        return render_template("feedback/questions.html", form=form, kind=invitation.kind)
    form = family_form(invitation.kind)
    answers = {q.id: form[q.id].data for q in QUESTIONS} | {ANYTHING_ELSE: form[ANYTHING_ELSE].data or ""}
    try:
        service.save_answers(invitation.id, answers)
    except service.FamilyFeedbackError as error:
        for name, message in error.problems.items():
            if name in form:
                form[name].errors = [message]
        if "" in error.problems:
            return _not_working()
        return render_template("feedback/questions.html", form=form, kind=invitation.kind)
    return redirect(url_for("feedback.check"))


@feedback.route("/check", methods=["GET", "POST"])
def check():
    invitation = _current()
    if invitation is None or service.check_answers(invitation.draft_answers or {}):
        return _not_working()
    if request.method == "POST":
        SendForm()  # the CSRF check is app-wide; the form carries nothing else
        try:
            service.submit(invitation.id)
        except service.FamilyFeedbackError:
            return _not_working()
        session.pop(SESSION_KEY, None)
        return redirect(url_for("feedback.done"))
    draft = invitation.draft_answers
    rows = [(q.label(invitation.kind), dict(q.choices(invitation.kind)).get(draft.get(q.id), ""), q.id)
            for q in QUESTIONS]
    rows.append((anything_else_label(invitation.kind), draft.get(ANYTHING_ELSE) or "Nothing", ANYTHING_ELSE))
    return render_template("feedback/check.html", rows=rows, form=SendForm())


@feedback.get("/done")
def done():
    return render_template("feedback/done.html")


@feedback.errorhandler(CSRFError)
def _form_refused(error):
    """The family's own error page: no staff navigation, and what to do if worried about a child."""
    return render_template("feedback/error.html", title="Your form could not be sent",
                           message="The page was open too long. Go back, reload the page and try again."), 400


@feedback.errorhandler(HTTPException)
def _http_error(error):
    if error.code in (404, 405):
        return _not_working()
    return render_template("feedback/error.html", title="Sorry, there is a problem with the service",
                           message="Try again later."), error.code or 500


__all__ = ["feedback", "error_link"]
