"""`salon dataset export DIR`: the three parts written a batch at a time, resumable (the
state after each batch is kept in DIR, so running the same command again goes on where it
stopped, with the same time and pseudonyms), then the card and the manifest; finally the
export and what it included of whom are recorded, for "My data in datasets". A person who
took consent back while it ran is removed from what was written before it is finished."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select

from salon.datasets.export import card, files, parts
from salon.datasets.models import Consent, DatasetExport, ExportInclusion
from salon.datasets.schemas import CHOICES, GENERATED, POSTS, UPLOADS
from salon.db.ids import utcnow
from salon.db.session import Database
from salon.media.store import MediaStore, media_store
from salon.settings import Settings

STATE = ".export-state.json"
Reader = Callable[..., Awaitable[parts.Batch]]
Counter_ = Callable[..., Awaitable[int]]


@dataclass(frozen=True)
class Part:
    name: str
    columns: files.Columns
    read: Reader
    total: Counter_
    batch: int  # items a batch: a shard of the part
    author: str  # the column holding the pseudonym


PARTS = (
    Part("images", parts.IMAGES, parts.images, parts.images_total, 500, "author"),
    Part("preferences", parts.PREFERENCES, parts.preferences, parts.preferences_total, 200,
         "user_id"),
    Part("posts", parts.POSTS_COLUMNS, parts.posts, parts.posts_total, 5000, "author"),
)


class ExportError(Exception):
    """What the operator must change (a folder in use by something else)."""


@dataclass
class Result:
    export_id: int
    counts: dict[str, int]
    bytes: int
    resumed: bool


def _open(folder: Path) -> dict[str, Any] | None:
    """The state of the unfinished export in `folder`; None for an empty folder (made if
    need be); ExportError for a folder holding anything else."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE
    if path.exists():
        return dict(json.loads(path.read_text()))
    if any(p for p in folder.iterdir() if not p.name.startswith(".")):
        raise ExportError(f"{folder} is not empty and holds no unfinished export: choose an "
                          "empty folder.")
    return None


def _save(folder: Path, state: dict[str, Any]) -> None:
    partial = folder / (STATE + ".partial")
    partial.write_text(json.dumps(state))
    os.replace(partial, folder / STATE)


async def _last_until(db: Database) -> datetime | None:
    async with db.sessions() as session:
        return await session.scalar(select(DatasetExport.until)
                                    .order_by(DatasetExport.id.desc()).limit(1))


async def export(db: Database, settings: Settings, folder: Path, *, name: str | None = None,
                 since: datetime | str | None = None,
                 progress: Callable[[str, int, int], None] = lambda part, done, total: None
                 ) -> Result:
    """Writes (or goes on writing) the export in `folder`. `since`: a time, or "last" for
    the end of the last finished export. `progress(part, items read, items in all)`."""
    state = _open(folder)
    resumed = state is not None
    if state is None:
        if since == "last":
            since = await _last_until(db)
        until = utcnow()
        state = {"name": name or f"{settings.instance_name} {until:%Y-%m-%d}",
                 "until": until.isoformat(),
                 "since": since.isoformat() if isinstance(since, datetime) else None,
                 "salt": secrets.token_hex(16), "included": {}, "skipped": {},
                 "parts": {p.name: {"after": 0, "shards": 0, "rows": 0, "read": 0,
                                    "done": False} for p in PARTS}}
        _save(folder, state)
    window = parts.Window(datetime.fromisoformat(state["until"]),
                          datetime.fromisoformat(state["since"]) if state["since"] else None,
                          state["salt"])
    store = media_store(settings)
    for part in PARTS:
        await _write_part(db, store, folder, state, window, part, progress)
    await _drop_revoked(db, folder, state, window)
    for part in PARTS:  # shards that lost every row to a revocation
        for number in range(state["parts"][part.name]["shards"]):
            if pq.read_metadata(_shard(folder, part, number)).num_rows == 0:
                _shard(folder, part, number).unlink()
    counts = {p.name: state["parts"][p.name]["rows"] for p in PARTS}
    card.write(folder, settings, name=state["name"], since=window.since, until=window.until,
               counts=counts, skipped=state["skipped"])
    manifest = await asyncio.to_thread(files.write_manifest, folder)
    export_id = await _record(db, state, window, counts)
    (folder / STATE).unlink()
    size = sum(f["bytes"] for f in manifest["files"].values())
    return Result(export_id, counts, size, resumed)


def _shard(folder: Path, part: Part, number: int) -> Path:
    return folder / "data" / part.name / f"{number:05d}.parquet"


