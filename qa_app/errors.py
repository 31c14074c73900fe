"""Error pages. They carry the same security headers as every other page (after_request runs
for them too) and never show a traceback."""
import logging

from flask import current_app, flash, g, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, SecurityError

from qa_app import forms  # noqa: F401  (its forms hold back while a busy post is shown again)
from qa_app.db import DatabaseBusy, database_busy
from qa_app.extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: "There is a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Page not found",
    413: "The file is too large",
}


PLAIN_FAULT = ("Sorry, there is a problem with the service. Try again later. "
               "Nothing you had already saved has been lost.")


def _error_page(status: int, **page):
    """The error page, which must itself never fail: the request's transaction is rolled back
    first (on PostgreSQL a failed statement leaves it refusing every later one, the navigation's
    among them), and if the page still cannot be built a plain answer is sent instead."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone; the page may still render without it
        log.warning("Could not roll back before the error page", exc_info=True)
    try:
        return render_template("errors/error.html", status=status, **page), status
    except Exception:
        log.exception("The error page could not be built")
        return PLAIN_FAULT, status, {"Content-Type": "text/plain; charset=utf-8"}


def handle_http_error(error: HTTPException):
    status = error.code or 500
    title = TITLES.get(status, "Sorry, there is a problem with the service")
    return _error_page(status, title=title)


def handle_untrusted_host(error: SecurityError):
    """A Host header we do not serve (TRUSTED_HOSTS). No page can be built, since every link on
    it would name that host: a plain answer."""
    return "Bad request: this server does not serve that host name.", 400, {"Content-Type": "text/plain"}


def handle_csrf_error(error: CSRFError):
    return _error_page(
        400, title="Your form could not be sent",
        message="The page was open too long, or the form was sent from elsewhere. "
                "Go back, reload the page and try again. What you typed may still be there.")


def handle_unexpected_error(error: Exception):
    log.exception("Unhandled error")
    return _error_page(500, title="Sorry, there is a problem with the service")


BUSY_MESSAGE = ("Nothing was saved: the service was busy with other work for too long. "
                "Check what you typed and try again.")


def handle_database_error(error: Exception):
    """A save that waited its whole lock timeout behind another writer (a long import, say) is
    not a fault: the form is shown again with what was typed, through the view itself (its
    forms see the post but do not act on it, qa_app/forms.py), asking the user to try again.
    Anything else the database refused is the usual 500."""
    if not database_busy(error):
        return handle_unexpected_error(error)
    log.warning("%s %s waited too long for the database's lock", request.method, request.path)
    try:
        db.session.rollback()
    except Exception:
        log.warning("Could not roll back after a lock timeout", exc_info=True)
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.method == "POST" and view is not None and not g.get("database_busy"):
        g.database_busy = True
        flash(BUSY_MESSAGE, "error")
        try:
            response = current_app.make_response(view(**(request.view_args or {})))
        except Exception:
            log.warning("The form could not be shown again after a lock timeout", exc_info=True)
            session.pop("_flashes", None)
            db.session.rollback()
        else:
            if response.status_code == 200:
                response.status_code = 503
            response.headers["Retry-After"] = "10"
            return response
    return _error_page(503, title="The service is busy",
                       message="Nothing was saved. Go back and try again in a minute: what you "
                               "typed may still be there.")


def register_error_handlers(app):
    # The database's own errors: a lock timeout re-shows the form; anything else is a 500.
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(DatabaseBusy, handle_database_error)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
