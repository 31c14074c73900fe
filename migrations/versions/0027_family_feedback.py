"""Families' feedback on the audit of their case: consent, single-use invitations, answers (issue 25)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 22:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('asked', sa.Boolean(), nullable=False),
    sa.Column('who', sa.String(length=20), nullable=True),
    sa.Column('asked_on', sa.Date(), nullable=True),
    sa.Column('how', sa.String(length=20), nullable=True),
    sa.Column('consent', sa.Boolean(), nullable=True),
    sa.Column('not_asked_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_family_consent_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_family_consent_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_consent')),
    sa.UniqueConstraint('case_audit_id', name=op.f('uq_family_consent_case_audit_id'))
    )
    op.create_table('family_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('draft_answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_family_invitation_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['made_by_id'], ['user.id'], name=op.f('fk_family_invitation_made_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_invitation')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_family_invitation_code_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_family_invitation_token_hash'))
    )
    with op.batch_alter_table('family_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_invitation_case_audit_id'), ['case_audit_id'], unique=False)
    op.create_table('family_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('free_text', sa.Text(), nullable=True),
    sa.Column('reviewed_text', sa.Text(), nullable=True),
    sa.Column('review', sa.String(length=20), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('concern_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_family_feedback_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['concern_id'], ['safeguarding_concern.id'], name=op.f('fk_family_feedback_concern_id_safeguarding_concern')),
    sa.ForeignKeyConstraint(['invitation_id'], ['family_invitation.id'], name=op.f('fk_family_feedback_invitation_id_family_invitation')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_family_feedback_reviewed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_feedback')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_family_feedback_invitation_id'))
    )
    with op.batch_alter_table('family_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_feedback_case_audit_id'), ['case_audit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('family_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_feedback_case_audit_id'))
    op.drop_table('family_feedback')
    with op.batch_alter_table('family_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_invitation_case_audit_id'))
    op.drop_table('family_invitation')
    op.drop_table('family_consent')
