"""`salon bench-feed`: how well For You ranks, measured as recommenders are. A community whose
people have hidden tastes (two topics of their own each, salon/bench/topics.py) posts about
what it likes and likes posts by those tastes, with noise; a fifth of each person's likes is
held out. Each ranking's first 20 posts are scored against the held-out likes (recall@20,
nDCG@20): For You (`salon.feeds.for_you.rank`) against the chronological home (posts of
people followed, newest first) and "most liked" (by like count). Already liked and own posts
are left out of every list. Target: For You ≥ 1.3× the better baseline on both."""

from __future__ import annotations

import importlib
import math
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.bench import topics as vocabulary
from salon.bench.run import _database_url, _postgres_admin, _reachable
from salon.db.ids import id_floor, id_time, new_id, utcnow
from salon.db.migrate import upgrade
from salon.db.session import Database
from salon.graph.models import Follow
from salon.meaning import service as meaning
from salon.posts.models import Like, Post
from salon.settings import Settings, configure
from salon.timelines import tasks as timelines

K = 20
TARGET = 1.3  # For You against the better baseline, on both measures
# (session, settings, account id) -> post ids, best first
Ranker = Callable[[AsyncSession, Settings, int], Awaitable[list[int]]]


@dataclass(frozen=True)
class FeedScale:
    people: int = 300
    posts: int = 6_000
    views: int = 250  # posts each person comes across (and likes by taste, or not)
    follows: int = 20
    like_taste: float = 0.45  # chance to like a post of one's first taste seen
    like_noise: float = 0.02  # chance to like any other post seen
    off_taste: float = 0.1  # share of a person's posts outside their tastes
    hours: float = 48  # posts spread over the last hours (inside For You's window)

    def describe(self) -> str:
        return (f"{self.people:,} people with 2 hidden topics of {len(vocabulary.TOPICS)} each, "
                f"{self.posts:,} posts over {self.hours:.0f} h, {self.follows} follows and "
                f"{self.views} posts seen a person")


@dataclass
class Community:
    people: list[int]
    tastes: np.ndarray  # (people, 2) topic indexes
    liked: dict[int, set[int]] = field(default_factory=dict)  # kept (in the database)
    held: dict[int, set[int]] = field(default_factory=dict)  # held out
    authored: dict[int, set[int]] = field(default_factory=dict)
    likes: int = 0
    embed_seconds: float = 0.0
    texts: int = 0


@dataclass
class Scores:
    recall: float
    ndcg: float
    people: int


@dataclass
class FeedFigures:
    scores: dict[str, Scores]
    for_you: str  # "measured", or why not
    community: Community
    seconds: float

    def ratio(self, measure: str) -> float | None:
        if "For You" not in self.scores:
            return None
        mine = getattr(self.scores["For You"], measure)
        best = max(getattr(s, measure) for name, s in self.scores.items() if name != "For You")
        return mine / best if best else math.inf


def for_you_ranker() -> Ranker | None:
    """For You's ranking (salon/feeds/for_you.py), or None where it is not built yet."""
    try:  # by name: the module lands from another branch, and mypy must pass either way
        for_you = importlib.import_module("salon.feeds.for_you")
    except ImportError:
        return None

    async def rank(session: AsyncSession, settings: Settings, account_id: int) -> list[int]:
        return [item.post_id for item in await for_you.rank(session, settings, account_id)]
    return rank


def recall_at(ranked: list[int], held: set[int], k: int = K) -> float:
    return len(set(ranked[:k]) & held) / len(held) if held else 0.0


def ndcg_at(ranked: list[int], held: set[int], k: int = K) -> float:
    gain = sum(1 / math.log2(i + 2) for i, post in enumerate(ranked[:k]) if post in held)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(held))))
    return gain / ideal if ideal else 0.0


