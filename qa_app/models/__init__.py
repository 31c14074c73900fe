"""Models in the domain's words, split by area. Import from here."""
from qa_app.models.audit_event import AuditEvent
from qa_app.models.user import Agency, Role, Team, User, user_team

__all__ = ["Agency", "AuditEvent", "Role", "Team", "User", "user_team"]
