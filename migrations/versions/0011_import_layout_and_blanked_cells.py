"""Import batches record what was found where, and the optional cells left blank at the QA lead's request

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-27 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('layout', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('blank_bad_optional', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('blanked', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('blanked_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('retry_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_import_batch_retry_of_id_import_batch'),
                                    'import_batch', ['retry_of_id'], ['id'])


def downgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_batch_retry_of_id_import_batch'), type_='foreignkey')
        batch_op.drop_column('retry_of_id')
        batch_op.drop_column('blanked_count')
        batch_op.drop_column('blanked')
        batch_op.drop_column('blank_bad_optional')
        batch_op.drop_column('layout')