async def build(db: Database, scale: FeedScale, rng: np.random.Generator,
                echo: Callable[[str], None]) -> Community:
    settings = db.settings
    n_topics = len(vocabulary.TOPICS)
    tastes = np.array([rng.choice(n_topics, size=2, replace=False) for _ in range(scale.people)])
    ids = [new_id() for _ in range(scale.people)]
    long_ago = utcnow() - timedelta(days=90)  # nobody is new here
    async with db.transaction() as session:
        await session.execute(insert(Account), [
            {"id": i, "username": f"taste{n}", "username_key": f"taste{n}",
             "display_name": f"Taste {n}", "created_at": long_ago} for n, i in enumerate(ids)])
    community = Community(people=ids, tastes=tastes)
    # Posts: each author writes about their tastes, sometimes about anything.
    authors = rng.integers(0, scale.people, size=scale.posts)
    on_taste = rng.random(scale.posts) >= scale.off_taste
    post_topics = np.where(on_taste, tastes[authors, rng.integers(0, 2, size=scale.posts)],
                           rng.integers(0, n_topics, size=scale.posts))
    texts = [vocabulary.sentence(vocabulary.TOPICS[t], rng) for t in post_topics]
    floor = id_floor(utcnow() - timedelta(hours=scale.hours))
    post_ids = np.sort(floor + rng.integers(0, id_floor(utcnow()) - floor, size=scale.posts,
                                            dtype=np.int64))
    async with db.transaction() as session:
        await session.execute(insert(Post), [
            {"id": int(p), "account_id": ids[a], "text": t, "content_html": f"<p>{t}</p>",
             "visibility": "public", "created_at": id_time(int(p))}
            for p, a, t in zip(post_ids, authors, texts, strict=True)])
    for p, a in zip(post_ids, authors, strict=True):
        community.authored.setdefault(ids[a], set()).add(int(p))
    # Vectors, from the real model (the distinct sentences once each).
    started = time.perf_counter()
    distinct = sorted(set(texts))
    vectors = await meaning.embed(settings, distinct)
    community.embed_seconds, community.texts = time.perf_counter() - started, len(distinct)
    model = await meaning.model(settings)
    if vectors is not None and model is not None:
        by_text = dict(zip(distinct, vectors, strict=True))
        async with db.transaction() as session:
            for p, t in zip(post_ids, texts, strict=True):
                await meaning.store(session, int(p), by_text[t], model.name)
    echo(f"  {scale.people} people, {scale.posts:,} posts, {len(distinct):,} texts embedded "
         f"({len(distinct) / max(community.embed_seconds, 1e-9):,.0f} texts/s)")
    # Follows: half among people sharing a taste, half anyone.
    follows: set[tuple[int, int]] = set()
    for n in range(scale.people):
        alike = [m for m in range(scale.people) if m != n and set(tastes[m]) & set(tastes[n])]
        anyone = [m for m in range(scale.people) if m != n]
        half = scale.follows // 2
        for pool, count in ((alike, half), (anyone, scale.follows - half)):
            for m in rng.choice(pool, size=min(count, len(pool)), replace=False):
                follows.add((ids[n], ids[int(m)]))
    async with db.transaction() as session:
        await session.execute(insert(Follow), [
            {"id": new_id(), "follower_id": a, "followee_id": b, "created_at": long_ago}
            for a, b in sorted(follows)])
    # Likes by taste (the first taste more than the second), with noise; a fifth held out.
    rows, counts = [], np.zeros(scale.posts, np.int64)
    for n, person in enumerate(ids):
        seen = rng.choice(scale.posts, size=min(scale.views, scale.posts), replace=False)
        seen = seen[authors[seen] != n]
        chance = np.where(post_topics[seen] == tastes[n, 0], scale.like_taste,
                          np.where(post_topics[seen] == tastes[n, 1], scale.like_taste * 0.6,
                                   scale.like_noise))
        liked = seen[rng.random(len(seen)) < chance]
        rng.shuffle(liked)
        cut = len(liked) // 5
        community.held[person] = {int(post_ids[i]) for i in liked[:cut]}
        community.liked[person] = {int(post_ids[i]) for i in liked[cut:]}
        for i in liked[cut:]:
            counts[i] += 1
            rows.append({"id": new_id(), "account_id": person, "post_id": int(post_ids[i]),
                         "created_at": id_time(int(post_ids[i])) + timedelta(minutes=5)})
    community.likes = len(rows)
    async with db.transaction() as session:
        if rows:
            await session.execute(insert(Like), rows)
        for i in np.nonzero(counts)[0]:
            await session.execute(update(Post).where(Post.id == int(post_ids[i]))
                                  .values(likes_count=int(counts[i])))
        for person in ids:  # home timelines, as fan-out would have filled them
            await timelines.rebuild(session, {"account_id": person})
    held = sum(len(h) for h in community.held.values())
    echo(f"  {len(follows):,} follows, {community.likes + held:,} likes ({held:,} held out)")
    return community


async def home(session: AsyncSession, person: int, k: int) -> list[int]:
    """The chronological home: posts of people followed, newest first."""
    followed = select(Follow.followee_id).where(Follow.follower_id == person)
    return list(await session.scalars(select(Post.id).where(Post.account_id.in_(followed))
                                      .order_by(Post.id.desc()).limit(k)))


async def most_liked(session: AsyncSession, person: int, k: int) -> list[int]:
    return list(await session.scalars(select(Post.id).order_by(Post.likes_count.desc(),
                                                               Post.id.desc()).limit(k)))


