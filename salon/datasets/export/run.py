"""`salon dataset export DIR`: the three parts written a batch at a time, resumable (the
state after each batch is kept in DIR, so running the same command again goes on where it
stopped, with the same time and pseudonyms), then the card and the manifest; finally the
export and what it included of whom are recorded, for "My data in datasets". Before it
finishes, what was written is checked again against the rules as they stand then (consent
taken back, an account suspended, a post deleted or hidden) and whatever fails is removed."""

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

import pyarrow.parquet as pq
from sqlalchemy import select

from salon.datasets.export import card, files, parts
from salon.datasets.models import DatasetExport, ExportInclusion
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
    if "recorded" not in state:
        await _recheck(db, folder, state, window)
    counts = {p.name: state["parts"][p.name]["rows"] for p in PARTS}
    card.write(folder, settings, name=state["name"], since=window.since, until=window.until,
               counts=counts, skipped=state["skipped"])
    manifest = await asyncio.to_thread(files.write_manifest, folder)
    if "recorded" not in state:  # once, even if what follows is interrupted
        state["recorded"] = await _record(db, state, window, counts)
        _save(folder, state)
    export_id = int(state["recorded"])
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


# --- checked again before finishing ----------------------------------------------------------
# What was written in a long (or resumed) export may not qualify any more: consent taken
# back, an account suspended, a post deleted or its recipe hidden. Only the id columns are
# read to decide; a shard is written again only when something in it changes.

ID_COLUMNS = {"images": ["image_id", "remix_of"], "preferences": ["image_0_uid", "image_1_uid"],
              "posts": ["id", "in_reply_to_id"]}


def _ints(values: list[Any]) -> list[int]:
    return sorted({int(v) for v in values if v is not None})


async def _recheck(db: Database, folder: Path, state: dict[str, Any],
                   window: parts.Window) -> None:
    shards = {p.name: [path for n in range(state["parts"][p.name]["shards"])
                       if (path := _shard(folder, p, n)).exists()] for p in PARTS}
    columns = {name: [pq.read_table(path, columns=ID_COLUMNS[name]).to_pydict()
                      for path in paths] for name, paths in shards.items()}

    def every(name: str, column: str) -> list[int]:
        return _ints([v for c in columns[name] for v in c[column]])

    async with db.sessions() as session:
        images = await parts.still_images(session, window, every("images", "image_id"))
        sources = await parts.still_remix_sources(session, window, every("images", "remix_of"))
        pictures = await parts.still_pair_pictures(
            session, window, every("preferences", "image_0_uid")
            + every("preferences", "image_1_uid"))
        texts = await parts.still_posts(session, window,
                                        every("posts", "id") + every("posts", "in_reply_to_id"))
    keep = {
        "images": lambda row: int(row["image_id"]) in images,
        "preferences": lambda row: int(row["image_0_uid"]) in pictures
        and int(row["image_1_uid"]) in pictures,
        "posts": lambda row: int(row["id"]) in texts,
    }
    points = {"images": ("remix_of", sources), "posts": ("in_reply_to_id", texts)}
    for part in PARTS:
        for path, ids in zip(shards[part.name], columns[part.name], strict=True):
            rows = [dict(zip(ids, values, strict=True)) for values in zip(*ids.values(),
                                                                        strict=True)]
            kept = [keep[part.name](row) for row in rows]
            field, live = points.get(part.name, ("", set()))
            stale = field and any(r[field] is not None and int(r[field]) not in live
                                  for r, k in zip(rows, kept, strict=True) if k)
            if all(kept) and not stale:
                continue
            table = (await asyncio.to_thread(pq.read_table, path)).to_pylist()
            table = [r for r, k in zip(table, kept, strict=True) if k]
            for row in table:
                if field and row[field] is not None and int(row[field]) not in live:
                    row[field] = None  # what it named is not in the export any more
            if table:
                await asyncio.to_thread(files.write_shard, path, part.columns, table)
            else:
                path.unlink()
    _recount(folder, state, window)
    _save(folder, state)


def _recount(folder: Path, state: dict[str, Any], window: parts.Window) -> None:
    """Rows per part, and what each person is counted for, from the files as they are."""
    named = {window.pseudonym(int(key.split(":")[0])): int(key.split(":")[0])
             for key in state["included"]}
    included: Counter[str] = Counter()
    for part in PARTS:
        rows = 0
        for path in sorted((folder / "data" / part.name).glob("*.parquet")):
            wanted = [part.author, *(["source"] if part.name == "images" else [])]
            table = pq.read_table(path, columns=wanted).to_pylist()
            rows += len(table)
            for row in table:
                included[f"{named[row[part.author]]}:{_kind(part.name, row)}"] += 1
        state["parts"][part.name]["rows"] = rows
    state["included"] = dict(included)


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
