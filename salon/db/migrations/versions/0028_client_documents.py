"""client documents

OAuth clients known by a Client ID Metadata Document: the client_id is the document's
https URL (longer than the 64 characters a registered app's random id takes), and the
document is fetched again once its cache time has passed.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import salon.db.base

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('oauth_apps', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.String(length=64),
                              type_=sa.String(length=500), existing_nullable=False)
        batch_op.add_column(sa.Column('document_expires_at',
                                      salon.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('oauth_apps', schema=None) as batch_op:
        batch_op.drop_column('document_expires_at')
        batch_op.alter_column('client_id', existing_type=sa.String(length=500),
                              type_=sa.String(length=64), existing_nullable=False)