async def evaluate(db: Database, community: Community, rankers: dict[str, Ranker]
                   ) -> dict[str, Scores]:
    """Each ranking's first K posts, already liked and own posts left out, against the
    held-out likes, averaged over the people who have any."""
    found: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in rankers}
    for person in community.people:
        held = community.held[person]
        if not held:
            continue
        skip = community.liked[person] | community.authored.get(person, set())
        for name, rank in rankers.items():
            async with db.sessions() as session:
                ranked = [p for p in await rank(session, db.settings, person) if p not in skip]
            found[name][0].append(recall_at(ranked, held))
            found[name][1].append(ndcg_at(ranked, held))
    return {name: Scores(statistics.fmean(r) if r else 0.0, statistics.fmean(g) if g else 0.0,
                         len(r)) for name, (r, g) in found.items()}


def _baselines(community: Community) -> dict[str, Ranker]:
    wide = K + max((len(v) for v in community.liked.values()), default=0) + max(
        (len(v) for v in community.authored.values()), default=0)  # room for what is skipped

    async def chronological(session: AsyncSession, settings: Settings, person: int
                            ) -> list[int]:
        return await home(session, person, wide)

    async def liked(session: AsyncSession, settings: Settings, person: int) -> list[int]:
        return await most_liked(session, person, wide)
    return {"Home (chronological)": chronological, "Most liked": liked}


async def run_feed_bench(base: Settings, scale: FeedScale, results_dir: Path,
                         echo: Callable[[str], None] = print,
                         ranker: Ranker | None = None) -> Path:
    """Build the community in a throwaway database, rank, score, write the report.
    `ranker` stands in for For You (tests); by default For You's own."""
    await _reachable(base)
    ranker = ranker or for_you_ranker()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="salon-bench-feed-") as tmp:
        tag = f"{secrets.token_hex(3)}"
        changes: dict[str, object] = {"data_dir": Path(tmp), "env": "production",
                                      "secret_key": secrets.token_hex(32), "media_url": "",
                                      "redis_prefix": f"salon-bench-feed-{tag}:"}
        if not base.is_sqlite:
            name = f"salon_bench_feed_{tag}"
            await _postgres_admin(base.database_url, f'CREATE DATABASE "{name}"')
            changes["database_url"] = _database_url(base.database_url, name)
        settings = configure(Settings(**{**base.model_dump(), **changes}))
        echo(f"salon bench-feed: {scale.describe()}")
        db = Database(settings)
        try:
            await upgrade(settings)
            community = await build(db, scale, np.random.default_rng(11), echo)
            rankers = _baselines(community)
            if ranker is not None:
                rankers = {"For You": ranker, **rankers}
            scores = await evaluate(db, community, rankers)
        finally:
            await db.dispose()
            if not base.is_sqlite:
                await _postgres_admin(base.database_url,
                                      f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    state = "measured" if ranker is not None else (
        "not measured: salon.feeds.for_you is not on this branch yet")
    figures = FeedFigures(scores, state, community, time.perf_counter() - started)
    path = write(results_dir, settings, scale, figures)
    for line in path.read_text().splitlines():
        echo(line)
    echo(f"(report written to {path})")
    return path


def render(settings: Settings, scale: FeedScale, f: FeedFigures) -> str:
    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    people = next(iter(f.scores.values())).people if f.scores else 0
    lines = [f"# salon bench-feed: {database}, {when}", "",
             f"Community: {scale.describe()}; {f.community.likes:,} likes kept, "
             f"{sum(len(h) for h in f.community.held.values()):,} held out (a fifth of each "
             f"person's), scored over {people} people with held-out likes. Embeddings: "
             f"`{settings.embeddings}`, {f.community.texts:,} texts in "
             f"{f.community.embed_seconds:.1f} s. For You: {f.for_you}.", "",
             f"| Ranking | recall@{K} | nDCG@{K} |", "|---|---:|---:|"]
    for name, s in f.scores.items():
        lines.append(f"| {name} | {s.recall:.3f} | {s.ndcg:.3f} |")
    lines += ["", "| Measure | Figure | Target | |", "|---|---:|---:|---|"]
    for measure, label in (("recall", f"recall@{K}"), ("ndcg", f"nDCG@{K}")):
        ratio = f.ratio(measure)
        if ratio is None:
            lines.append(f"| For You / better baseline, {label} | not measured | ≥ {TARGET} | |")
        else:
            lines.append(f"| For You / better baseline, {label} | {ratio:.2f}× | ≥ {TARGET}× "
                         f"| {'met' if ratio >= TARGET else '**missed**'} |")
    lines += ["", f"({f.seconds:.0f} s in all)"]
    return "\n".join(lines) + "\n"


def write(results_dir: Path, settings: Settings, scale: FeedScale, f: FeedFigures) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    database = "sqlite" if settings.is_sqlite else "postgresql"
    path = results_dir / f"{stamp}-{database}-feed.md"
    path.write_text(render(settings, scale, f))
    return path
