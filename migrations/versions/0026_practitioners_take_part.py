"""Practitioners taking part in the audit of their case: the programme's setting, the named
practitioner's reflection, agreement and rating, the learning both sides sign off, and its addenda
(issue 25)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practitioners_take_part', sa.String(length=30), nullable=False,
                                      server_default='not_at_all'))
    op.create_table('practitioner_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(), nullable=False),
    sa.Column('shared_at', sa.DateTime(), nullable=True),
    sa.Column('went_well', sa.Text(), nullable=True),
    sa.Column('do_differently', sa.Text(), nullable=True),
    sa.Column('agreement', sa.JSON(), nullable=False),
    sa.Column('reflected_at', sa.DateTime(), nullable=True),
    sa.Column('usefulness', sa.Integer(), nullable=True),
    sa.Column('usefulness_comment', sa.Text(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('agreed_learning', sa.Text(), nullable=True),
    sa.Column('learning_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('learning_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('auditor_signed_off_by_id', sa.Integer(), nullable=True),
    sa.Column('auditor_signed_off_at', sa.DateTime(), nullable=True),
    sa.Column('practitioner_signed_off_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_practitioner_review_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['user.id'], name=op.f('fk_practitioner_review_practitioner_id_user')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_practitioner_review_invited_by_id_user')),
    sa.ForeignKeyConstraint(['learning_recorded_by_id'], ['user.id'], name=op.f('fk_practitioner_review_learning_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['auditor_signed_off_by_id'], ['user.id'], name=op.f('fk_practitioner_review_auditor_signed_off_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioner_review')),
    sa.UniqueConstraint('case_audit_id', name=op.f('uq_practitioner_review_case_audit_id'))
    )
    with op.batch_alter_table('practitioner_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practitioner_review_practitioner_id'), ['practitioner_id'], unique=False)
    op.create_table('learning_addendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['practitioner_review.id'], name=op.f('fk_learning_addendum_review_id_practitioner_review')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_learning_addendum_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_addendum'))
    )
    with op.batch_alter_table('learning_addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_addendum_review_id'), ['review_id'], unique=False)


def downgrade():
    with op.batch_alter_table('learning_addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_addendum_review_id'))
    op.drop_table('learning_addendum')
    with op.batch_alter_table('practitioner_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practitioner_review_practitioner_id'))
    op.drop_table('practitioner_review')
    with op.batch_alter_table('audit_programme', schema=None) as batch_op:
        batch_op.drop_column('practitioners_take_part')
