"""The measures page's figures, kept per version of the loaded data

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('measures_cache',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('data_version', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_measures_cache'))
    )


def downgrade():
    op.drop_table('measures_cache')
