"""Short notices by email: that there is something to read, and where. Never case content: an
email leaves the app's access control, so it carries a link and the reader signs in to see more.
Sent only where SMTP_HOST is set; without it the home page is the only notice."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from qa_app.db import write_transaction
from qa_app.services.audit_trail import record_event


def send_notice(subject: str, to: list[str], body: str, *, user, failure_event: str,
                object_type: str, object_id: int) -> None:
    """A failed send is logged and recorded in the audit trail as `failure_event`, so whoever
    raised the thing can tell the people by another route; the thing itself stays saved."""
    host = current_app.config.get("SMTP_HOST")
    if not host or not to:
        return
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_FROM", "casefile-qa@localhost")
    message["To"] = ", ".join(to)
    message.set_content(body)
    try:
        with smtplib.SMTP(host, int(current_app.config.get("SMTP_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except OSError as error:
        current_app.logger.warning("%s: %s", failure_event, error)
        with write_transaction():
            record_event(failure_event, actor=user, outcome="failure", object_type=object_type,
                         object_id=object_id, details={"error": type(error).__name__})
