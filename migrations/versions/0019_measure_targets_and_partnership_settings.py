"""Targets for the board pack's measures, and the partnership's settings (its name)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('measure_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=60), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('amber_tolerance', sa.Float(), nullable=False),
    sa.Column('polarity', sa.String(length=10), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], name=op.f('fk_measure_target_set_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_target')),
    sa.UniqueConstraint('measure', 'from_year', name='uq_measure_target_measure_from_year')
    )
    op.create_table('partnership_setting',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_partnership_setting'))
    )


def downgrade():
    op.drop_table('partnership_setting')
    op.drop_table('measure_target')
