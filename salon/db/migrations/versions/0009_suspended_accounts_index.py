"""suspended accounts index

Every visibility check asks for the (few) suspended accounts. Without stats SQLite's
planner scans all accounts for `suspended_at IS NOT NULL`; an index holding only those
rows is read instead (on PostgreSQL too: it is tiny).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 12:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUSPENDED = sa.text("suspended_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_accounts_suspended_ids", "accounts", ["id"],
                    sqlite_where=SUSPENDED, postgresql_where=SUSPENDED)


def downgrade() -> None:
    op.drop_index("ix_accounts_suspended_ids", table_name="accounts")
