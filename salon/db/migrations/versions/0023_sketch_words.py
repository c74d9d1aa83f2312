"""generation words and trained

Which of the prompt's words the engine drew and which it could not (sketch says), and
whether a trained model made the pictures (sketch is a procedural program: its pictures are
not labelled AI-generated, and their content credentials say algorithmicMedia).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("trained", sa.Boolean(), server_default=sa.true(),
                                   nullable=False))
        batch.add_column(sa.Column("words", sa.JSON(), nullable=True))
    # Generations made so far: the sketch engine was the one without a trained model.
    generations = sa.table("generations", sa.column("engine", sa.String),
                           sa.column("trained", sa.Boolean))
    op.execute(generations.update().where(generations.c.engine == "sketch")
               .values(trained=False))


def downgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.drop_column("words")
        batch.drop_column("trained")
