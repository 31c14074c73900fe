"""gunicorn's access log without families' feedback tokens (issue 25). Run gunicorn with
`--logger-class qa_app.families.access_log.RedactingAccessLogger` (docs/operations.md)."""
from gunicorn.glogging import Logger

from qa_app.families.public_routes import redact_feedback_links


class RedactingAccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: redact_feedback_links(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
