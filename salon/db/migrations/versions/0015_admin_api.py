"""admin api: disabled logins, report assignment, the audit log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'admin_actions',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('target_type', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.BigInteger(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_actions')),
    )
    op.create_index('ix_admin_actions_target', 'admin_actions',
                    ['target_type', 'target_id', 'id'], unique=False)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', salon.db.base.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_account_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', salon.db.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('assigned_account_id')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
    op.drop_index('ix_admin_actions_target', table_name='admin_actions')
    op.drop_table('admin_actions')
