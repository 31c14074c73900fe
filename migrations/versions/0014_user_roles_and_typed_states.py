"""A user's roles as rows of user_role instead of a space-separated column

So "the QA leads" and "the auditors of an agency" are queries. The states of case audits,
programmes and moderations become enums in the models only: their stored words do not change.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 09:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

user = sa.table('user', sa.column('id', sa.Integer), sa.column('role_names', sa.String))
user_role = sa.table('user_role', sa.column('user_id', sa.Integer), sa.column('role', sa.String))


def upgrade():
    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_index('ix_user_role_role_user_id', 'user_role', ['role', 'user_id'], unique=False)
    connection = op.get_bind()
    rows = [{"user_id": user_id, "role": role}
            for user_id, names in connection.execute(sa.select(user.c.id, user.c.role_names))
            for role in sorted(set((names or "").split()))]
    if rows:
        op.bulk_insert(user_role, rows)
    # Not in a batch: on SQLite a batch copies and drops the user table, and with foreign keys on
    # dropping it would delete every row that cascades from a user (teams, these roles).
    # SQLite has dropped a plain column in place since 3.35.
    op.drop_column('user', 'role_names')


def downgrade():
    op.add_column('user', sa.Column('role_names', sa.String(length=100), nullable=False, server_default=''))
    connection = op.get_bind()
    held = {}
    for user_id, role in connection.execute(sa.select(user_role.c.user_id, user_role.c.role)):
        held.setdefault(user_id, []).append(role)
    for user_id, roles in held.items():
        connection.execute(user.update().where(user.c.id == user_id).values(role_names=" ".join(sorted(roles))))
    if connection.dialect.name != 'sqlite':  # SQLite could drop the default only by copying the table
        op.alter_column('user', 'role_names', server_default=None)
    op.drop_index('ix_user_role_role_user_id', table_name='user_role')
    op.drop_table('user_role')
