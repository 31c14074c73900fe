"""Calibration exercises: a case graded apart from any programme, invited auditors' answers and
a case study's attachments (issue 26)

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-07 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calibration_exercise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Enum('moderated_audit', 'case_study', name='exercisesource', native_enum=False,
                                create_constraint=False, length=20), nullable=False),
    sa.Column('case_audit_id', sa.Integer(), nullable=True),
    sa.Column('case_text', sa.Text(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=60), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('reference_answers', sa.JSON(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='exercisestatus', native_enum=False,
                                create_constraint=False, length=20), nullable=False),
    sa.Column('round_number', sa.Integer(), nullable=False),
    sa.Column('first_round_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_audit_id'], ['case_audit.id'], name=op.f('fk_calibration_exercise_case_audit_id_case_audit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_calibration_exercise_created_by_id_user')),
    sa.ForeignKeyConstraint(['first_round_id'], ['calibration_exercise.id'], name=op.f('fk_calibration_exercise_first_round_id_calibration_exercise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_exercise'))
    )
    op.create_table('calibration_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['exercise_id'], ['calibration_exercise.id'], name=op.f('fk_calibration_participant_exercise_id_calibration_exercise')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calibration_participant_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_participant')),
    sa.UniqueConstraint('exercise_id', 'user_id', name='uq_calibration_participant')
    )
    op.create_index('ix_calibration_participant_exercise_id', 'calibration_participant', ['exercise_id'], unique=False)
    op.create_table('calibration_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['calibration_exercise.id'], name=op.f('fk_calibration_attachment_exercise_id_calibration_exercise')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_calibration_attachment_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration_attachment'))
    )
    op.create_index('ix_calibration_attachment_exercise_id', 'calibration_attachment', ['exercise_id'], unique=False)


def downgrade():
    op.drop_index('ix_calibration_attachment_exercise_id', table_name='calibration_attachment')
    op.drop_table('calibration_attachment')
    op.drop_index('ix_calibration_participant_exercise_id', table_name='calibration_participant')
    op.drop_table('calibration_participant')
    op.drop_table('calibration_exercise')
