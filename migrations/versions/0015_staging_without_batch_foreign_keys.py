"""Staging rows keep their batch id without a foreign key

PostgreSQL checked the key with a trigger for every staged row: for a million referrals that
was a large part of the staging write. Staging rows are only ever written by the import that
owns the batch and are dropped by it (on success, failure or abandonment), so the key guarded
nothing the import does not already ensure.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('staged_child', 'staged_referral', 'staged_plan')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_batch_id_import_batch', type_='foreignkey')


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_batch_id_import_batch', 'import_batch', ['batch_id'], ['id'],
                                        ondelete='CASCADE')
