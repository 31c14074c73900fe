"""Referrals indexed by date with the child and decision, so a year's measures read only the index

Replaces ix_referral_date (whose leading column it keeps), so an import maintains the same
number of indexes as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 07:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_date_child_decision', ['referral_date', 'child_id', 'decision'],
                              unique=False)
        batch_op.drop_index('ix_referral_date')


def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_date', ['referral_date'], unique=False)
        batch_op.drop_index('ix_referral_date_child_decision')
