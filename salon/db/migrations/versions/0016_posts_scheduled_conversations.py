"""scheduled posts, conversations, a post's language and application

Posts keep the language their author gave and the OAuth app that posted them. Scheduled
posts wait in their own table (their media reserved for them), and direct posts are
gathered into conversations, one row per participant.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scheduled_posts',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('scheduled_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('application_id', sa.BigInteger(), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_scheduled_posts_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['application_id'], ['oauth_apps.id'],
                                name=op.f('fk_scheduled_posts_application_id_oauth_apps'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_posts')),
    )
    op.create_index('ix_scheduled_posts_account', 'scheduled_posts', ['account_id', 'id'])
    op.create_index('ix_scheduled_posts_account_at', 'scheduled_posts',
                    ['account_id', 'scheduled_at'])

    op.create_table(
        'conversations',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('thread_id', sa.BigInteger(), nullable=False),
        sa.Column('participants', sa.String(length=2000), nullable=False),
        sa.Column('last_post_id', sa.BigInteger(), nullable=True),
        sa.Column('unread', sa.Boolean(), nullable=False),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'],
                                name=op.f('fk_conversations_account_id_accounts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['last_post_id'], ['posts.id'],
                                name=op.f('fk_conversations_last_post_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
        sa.UniqueConstraint('account_id', 'thread_id', 'participants',
                            name='uq_conversations_key'),
    )
    op.create_index('ix_conversations_account_last', 'conversations',
                    ['account_id', 'last_post_id'])

    op.create_table(
        'conversation_posts',
        sa.Column('conversation_id', sa.BigInteger(), nullable=False),
        sa.Column('post_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_conversation_posts_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_conversation_posts_post_id_posts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', 'post_id',
                                name=op.f('pk_conversation_posts')),
    )
    op.create_index('ix_conversation_posts_post', 'conversation_posts', ['post_id'])

    # Batch copies on SQLite (foreign keys are off while migrating: see salon.db.migrate).
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('application_id', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_posts_application_id_oauth_apps'),
                                    'oauth_apps', ['application_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('media_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_id', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_media_attachments_scheduled_id_scheduled_posts'),
            'scheduled_posts', ['scheduled_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('media_attachments', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_media_attachments_scheduled_id_scheduled_posts'),
            type_='foreignkey')
        batch_op.drop_column('scheduled_id')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_application_id_oauth_apps'),
                                 type_='foreignkey')
        batch_op.drop_column('application_id')
        batch_op.drop_column('language')
    op.drop_index('ix_conversation_posts_post', table_name='conversation_posts')
    op.drop_table('conversation_posts')
    op.drop_index('ix_conversations_account_last', table_name='conversations')
    op.drop_table('conversations')
    op.drop_index('ix_scheduled_posts_account_at', table_name='scheduled_posts')
    op.drop_index('ix_scheduled_posts_account', table_name='scheduled_posts')
    op.drop_table('scheduled_posts')
