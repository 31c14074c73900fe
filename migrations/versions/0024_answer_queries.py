"""Queries on a question: a moderator's query on one answer of a case audit, and its thread

Revision ID: 0024
Revises: 0027
Create Date: 2026-12-07 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('answer_when_opened', sa.JSON(), nullable=True),
    sa.Column('suggested_answer', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_answer_query_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_answer_query_opened_by_id_user')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_answer_query_closed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_query'))
    )
    op.create_index(op.f('ix_answer_query_case_audit_id'), 'answer_query', ['case_audit_id'], unique=False)
    op.create_table('answer_query_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['query_id'], ['answer_query.id'], name=op.f('fk_answer_query_message_query_id_answer_query')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_answer_query_message_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_query_message'))
    )
    op.create_index(op.f('ix_answer_query_message_query_id'), 'answer_query_message', ['query_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_answer_query_message_query_id'), table_name='answer_query_message')
    op.drop_table('answer_query_message')
    op.drop_index(op.f('ix_answer_query_case_audit_id'), table_name='answer_query')
    op.drop_table('answer_query')
