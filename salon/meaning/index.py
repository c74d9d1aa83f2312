"""Exact nearest-neighbour search in memory with numpy: the posts' vectors of one model,
kept per process and brought up to date from the database by each search (rows whose
`version` is newer than the last one read). SQLite's way, and PostgreSQL's without pgvector.

Memory: 384 float32 numbers a post (1.5 KB): 100,000 posts take 154 MB; a search is one
matrix-vector product over them (BLAS, in a thread: about 5 ms for 100,000 on one core, and
22 ms for For You's seven seeds in one pass). float16 would halve the memory, but numpy
multiplies half floats without BLAS, several times slower.
Deleted posts stay until the process restarts, which costs memory, never visibility: every
hit is checked against the posts table by the caller.

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

from salon.meaning.models import PostVector

GROW = 4096  # rows added to the matrix at a time
READ_BATCH = 20_000


@dataclass
class MemoryIndex:
    model: str
    dim: int = 0
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    size: int = 0
    version: int = 0  # the newest row read
    rows: dict[int, int] = field(default_factory=dict)  # post id -> row
    ordered: bool = True  # rows in post id order
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

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

    def _sort(self) -> None:
        # New arrays, not a permutation in place: a search running in a thread keeps
        # reading the ones it started with.
        order = np.argsort(self.ids[:self.size], kind="stable")
        self.ids = np.concatenate([self.ids[:self.size][order], self.ids[self.size:]])
        self.matrix = np.concatenate([self.matrix[:self.size][order],
                                      self.matrix[self.size:]])
        self.rows = {int(post_id): row for row, post_id in enumerate(self.ids[:self.size])}
        self.ordered = True

    def _since(self, since_id: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, matrix) of the posts since `since_id` (all without): views, not copies."""
        ids, matrix = self.ids[:self.size], self.matrix[:self.size]
        if since_id is None:
            return ids, matrix
        start = int(np.searchsorted(ids, since_id))
        return ids[start:], matrix[start:]

    def _grow(self) -> None:
        more = max(GROW, len(self.ids) // 2)
        self.ids = np.concatenate([self.ids, np.zeros(more, np.int64)])
        self.matrix = np.concatenate([self.matrix, np.zeros((more, self.dim), np.float32)])

    def scores(self, vector: np.ndarray, since_id: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(post ids, cosine similarities) of every post, or of those since `since_id`."""
        if not self.size or len(vector) != self.dim:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids, matrix = self._since(since_id)
        return ids, matrix @ vector.astype(np.float32, copy=False)

    def nearest(self, vector: np.ndarray, k: int, since_id: int | None = None
                ) -> list[tuple[int, float]]:
        ids, sims = self.scores(vector, since_id)
        if not len(ids):
            return []
        k = min(k, len(ids))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(ids[i]), float(sims[i])) for i in top]

    def nearest_many(self, vectors: list[np.ndarray], k: int, since_id: int | None = None
                     ) -> list[list[tuple[int, float]]]:
        """`nearest` for several vectors at once: one pass over the matrix (one BLAS
        product), not one per vector."""
        if not self.size or not vectors or any(len(v) != self.dim for v in vectors):
            return [self.nearest(v, k, since_id) for v in vectors]
        ids, matrix = self._since(since_id)
        if not len(ids):
            return [[] for _ in vectors]
        sims = matrix @ np.stack(vectors).astype(np.float32).T  # (posts, vectors)
        k = min(k, len(ids))
        found = []
        for column in sims.T:
            top = np.argpartition(-column, k - 1)[:k]
            top = top[np.argsort(-column[top], kind="stable")]
            found.append([(int(ids[i]), float(column[i])) for i in top])
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
