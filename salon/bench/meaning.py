"""`salon bench`'s meaning half: the data set's vectors (the real model embeds the distinct
sentences the posts are made of: its throughput in texts/s), then For You's first page and
search by meaning, timed through the running server one request at a time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import numpy as np
from sqlalchemy import insert, select, text

from salon.bench import topics
from salon.db.ids import new_id, utcnow
from salon.db.session import Database
from salon.meaning import pgvector
from salon.meaning import service as meaning
from salon.meaning.models import PostVector
from salon.posts.models import Post

FOR_YOU = "/api/v1/timelines/for_you?limit=20"
SEARCH = "/api/v2/search?type=statuses&limit=20&q="
FOR_YOU_P50_MS, FOR_YOU_P95_MS, SEARCH_P50_MS = 60, 150, 80
POOL = topics.pool(len(topics.TOPICS) * 48, np.random.default_rng(3))[0]  # every sentence
CHUNK = 2_000


@dataclass
class Embedded:
    texts: int = 0
    seconds: float = 0.0
    vectors: int = 0  # posts given one
    model: str = ""
    store_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.texts / self.seconds if self.seconds else 0.0


@dataclass
class Timed:
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    count: int = 0
    note: str = ""  # why it was not measured


@dataclass
class MeaningFigures:
    embedded: Embedded
    for_you: Timed
    search: Timed


def text_of(rng: np.random.Generator) -> str:
    return POOL[int(rng.integers(len(POOL)))]


async def embed(db: Database, newest: int, echo: Callable[[str], None]) -> Embedded:
    """Vectors for the newest `newest` posts (For You's window and what recent search
    needs): each distinct sentence embedded once by the configured model, timed."""
    done = Embedded()
    found = await meaning.model(db.settings)
    if found is None or newest <= 0:
        return done
    started = time.perf_counter()
    vectors = await meaning.embed(db.settings, POOL)
    done.seconds, done.texts, done.model = time.perf_counter() - started, len(POOL), found.name
    assert vectors is not None
    by_text = dict(zip(POOL, vectors, strict=True))
    echo(f"  {done.texts:,} distinct texts embedded by {found.name}: {done.rate:,.0f} texts/s")
    started = time.perf_counter()
    async with db.sessions() as session:
        rows = list(await session.execute(select(Post.id, Post.text).order_by(Post.id.desc())
                                          .limit(newest)))
        use_pgvector = await pgvector.present(session) and found.dim == pgvector.DIM
    now = utcnow()
    for start in range(0, len(rows), CHUNK):
        part = [(int(i), by_text[t]) for i, t in rows[start:start + CHUNK] if t in by_text]
        async with db.transaction() as session:
            if not part:
                continue
            await session.execute(insert(PostVector), [
                {"post_id": i, "model": found.name, "vector": v.astype(np.float32).tobytes(),
                 "version": new_id(), "embedded_at": now} for i, v in part])
            if use_pgvector:
                await session.execute(text(
                    f"INSERT INTO {pgvector.TABLE} (post_id, embedding) "
                    "VALUES (:id, CAST(:v AS vector))"),
                    [{"id": i, "v": pgvector.literal(v)} for i, v in part])
        done.vectors += len(part)
    done.store_seconds = time.perf_counter() - started
    echo(f"  vectors stored for the newest {done.vectors:,} posts"
         f"{' (and pgvector HNSW)' if use_pgvector else ''} in {done.store_seconds:.0f} s")
    return done


def _timed(took: list[float]) -> Timed:
    if not took:
        return Timed(note="no requests")
    cuts = statistics.quantiles(took, n=100) if len(took) > 1 else [took[0]] * 99
    return Timed(statistics.median(took), cuts[94], len(took))


async def measure(url: str, tokens: list[str], embedded: Embedded,
                  echo: Callable[[str], None]) -> MeaningFigures:
    """Each reader's For You first page, then paraphrase queries by meaning, one at a time
    after one untimed request of each (the model loaded, the index read)."""
    figures = MeaningFigures(embedded, Timed(), Timed())
    async with httpx.AsyncClient(base_url=url, timeout=60) as web:
        def auth(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        first = await web.get(FOR_YOU, headers=auth(tokens[0]))
        if first.status_code == 404:
            figures.for_you.note = "not measured: the server has no For You route yet (404)"
        else:
            first.raise_for_status()
            took = []
            for token in tokens:
                started = time.perf_counter()
                answer = await web.get(FOR_YOU, headers=auth(token))
                took.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
            figures.for_you = _timed(took)
        echo(f"  For You first page: {_said(figures.for_you)}")
        queries = [t.paraphrase for t in topics.TOPICS]
        (await web.get(SEARCH + quote(queries[0]), headers=auth(tokens[0]))).raise_for_status()
        took = []
        for n, token in enumerate(tokens[:60]):
            query = queries[n % len(queries)]
            started = time.perf_counter()
            answer = await web.get(SEARCH + quote(query), headers=auth(token))
            took.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
        figures.search = _timed(took)
        echo(f"  search by meaning: {_said(figures.search)}")
    return figures


def _said(t: Timed) -> str:
    return t.note or f"p50 {t.p50_ms:.1f} ms, p95 {t.p95_ms:.1f} ms ({t.count} requests)"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def rows(f: MeaningFigures) -> list[str]:
    """Rows of the report's targets table."""
    e, y, s = f.embedded, f.for_you, f.search
    lines = [f"| Embedding ({e.model or 'embeddings off'}), distinct texts of the data set "
             f"| {e.rate:,.0f} texts/s ({e.texts:,} in {e.seconds:.1f} s) | | |",
             f"| Vectors stored for the newest posts | {e.vectors:,} in {e.store_seconds:.0f} s "
             "| | |"]
    if y.note:
        lines.append(f"| `GET {FOR_YOU}` first page (p50; p95) | {y.note} "
                     f"| < {FOR_YOU_P50_MS} ms; < {FOR_YOU_P95_MS} ms | |")
    else:
        lines.append(f"| `GET {FOR_YOU}` first page (p50; p95 of {y.count}) | "
                     f"{y.p50_ms:.1f} ms; {y.p95_ms:.1f} ms | < {FOR_YOU_P50_MS} ms; "
                     f"< {FOR_YOU_P95_MS} ms | "
                     f"{_mark(y.p50_ms < FOR_YOU_P50_MS and y.p95_ms < FOR_YOU_P95_MS)} |")
    lines.append(f"| `GET {SEARCH}…` paraphrase queries (p50; p95 of {s.count}) | "
                 f"{s.p50_ms:.1f} ms; {s.p95_ms:.1f} ms | < {SEARCH_P50_MS} ms (p50) | "
                 f"{_mark(s.p50_ms < SEARCH_P50_MS)} |")
    return lines


def throughput(batch: int = 32) -> list[tuple[str, int, float]]:
    """The shipped model's texts/s on this machine: one sentence about 10 words long (the
    bench's), and five joined (about 45 words). `python -m salon.bench.meaning`."""
    from salon.meaning import embedders

    rng = np.random.default_rng(2)
    longer = [" ".join(rng.choice(POOL, 5)) for _ in range(len(POOL))]
    model = embedders.minilm()
    found = []
    for name, texts in (("one sentence (~10 words)", POOL), ("five sentences (~45 words)",
                                                             longer)):
        started = time.perf_counter()
        for i in range(0, len(texts), batch):
            model.embed(texts[i:i + batch])
        found.append((name, len(texts), len(texts) / (time.perf_counter() - started)))
    return found


if __name__ == "__main__":
    import os

    for name, count, rate in throughput():
        print(f"{name}: {rate:,.0f} texts/s ({count} texts), "
              f"1,000,000 in {1_000_000 / rate / 3600:.1f} h")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
