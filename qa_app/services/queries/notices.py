"""Telling the authors of a queried answer, by email where SMTP is set up (their home page lists
the query either way). As with safeguarding concerns: no case content by email, only that there
is a query and where to read it."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from qa_app.db import write_transaction
from qa_app.services.audit_trail import record_event


def tell_authors(query_id: int, people, user) -> None:
    host = current_app.config.get("SMTP_HOST")
    if not host or not people:
        return
    message = EmailMessage()
    message["Subject"] = "Casefile QA: a moderator has a query on one of your audit answers"
    message["From"] = current_app.config.get("MAIL_FROM", "casefile-qa@localhost")
    message["To"] = ", ".join(u.email for u in people)
    message.set_content(
        "A moderator has a query on an answer in a case audit you completed.\n\n"
        f"Sign in to read and answer it here: {current_app.config['PUBLIC_URL'].rstrip('/')}/queries/{query_id}\n")
    try:
        with smtplib.SMTP(host, int(current_app.config.get("SMTP_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except OSError as error:
        current_app.logger.warning("Query email failed: %s", error)
        with write_transaction():
            record_event("answer_query_email_failed", actor=user, outcome="failure", object_type="answer_query",
                         object_id=query_id, details={"error": type(error).__name__})
