"""generation variation source

Which generation (and which of its candidates) a Vary made this one from, so its card can
say "Variation of …" and point at its source.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch copy on SQLite (foreign keys are off while migrating: see salon.db.migrate).
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variation_of_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('variation_position', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_generations_variation_of_id_generations'),
                                    'generations', ['variation_of_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_generations_variation_of_id_generations'),
                                 type_='foreignkey')
        batch_op.drop_column('variation_position')
        batch_op.drop_column('variation_of_id')
