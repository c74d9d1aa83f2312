"""Nearest-neighbour search in memory: the posts' vectors of one model, kept per process
and brought up to date from the database by each search (rows whose `version` is newer
than the last one read). SQLite's way, and PostgreSQL's without pgvector.

A search over more than EXACT_UP_TO rows takes its first pass over int8 copies of the
vectors (quantized.py: 3 to 5 ms for For You's seven seeds over 100,000 posts, against
20 ms for numpy's float32 product), then ranks a few more than it needs exactly in float32;
smaller ones are exact throughout. `above` (a sentence feed) stays exact.

Memory: 384 float32 numbers a post and their int8 codes (1.9 KB): 100,000 posts take
192 MB. Deleted posts stay until the process restarts, which costs memory, never
visibility: every hit is checked against the posts table by the caller.

Rows are kept in post id order, so "posts since id X" (For You's window) is a slice of the
matrix, not a masked copy of it (copying 100,000 rows cost more than multiplying them). New
posts arrive in order; a refresh that brings older ones (a backfill) sorts the index once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.meaning import quantized
from salon.meaning.models import PostVector

GROW = 4096  # rows added to the matrix at a time
READ_BATCH = 20_000
EXACT_UP_TO = 4096  # rows searched exactly in float32 (as fast as the int8 pass, or faster)
MARGIN = 32  # rows beyond k (and as many again) the int8 pass hands to the exact ranking


@dataclass
class MemoryIndex:
    model: str
    dim: int = 0
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))  # int8 copy
    step: float = 0.0  # what one code step is worth
    size: int = 0
    version: int = 0  # the newest row read
    rows: dict[int, int] = field(default_factory=dict)  # post id -> row
    ordered: bool = True  # rows in post id order
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # What searches read: (ids, matrix, codes) of the rows added, coded and sorted so far,
    # published in one assignment when a batch is whole. A search runs in a thread while
    # the event loop adds, codes, grows or sorts: it keeps the arrays it started with.
    published: tuple[np.ndarray, np.ndarray, np.ndarray] = field(default_factory=lambda: (
        np.zeros(0, np.int64), np.zeros((0, 0), np.float32), np.zeros((0, 0), np.uint8)))

    async def refresh(self, session: AsyncSession) -> None:
        """Read what was (re)embedded since the last refresh."""
        async with self.lock:
            while True:
                found = list(await session.execute(
                    select(PostVector.post_id, PostVector.vector, PostVector.version)
                    .where(PostVector.version > self.version, PostVector.model == self.model)
                    .order_by(PostVector.version).limit(READ_BATCH)))
                if found:
                    self._add([(r[0], r[1]) for r in found])
                    self.version = found[-1][2]
                if len(found) < READ_BATCH:
                    break
            if not self.ordered:
                self._sort()

    def _add(self, found: list[tuple[int, bytes]]) -> None:
        vectors = [np.frombuffer(v, dtype=np.float32) for _, v in found]
        if not self.dim:
            self.dim = len(vectors[0])
            self.matrix = np.zeros((0, self.dim), np.float32)
            self.codes = np.zeros((0, self.dim), np.uint8)
        changed = []
        for (post_id, _), vector in zip(found, vectors, strict=True):
            if len(vector) != self.dim:
                continue
            row = self.rows.get(post_id)
            if row is None:
                if self.size == len(self.ids):
                    self._grow()
                if self.size and post_id < self.ids[self.size - 1]:
                    self.ordered = False
                row = self.size
                self.size += 1
                self.rows[post_id] = row
                self.ids[row] = post_id
            self.matrix[row] = vector
            changed.append(row)
        if changed:
            self._encode(np.array(changed))
        self._publish()

    def _publish(self) -> None:
        self.published = (self.ids[:self.size], self.matrix[:self.size],
                          self.codes[:self.size])

    def _encode(self, rows: np.ndarray) -> None:
        """The int8 codes of these rows; all of them afresh, in new arrays, when one has a
        component outside the range (the first vectors set it)."""
        largest = float(np.abs(self.matrix[rows]).max())
        if largest > 127 * self.step:
            self.step = quantized.step_for(largest)
            codes = np.zeros_like(self.codes)
            codes[:self.size] = quantized.encode(self.matrix[:self.size], self.step)
            self.codes = codes
        else:
            self.codes[rows] = quantized.encode(self.matrix[rows], self.step)

    def _sort(self) -> None:
        # New arrays, not a permutation in place: a search running in a thread keeps
        # reading the ones it started with.
        order = np.argsort(self.ids[:self.size], kind="stable")
        self.ids = np.concatenate([self.ids[:self.size][order], self.ids[self.size:]])
        self.matrix = np.concatenate([self.matrix[:self.size][order],
                                      self.matrix[self.size:]])
        self.codes = np.concatenate([self.codes[:self.size][order], self.codes[self.size:]])
        self.rows = {int(post_id): row for row, post_id in enumerate(self.ids[:self.size])}
        self.ordered = True
        self._publish()

    def _since(self, since_id: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, matrix, codes) of the posts since `since_id` (all without), as last
        published: views, not copies."""
        ids, matrix, codes = self.published
        if since_id is None:
            return ids, matrix, codes
        start = int(np.searchsorted(ids, since_id))
        return ids[start:], matrix[start:], codes[start:]

    def _grow(self) -> None:
        more = max(GROW, len(self.ids) // 2)
        self.ids = np.concatenate([self.ids, np.zeros(more, np.int64)])
        self.matrix = np.concatenate([self.matrix, np.zeros((more, self.dim), np.float32)])
        self.codes = np.concatenate([self.codes, np.zeros((more, self.dim), np.uint8)])

    def vectors(self, post_ids: list[int]) -> dict[int, np.ndarray]:
        """The vectors of those of these posts that have one: copies, which a re-embedding
        does not change under a caller that scores with them in a thread."""
        rows = self.rows
        found = [i for i in post_ids if i in rows]
        block = self.matrix[[rows[i] for i in found]]  # one gather: a copy
        return dict(zip(found, block, strict=True))

    def scores(self, vector: np.ndarray, since_id: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(post ids, cosine similarities) of every post, or of those since `since_id`."""
        ids, matrix, _ = self._since(since_id)
        if not len(ids) or len(vector) != self.dim:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return ids, matrix @ vector.astype(np.float32, copy=False)

    def nearest(self, vector: np.ndarray, k: int, since_id: int | None = None
                ) -> list[tuple[int, float]]:
        return self.nearest_many([vector], k, since_id)[0]

    def nearest_many(self, vectors: list[np.ndarray], k: int, since_id: int | None = None
                     ) -> list[list[tuple[int, float]]]:
        """The k nearest posts (cosine) to each of several vectors, best first: one pass
        over the rows for all of them."""
        ids, matrix, codes = self._since(since_id)
        if not len(ids) or any(len(v) != self.dim for v in vectors):
            return [[] for _ in vectors]
        k = min(k, len(ids))
        if not k or not vectors:
            return [[] for _ in vectors]
        queries = np.stack(vectors).astype(np.float32)
        if len(ids) <= EXACT_UP_TO:
            sims = queries @ matrix.T
            rows = np.broadcast_to(np.arange(len(ids)), sims.shape)
        else:
            rows = quantized.top_rows(codes, queries, 2 * k + MARGIN)
            # Exact cosines of each query's rows: (queries, rows, dim) . (queries, dim).
            sims = np.einsum("qrd,qd->qr", matrix[rows], queries)
        found = []
        for query_rows, query_sims in zip(rows, sims, strict=True):
            top = np.argpartition(-query_sims, k - 1)[:k]
            top = top[np.lexsort((ids[query_rows[top]], -query_sims[top]))]
            found.append([(int(ids[query_rows[i]]), float(query_sims[i])) for i in top])
        return found

    def above(self, vector: np.ndarray, threshold: float, limit: int,
              max_id: int | None = None) -> list[tuple[int, float]]:
        ids, sims = self.scores(vector)
        keep = sims >= threshold
        if max_id is not None:
            keep &= ids < max_id
        ids, sims = ids[keep], sims[keep]
        order = np.argsort(-ids, kind="stable")[:limit]
        return [(int(ids[i]), float(sims[i])) for i in order]


_INDEXES: dict[tuple[str, str], MemoryIndex] = {}


def memory_index(database: str, model: str) -> MemoryIndex:
    """This process's index of `model`'s vectors in `database`."""
    key = (database, model)
    if key not in _INDEXES:
        _INDEXES[key] = MemoryIndex(model)
    return _INDEXES[key]


def forget() -> None:
    """Drop every kept index (tests that start a fresh database)."""
    _INDEXES.clear()
