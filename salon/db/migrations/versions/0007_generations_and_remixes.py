"""generations and remixes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 08:52:18.633273
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base  # noqa: F401 - column types used below


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('generation_refusals',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_generation_refusals_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_refusals'))
    )
    with op.batch_alter_table('generation_refusals', schema=None) as batch_op:
        batch_op.create_index('ix_refusals_account', ['account_id', 'id'], unique=False)

    op.create_table('generations',
    sa.Column('account_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('negative_prompt', sa.Text(), nullable=False),
    sa.Column('engine', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('guidance', sa.Float(), nullable=False),
    sa.Column('style', sa.String(length=40), nullable=False),
    sa.Column('subseed', sa.BigInteger(), nullable=True),
    sa.Column('subseed_strength', sa.Float(), nullable=False),
    sa.Column('source_media_id', sa.BigInteger(), nullable=True),
    sa.Column('strength', sa.Float(), nullable=False),
    sa.Column('remix_of_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', salon.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', salon.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', salon.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_generations_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remix_of_id'], ['posts.id'], name=op.f('fk_generations_remix_of_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_media_id'], ['media_attachments.id'], name=op.f('fk_generations_source_media_id_media_attachments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generations'))
    )
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.create_index('ix_generations_account', ['account_id', 'id'], unique=False)
        batch_op.create_index('ix_generations_state', ['state', 'created_at'], unique=False)

    op.create_table('generation_candidates',
    sa.Column('generation_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('media_id', sa.BigInteger(), nullable=True),
    sa.Column('post_id', sa.BigInteger(), nullable=True),
    sa.Column('recipe_key', sa.String(length=200), nullable=True),
    sa.Column('plain_key', sa.String(length=200), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], name=op.f('fk_generation_candidates_generation_id_generations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media_attachments.id'], name=op.f('fk_generation_candidates_media_id_media_attachments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_generation_candidates_post_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_candidates'))
    )
    with op.batch_alter_table('generation_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_candidates_generation', ['generation_id', 'position'], unique=True)
        batch_op.create_index('ix_candidates_media', ['media_id'], unique=False)
        batch_op.create_index('ix_candidates_post', ['post_id'], unique=False)

    # A batch copy on SQLite (foreign keys are off while migrating: see salon.db.migrate).
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remix_of_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('remixes_count', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('recipe_hidden', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_posts_remix_of_id_posts'), 'posts',
                                    ['remix_of_id'], ['id'], ondelete='SET NULL')
    op.create_index('ix_posts_remix_of', 'posts', ['remix_of_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_remix_of_id_posts'), type_='foreignkey')
        batch_op.drop_index('ix_posts_remix_of')
        batch_op.drop_column('recipe_hidden')
        batch_op.drop_column('remixes_count')
        batch_op.drop_column('remix_of_id')

    with op.batch_alter_table('generation_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_candidates_post')
        batch_op.drop_index('ix_candidates_media')
        batch_op.drop_index('ix_candidates_generation')

    op.drop_table('generation_candidates')
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index('ix_generations_state')
        batch_op.drop_index('ix_generations_account')

    op.drop_table('generations')
    with op.batch_alter_table('generation_refusals', schema=None) as batch_op:
        batch_op.drop_index('ix_refusals_account')

    op.drop_table('generation_refusals')
