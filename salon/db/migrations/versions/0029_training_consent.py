"""training consent

Consent to training per person and kind (posts, generated, uploads, choices; no row is
no), every change with its time, the dataset exports and what each included of whom. The
single `allows_ai_training` flag, never read, gives way to them. Media files are found by
their keys (indexed) to say what each allows crawlers.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = salon.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'training_consents',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('changed_at', TIME, nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'kind'),
    )
    op.create_index('ix_training_consents_kind', 'training_consents',
                    ['kind', 'granted', 'account_id'])
    op.create_table(
        'training_consent_changes',
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', TIME, nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_training_consent_changes_account', 'training_consent_changes',
                    ['account_id', 'id'])
    op.create_table(
        'dataset_exports',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('since', TIME, nullable=True),
        sa.Column('until', TIME, nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', TIME, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'dataset_export_inclusions',
        sa.Column('export_id', sa.BigInteger(), nullable=False),
        sa.Column('account_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['export_id'], ['dataset_exports.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('export_id', 'account_id', 'kind'),
    )
    op.create_index('ix_dataset_export_inclusions_account', 'dataset_export_inclusions',
                    ['account_id', 'export_id'])
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('allows_ai_training')
    # A picture file served is found by its key, for what it allows crawlers.
    op.create_index('ix_media_file_key', 'media_attachments', ['file_key'])
    op.create_index('ix_media_thumb_key', 'media_attachments', ['thumb_key'])


def downgrade() -> None:
    op.drop_index('ix_media_thumb_key', 'media_attachments')
    op.drop_index('ix_media_file_key', 'media_attachments')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_ai_training', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.drop_index('ix_dataset_export_inclusions_account', 'dataset_export_inclusions')
    op.drop_table('dataset_export_inclusions')
    op.drop_table('dataset_exports')
    op.drop_index('ix_training_consent_changes_account', 'training_consent_changes')
    op.drop_table('training_consent_changes')
    op.drop_index('ix_training_consents_kind', 'training_consents')
    op.drop_table('training_consents')
