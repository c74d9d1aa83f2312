"""`salon transfer`: move an instance to another database (an embedded SQLite instance to
PostgreSQL, typically) and its media to another store, without loss: every table is copied
in primary-key batches, then row counts and a checksum of every table's contents are
compared between source and target, and every media file is copied and compared by hash."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from salon.db.migrate import upgrade
from salon.db.models import Base
from salon.db.session import make_engine
from salon.media.models import MediaAttachment
from salon.media.store import MediaStore
from salon.posts.search import TSVECTOR, body_sql
from salon.settings import Settings

BATCH = 1000


class TransferError(Exception):
    """Why a transfer refused to start or found a difference; nothing is half-claimed."""


@dataclass
class TableReport:
    name: str
    rows: int
    checksum: str


def _canonical(value: Any) -> Any:
    """One form for a value read from either database (datetimes, JSON, floats)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 9)
    return value


async def _digest(connection: AsyncConnection, table: Table) -> TableReport:
    """Row count and SHA-256 of the rows in primary-key order, read in batches."""
    digest = hashlib.sha256()
    key = list(table.primary_key.columns)
    count = 0
    last: tuple[Any, ...] | None = None
    while True:
        stmt = select(table).order_by(*key).limit(BATCH)
        if last is not None:
            stmt = stmt.where(tuple_(*key) > tuple_(*last))
        rows = (await connection.execute(stmt)).mappings().all()
        if not rows:
            break
        for row in rows:
            digest.update(json.dumps({k: _canonical(v) for k, v in row.items()},
                                     sort_keys=True, default=str).encode())
        count += len(rows)
        last = tuple(rows[-1][c.name] for c in key)
    return TableReport(table.name, count, digest.hexdigest())


async def _copy(source: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    key = list(table.primary_key.columns)
    copied = 0
    last: tuple[Any, ...] | None = None
    while True:
        stmt = select(table).order_by(*key).limit(BATCH)
        if last is not None:
            stmt = stmt.where(tuple_(*key) > tuple_(*last))
        rows = [dict(r) for r in (await source.execute(stmt)).mappings().all()]
        if not rows:
            return copied
        await target.execute(insert(table), rows)
        copied += len(rows)
        last = tuple(rows[-1][c.name] for c in key)


async def _empty(connection: AsyncConnection) -> bool:
    for table in Base.metadata.sorted_tables:
        if await connection.scalar(select(func.count()).select_from(table)):
            return False
    return True


async def transfer(source: Settings, target: Settings, source_store: MediaStore,
                   target_store: MediaStore, echo: Callable[[str], None] = print
                   ) -> list[TableReport]:
    """Copy everything from `source` to `target` (migrated to the newest schema here; it must
    be empty), then verify. Raises TransferError on any difference."""
    await upgrade(source)
    await upgrade(target)
    src_engine, dst_engine = make_engine(source), make_engine(target)
    try:
        async with src_engine.connect() as src, dst_engine.connect() as dst:
            if not await _empty(dst):
                raise TransferError("The target database already has data; transfer into an "
                                    "empty one.")
            superuser = dst.dialect.name == "postgresql" and bool(await dst.scalar(text(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))
            await dst.rollback()
            async with dst.begin():
                if superuser:
                    # Rows arrive table by table in key order; a reply may be copied before
                    # the post it answers. (Without the privilege, time-ordered ids keep
                    # parents first in practice.)
                    await dst.execute(text("SET LOCAL session_replication_role = replica"))
                for table in Base.metadata.sorted_tables:
                    copied = await _copy(src, dst, table)
                    echo(f"  {table.name:<28} {copied:>9} rows")
                if dst.dialect.name == "postgresql":
                    body = TSVECTOR.format(body_sql("postgresql"))
                    await dst.execute(text(
                        f"INSERT INTO post_search (post_id, body) SELECT p.id, {body} "
                        "FROM posts p WHERE p.reblog_of_id IS NULL ON CONFLICT DO NOTHING"))
            reports = []
            for table in Base.metadata.sorted_tables:
                mine, theirs = await _digest(src, table), await _digest(dst, table)
                if (mine.rows, mine.checksum) != (theirs.rows, theirs.checksum):
                    raise TransferError(f"{table.name}: {mine.rows} rows in the source, "
                                        f"{theirs.rows} in the target, or their contents "
                                        "differ.")
                reports.append(mine)
            if dst.dialect.name == "postgresql":
                # Planner statistics now, not when autovacuum gets round to it: without them
                # the first timeline reads on the moved instance take seconds.
                await dst.commit()
                await dst.execution_options(isolation_level="AUTOCOMMIT")
                await dst.execute(text("ANALYZE"))
            keys = await _media_keys(src)
    finally:
        await src_engine.dispose()
        await dst_engine.dispose()
    await _copy_media(keys, source_store, target_store, echo)
    return reports


async def _media_keys(connection: AsyncConnection) -> list[str]:
    from salon.accounts.models import Account
    from salon.generation.models import Candidate

    keys: set[str] = set()
    for column in (MediaAttachment.file_key, MediaAttachment.thumb_key, Candidate.recipe_key,
                   Candidate.plain_key, Account.avatar_key, Account.header_key):
        keys |= {k for k in await connection.scalars(select(column)) if k}
    return sorted(keys)


async def _copy_media(keys: list[str], source: MediaStore, target: MediaStore,
                      echo: Callable[[str], None]) -> None:
    missing = 0
    for n, key in enumerate(keys, 1):
        try:
            data = await source.get(key)
        except FileNotFoundError:
            missing += 1  # a row pointing at a file already gone: nothing to copy
            continue
        await target.put(key, data, mimetypes.guess_type(key)[0] or "application/octet-stream")
        if hashlib.sha256(await target.get(key)).digest() != hashlib.sha256(data).digest():
            raise TransferError(f"Media file {key} differs after copying.")
        if n % 200 == 0:
            echo(f"  media {n}/{len(keys)}")
    echo(f"  media {len(keys) - missing} files copied and compared"
         + (f" ({missing} already missing in the source)" if missing else ""))
