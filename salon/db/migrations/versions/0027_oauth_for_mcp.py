"""oauth for mcp

Public clients registered dynamically (RFC 7591: no secret, PKCE required), and the
resource a code and a token are for (RFC 8707: a token bound to /mcp is refused by the
Mastodon API, and the other way round).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('oauth_apps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('oauth_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource', sa.String(length=500), nullable=True))
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('oauth_tokens', schema=None) as batch_op:
        batch_op.drop_column('resource')
    with op.batch_alter_table('oauth_grants', schema=None) as batch_op:
        batch_op.drop_column('resource')
    with op.batch_alter_table('oauth_apps', schema=None) as batch_op:
        batch_op.drop_column('public')
