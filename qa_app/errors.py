"""Error pages. They carry the same security headers as every other page (after_request runs
for them too) and never show a traceback."""
import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

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


def register_error_handlers(app):
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
