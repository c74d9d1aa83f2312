"""lists

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base  # noqa: F401 - column types used below

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lists',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('replies_policy', sa.String(length=10), nullable=False),
    sa.Column('exclusive', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_lists_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists'))
    )
    op.create_index('ix_lists_account', 'lists', ['account_id', 'id'], unique=False)
    op.create_table('list_accounts',
    sa.Column('list_id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_list_accounts_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['lists.id'], name=op.f('fk_list_accounts_list_id_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_accounts')),
    sa.UniqueConstraint('list_id', 'account_id', name='uq_list_accounts_pair')
    )
    op.create_index('ix_list_accounts_account', 'list_accounts', ['account_id', 'list_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_list_accounts_account', table_name='list_accounts')
    op.drop_table('list_accounts')
    op.drop_index('ix_lists_account', table_name='lists')
    op.drop_table('lists')
