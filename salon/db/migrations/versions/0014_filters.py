"""filters

A person's filters (Mastodon's filters v2): the filters, their keywords and the posts they
name, and a version on each account that moves with every change to its filters.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from salon.db.base import UTCDateTime

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("filters_version", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "filters",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("context", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_filters_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filters")),
    )
    op.create_index("ix_filters_account", "filters", ["account_id", "id"])
    op.create_table(
        "filter_keywords",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("filter_id", sa.BigInteger(), nullable=False),
        sa.Column("keyword", sa.String(length=200), nullable=False),
        sa.Column("whole_word", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.ForeignKeyConstraint(["filter_id"], ["filters.id"], ondelete="CASCADE",
                                name=op.f("fk_filter_keywords_filter_id_filters")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_keywords")),
    )
    op.create_index("ix_filter_keywords_filter", "filter_keywords", ["filter_id", "id"])
    op.create_table(
        "filter_statuses",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("filter_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["filter_id"], ["filters.id"], ondelete="CASCADE",
                                name=op.f("fk_filter_statuses_filter_id_filters")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE",
                                name=op.f("fk_filter_statuses_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_statuses")),
    )
    op.create_index("ix_filter_statuses_filter", "filter_statuses", ["filter_id", "post_id"],
                    unique=True)
    op.create_index("ix_filter_statuses_post", "filter_statuses", ["post_id"])


def downgrade() -> None:
    op.drop_table("filter_statuses")
    op.drop_table("filter_keywords")
    op.drop_table("filters")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("filters_version")
