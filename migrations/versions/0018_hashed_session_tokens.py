"""Session tokens kept only as hashes, one row per signed-in session; workers' heartbeats

Revision ID: 0018
Revises: 0020
Create Date: 2026-12-07 20:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    op.create_index(op.f('ix_user_session_user_id'), 'user_session', ['user_id'], unique=False)
    op.create_table('worker_heartbeat',
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeat'))
    )
    # The plain tokens go: everyone signs in again once. Not in a batch: on SQLite a batch
    # copies and drops the user table, and with foreign keys on that cascades (see 0014).
    op.drop_column('user', 'session_token')


def downgrade():
    op.drop_table('worker_heartbeat')
    # Each user gets a fresh random token (nobody's old session survives a downgrade either).
    op.add_column('user', sa.Column('session_token', sa.String(length=64), nullable=False, server_default=''))
    connection = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    import secrets
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))
    op.drop_index(op.f('ix_user_session_user_id'), table_name='user_session')
    op.drop_table('user_session')
