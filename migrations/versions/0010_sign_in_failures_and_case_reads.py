"""Failed sign-ins by email and address, and the children each case-level read event names

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-27 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('locks_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    op.create_index('ix_sign_in_failure_email_occurred_at', 'sign_in_failure', ['email', 'occurred_at'], unique=False)
    op.create_index('ix_sign_in_failure_ip_address_occurred_at', 'sign_in_failure', ['ip_address', 'occurred_at'], unique=False)


def downgrade():
    op.drop_index('ix_sign_in_failure_ip_address_occurred_at', table_name='sign_in_failure')
    op.drop_index('ix_sign_in_failure_email_occurred_at', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
