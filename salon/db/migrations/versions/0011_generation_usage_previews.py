"""generation usage, cost and previews

What a paid engine reported it used and what that cost, per generation; and a counter that
moves each time the worker stores new previews of the pictures in progress.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("usage", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("cost_usd", sa.Float(), nullable=True))
        batch.add_column(sa.Column("preview_version", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.drop_column("preview_version")
        batch.drop_column("cost_usd")
        batch.drop_column("usage")
