"""Retention may remove the free text of a deleted programme's audit-trail events, once each

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-07 22:35:00

The audit trail stays append-only in the database: the UPDATE trigger now lets through one
change only, retention's removal of an event's free text, which must set redacted_at (from
empty) and change nothing but details. Every other UPDATE, a second removal, and every DELETE
are refused as before ('the audit trail is append-only'). Issue 21, point 7; docs/decisions.md.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0019'
branch_labels = None
depends_on = None

# Every column but details and redacted_at: a redaction leaves them as they were.
_FIXED = ("id", "occurred_at", "user_id", "user_email", "role", "action", "object_type", "object_id",
          "ip_address", "outcome")
_REFUSED = "the audit trail is append-only"


def _sqlite_redaction() -> str:
    unchanged = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in _FIXED)
    return f"OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {unchanged}"


def upgrade():
    # Not in a batch: on SQLite a batch would copy audit_event and drop its append-only triggers.
    op.add_column('audit_event', sa.Column('redacted_at', sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute(f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"WHEN NOT ({_sqlite_redaction()}) BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")
    else:
        unchanged = " AND ".join(f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in _FIXED)
        # Its own function: audit_event_child's trigger keeps the plain refusal (its rows have no
        # redacted_at for a shared function to look at).
        op.execute(
            "CREATE FUNCTION audit_event_append_only_but_redaction() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'UPDATE' THEN "
            f"IF OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {unchanged} THEN RETURN NEW; END IF; "
            "END IF; "
            f"RAISE EXCEPTION '{_REFUSED}'; END $$")
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only_but_redaction()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")
    else:
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("DROP FUNCTION audit_event_append_only_but_redaction()")
    op.drop_column('audit_event', 'redacted_at')
