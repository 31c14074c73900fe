"""Who saved and who submitted each part of a case audit

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_audit_author',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('did', sa.String(length=20), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_case_audit_author_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_case_audit_author_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_audit_author')),
    sa.UniqueConstraint('case_audit_id', 'part', 'user_id', 'did', name='uq_case_audit_author')
    )
    op.create_index(op.f('ix_case_audit_author_case_audit_id'), 'case_audit_author', ['case_audit_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_audit_author_case_audit_id'), table_name='case_audit_author')
    op.drop_table('case_audit_author')
