"""Telling the authors of a queried answer, by email where SMTP is set up (their home page lists
the query either way). As with safeguarding concerns: no case content by email, only that there
is a query and where to read it."""
from flask import current_app

from qa_app.mail import send_notice


def tell_authors(query_id: int, people, user) -> None:
    send_notice("Casefile QA: a moderator has a query on one of your audit answers", [u.email for u in people],
                "A moderator has a query on an answer in a case audit you completed.\n\n"
                f"Sign in to read and answer it here: {current_app.config['PUBLIC_URL'].rstrip('/')}/queries/{query_id}\n",
                user=user, failure_event="answer_query_email_failed", object_type="answer_query", object_id=query_id)
