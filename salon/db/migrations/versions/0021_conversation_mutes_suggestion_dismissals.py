"""conversation mutes and suggestion dismissals

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conversation_mutes',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('root_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_conversation_mutes_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['root_id'], ['posts.id'], name=op.f('fk_conversation_mutes_root_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'root_id', name=op.f('pk_conversation_mutes'))
    )
    op.create_index('ix_conversation_mutes_root', 'conversation_mutes', ['root_id'], unique=False)
    op.create_table('suggestion_dismissals',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('target_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_suggestion_dismissals_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['accounts.id'], name=op.f('fk_suggestion_dismissals_target_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'target_id', name=op.f('pk_suggestion_dismissals'))
    )
    op.create_index('ix_suggestion_dismissals_target', 'suggestion_dismissals', ['target_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_suggestion_dismissals_target', table_name='suggestion_dismissals')
    op.drop_table('suggestion_dismissals')
    op.drop_index('ix_conversation_mutes_root', table_name='conversation_mutes')
    op.drop_table('conversation_mutes')
