"""move files stored at guessable keys

Files stored before keys had a random folder sit at keys their (time-ordered) ids predict.
This queues the `media.rekey` job once, which moves them to fresh folders in batches; a
database with no stored files (a new instance) needs none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from salon.db.base import UTCDateTime
from salon.db.ids import new_id, utcnow

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REKEY_JOB = "media.rekey"  # salon.media.service.REKEY_JOB as of this revision

jobs = sa.table(
    "jobs", sa.column("id", sa.BigInteger), sa.column("kind", sa.String),
    sa.column("payload", sa.JSON), sa.column("status", sa.String),
    sa.column("run_at", UTCDateTime()), sa.column("attempts", sa.Integer),
    sa.column("max_attempts", sa.Integer), sa.column("created_at", UTCDateTime()),
)


def upgrade() -> None:
    stored = op.get_bind().scalar(sa.text(
        "SELECT EXISTS (SELECT 1 FROM media_attachments) OR EXISTS (SELECT 1 FROM accounts "
        "WHERE avatar_key IS NOT NULL OR header_key IS NOT NULL)"))
    if stored:
        now = utcnow()
        op.bulk_insert(jobs, [{"id": new_id(), "kind": REKEY_JOB, "payload": {},
                               "status": "queued", "run_at": now, "attempts": 0,
                               "max_attempts": 8, "created_at": now}])


def downgrade() -> None:
    pass  # the moved files stay where they are: their rows name them
