"""Failed sign-ins by email and address, and the children each case-level read event names

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-27 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('locks_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    op.create_index('ix_sign_in_failure_email_occurred_at', 'sign_in_failure', ['email', 'occurred_at'], unique=False)
    op.create_index('ix_sign_in_failure_ip_address_occurred_at', 'sign_in_failure', ['ip_address', 'occurred_at'], unique=False)
    op.create_table('audit_event_child',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'], name=op.f('fk_audit_event_child_event_id_audit_event')),
    sa.PrimaryKeyConstraint('event_id', 'child_id', name=op.f('pk_audit_event_child'))
    )
    op.create_index('ix_audit_event_child_child_id', 'audit_event_child', ['child_id', 'event_id'], unique=False)
    # Not in a batch: on SQLite a batch would copy audit_event and drop its append-only triggers.
    op.create_index('ix_audit_event_object', 'audit_event', ['object_type', 'object_id'], unique=False)
    create_append_only_triggers()


# The children a read event names are part of the trail: append-only like audit_event.
def create_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_child_no_{verb.lower()} BEFORE {verb} ON audit_event_child "
                "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_event_child_append_only BEFORE UPDATE OR DELETE ON audit_event_child "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )


def drop_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_child_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_child_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_child_append_only ON audit_event_child")


def downgrade():
    drop_append_only_triggers()
    op.drop_index('ix_audit_event_object', table_name='audit_event')
    op.drop_index('ix_audit_event_child_child_id', table_name='audit_event_child')
    op.drop_table('audit_event_child')
    op.drop_index('ix_sign_in_failure_ip_address_occurred_at', table_name='sign_in_failure')
    op.drop_index('ix_sign_in_failure_email_occurred_at', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