async def _write_part(db: Database, store: MediaStore, folder: Path, state: dict[str, Any],
                      window: parts.Window, part: Part,
                      progress: Callable[[str, int, int], None]) -> None:
    mine = state["parts"][part.name]
    if mine["done"]:
        return
    async with db.sessions() as session:
        total = await part.total(session, window)  # of the whole window, read or not
    progress(part.name, mine["read"], total)
    while not mine["done"]:
        async with db.sessions() as session:
            batch = await part.read(session, store, window, mine["after"], part.batch)
        if batch.rows:
            # Encoding and compressing a shard is CPU work: off the event loop.
            await asyncio.to_thread(files.write_shard, _shard(folder, part, mine["shards"]),
                                    part.columns, batch.rows)
            mine["shards"] += 1
            mine["rows"] += len(batch.rows)
        for (account_id, kind), n in batch.included.items():
            key = f"{account_id}:{kind}"
            state["included"][key] = state["included"].get(key, 0) + n
        for why, n in batch.skipped.items():
            state["skipped"][why] = state["skipped"].get(why, 0) + n
        mine["read"] += part.batch if batch.last_id is not None else 0
        mine["after"] = batch.last_id if batch.last_id is not None else mine["after"]
        mine["done"] = batch.last_id is None
        _save(folder, state)
        progress(part.name, total if mine["done"] else min(mine["read"], total), total)


# Which kinds a part's rows depend on: a person who took one back leaves the part.
def _revoked_rows(part: str, table: pa.Table, revoked: dict[str, set[str]]) -> pa.Array:
    def whose(column: str, kind: str) -> Any:
        return pc.is_in(table[column], value_set=pa.array(sorted(revoked[kind]), pa.string()))

    if part == "images":
        generated = pc.equal(table["source"], "generated")
        return pc.or_(pc.and_(generated, whose("author", GENERATED)),
                      pc.and_(pc.invert(generated), whose("author", UPLOADS)))
    if part == "preferences":
        return pc.or_(whose("user_id", CHOICES), whose("user_id", GENERATED))
    return whose("author", POSTS)


async def _drop_revoked(db: Database, folder: Path, state: dict[str, Any],
                        window: parts.Window) -> None:
    """Rows of anyone included who no longer consents to that kind are taken out (and
    what each person is counted for, counted again from what remains)."""
    included = {(int(k.split(":")[0]), k.split(":")[1]) for k in state["included"]}
    if not included:
        return
    async with db.sessions() as session:
        still = {(a, k) for a, k in (await session.execute(
            select(Consent.account_id, Consent.kind).where(Consent.granted.is_(True)))).all()}
    gone = included - still
    if not gone:
        return
    revoked: dict[str, set[str]] = {k: set() for k in (POSTS, GENERATED, UPLOADS, CHOICES)}
    for account_id, kind in gone:
        revoked[kind].add(window.pseudonym(account_id))
    named = {window.pseudonym(a): a for a, _ in included}
    recount: Counter[str] = Counter()
    for part in PARTS:
        mine = state["parts"][part.name]
        for number in range(mine["shards"]):
            path = _shard(folder, part, number)
            table = await asyncio.to_thread(pq.read_table, path)
            drop = _revoked_rows(part.name, table, revoked)
            if pc.any(drop).as_py():
                table = table.filter(pc.invert(drop))
                mine["rows"] -= int(pc.sum(drop).as_py())
                await asyncio.to_thread(files.write_shard, path, part.columns,
                                        table.to_pylist())
            for row in table.select([c for c in (part.author, "source")
                                     if c in table.column_names]).to_pylist():
                recount[f"{named[row[part.author]]}:{_kind(part.name, row)}"] += 1
    state["included"] = dict(recount)
    _save(folder, state)


def _kind(part: str, row: dict[str, Any]) -> str:
    if part == "images":
        return GENERATED if row["source"] == "generated" else UPLOADS
    return CHOICES if part == "preferences" else POSTS


async def _record(db: Database, state: dict[str, Any], window: parts.Window,
                  counts: dict[str, int]) -> int:
    included: Counter[tuple[int, str]] = Counter()
    for key, n in state["included"].items():
        account_id, kind = key.split(":")
        included[(int(account_id), kind)] += n
    async with db.transaction() as session:
        made = DatasetExport(name=state["name"], since=window.since, until=window.until,
                             counts=counts)
        session.add(made)
        await session.flush()
        session.add_all(ExportInclusion(export_id=made.id, account_id=a, kind=k, count=n)
                        for (a, k), n in included.items() if n)
        return made.id
