"""assistant

The assistant's asks; accounts that are bots (and which one is the assistant); generations
made on someone's behalf, and the job a generation enqueues when it has finished.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from salon.db.base import UTCDateTime

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('is_assistant', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('then', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_generations_on_behalf_of_id_accounts'),
                                    'accounts', ['on_behalf_of_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_generations_on_behalf', ['on_behalf_of_id', 'created_at'])
    op.create_table(
        'assistant_asks',
        sa.Column('asker_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('question_post_id', sa.BigInteger(), nullable=True),
        sa.Column('target_post_id', sa.BigInteger(), nullable=True),
        sa.Column('thread_id', sa.BigInteger(), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answer_post_id', sa.BigInteger(), nullable=True),
        sa.Column('generation_id', sa.BigInteger(), nullable=True),
        sa.Column('engine', sa.String(length=40), nullable=False),
        sa.Column('model', sa.String(length=200), nullable=False),
        sa.Column('usage', sa.JSON(), nullable=True),
        sa.Column('cost_usd', sa.Float(), nullable=True),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['asker_id'], ['accounts.id'],
                                name=op.f('fk_assistant_asks_asker_id_accounts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_post_id'], ['posts.id'],
                                name=op.f('fk_assistant_asks_question_post_id_posts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['target_post_id'], ['posts.id'],
                                name=op.f('fk_assistant_asks_target_post_id_posts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['answer_post_id'], ['posts.id'],
                                name=op.f('fk_assistant_asks_answer_post_id_posts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['generation_id'], ['generations.id'],
                                name=op.f('fk_assistant_asks_generation_id_generations'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_asks')),
        sa.UniqueConstraint('question_post_id', name=op.f('uq_assistant_asks_question_post_id')),
    )
    op.create_index('ix_assistant_asks_asker', 'assistant_asks', ['asker_id', 'created_at'])
    op.create_index('ix_assistant_asks_thread', 'assistant_asks', ['thread_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_assistant_asks_thread', table_name='assistant_asks')
    op.drop_index('ix_assistant_asks_asker', table_name='assistant_asks')
    op.drop_table('assistant_asks')
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index('ix_generations_on_behalf')
        batch_op.drop_constraint(batch_op.f('fk_generations_on_behalf_of_id_accounts'),
                                 type_='foreignkey')
        batch_op.drop_column('then')
        batch_op.drop_column('on_behalf_of_id')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('is_assistant')
        batch_op.drop_column('bot')
