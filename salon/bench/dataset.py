"""The benchmark's instance: accounts with power-law follower counts, a million posts, and
home timelines for the accounts whose tokens drive the load.

The graph and the posts are computed with numpy and written with multi-row INSERTs of the
domain's own tables (a million posts through `create_post` would take an hour on a laptop);
everything measured afterwards goes through the running server as a client would."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account, Credential
from salon.accounts.passwords import hash_password
from salon.assistant import service as assistant
from salon.bench import meaning
from salon.db.ids import id_floor, id_time, new_id, utcnow
from salon.db.session import Database
from salon.graph.models import Follow
from salon.oauth import service as oauth
from salon.posts.models import Post
from salon.timelines import tasks as timelines
from salon.timelines.store import timeline_store

PASSWORD = "bench-password-1"
CHUNK = 5_000  # rows per INSERT statement batch


@dataclass(frozen=True)
class Scale:
    posters: int  # accounts that post and follow each other (power law)
    readers: int  # accounts that only follow: the audience of the biggest accounts
    posts: int
    big_followers: int  # followers of each of the two biggest accounts (merged at read)
    fanout_followers: int  # followers of the account whose post is timed reaching them
    token_accounts: int  # accounts whose home timelines the load reads
    load_seconds: float
    generations: int
    questions: int = 20  # put to the assistant, half text, half drawings
    vectors: int = 2_000  # newest posts given vectors (For You's window; recent search)


    @classmethod
    def full(cls) -> Scale:
        return cls(posters=10_000, readers=50_000, posts=1_000_000, big_followers=50_000,
                   fanout_followers=10_000, token_accounts=200, load_seconds=15,
                   generations=16, questions=40, vectors=100_000)

    @classmethod
    def quick(cls) -> Scale:
        return cls(posters=1_000, readers=10_500, posts=50_000, big_followers=10_500,
                   fanout_followers=10_000, token_accounts=100, load_seconds=6,
                   generations=6, questions=20, vectors=20_000)

    def describe(self) -> str:
        return (f"{self.posters:,} posting accounts + {self.readers:,} reading accounts, "
                f"{self.posts:,} posts, 2 accounts followed by {self.big_followers:,} readers "
                f"and more, 1 followed by exactly {self.fanout_followers:,}")


@dataclass
class DataSet:
    big: list[int]  # the two accounts over the fan-out limit
    fanout: int  # the account with exactly `fanout_followers` followers
    fanout_token: str = ""
    most_followed: list[int] = field(default_factory=list)  # follower counts, top 4
    tokens: list[str] = field(default_factory=list)  # home readers' bearer tokens
    # Readers' tokens (nobody follows them: a question fans out to no one) for asking the
    # assistant; they take turns, so no one's allowance runs out.
    askers: list[str] = field(default_factory=list)
    follows: int = 0
    embedded: meaning.Embedded = field(default_factory=meaning.Embedded)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _graph(scale: Scale, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(follower index, followee index) pairs. Accounts 0-1 are the big ones, 2 the fan-out
    one; posters follow each other with Zipf-weighted choice, so follower counts follow a
    power law; readers follow the big accounts and a few popular posters."""
    posters, readers = scale.posters, scale.readers
    weights = 1.0 / np.arange(1, posters + 1) ** 1.1
    weights[2] = 0  # the fan-out account's audience is set exactly, below
    weights /= weights.sum()
    pairs: list[np.ndarray] = []
    for follower in range(posters):
        k = int(min(posters - 1, max(5, rng.lognormal(3.6, 0.8))))
        chosen = np.unique(rng.choice(posters, size=k, p=weights))
        chosen = chosen[chosen != follower]
        pairs.append(np.column_stack([np.full(len(chosen), follower), chosen]))
    all_readers = np.arange(posters, posters + readers)
    for big in (0, 1):
        fans = all_readers[: scale.big_followers]
        pairs.append(np.column_stack([fans, np.full(len(fans), big)]))
    fans = all_readers[: scale.fanout_followers]
    pairs.append(np.column_stack([fans, np.full(len(fans), 2)]))
    extra = rng.choice(posters, size=readers * 8, p=weights)
    pairs.append(np.column_stack([np.repeat(all_readers, 8), extra]))
    edges = np.unique(np.concatenate(pairs), axis=0)
    return edges[:, 0], edges[:, 1]


async def build(db: Database, scale: Scale, echo: Callable[[str], None]) -> DataSet:
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    total = scale.posters + scale.readers
    followers, followees = _graph(scale, rng)
    ids = np.array([new_id() for _ in range(total)], dtype=np.int64)
    followers_count = np.bincount(followees, minlength=total)
    following_count = np.bincount(followers, minlength=total)
    # Posting activity is skewed too: a few accounts post a lot.
    activity = 1.0 / np.arange(1, scale.posters + 1) ** 0.8
    authors = rng.choice(scale.posters, size=scale.posts, p=activity / activity.sum())
    posts_count = np.bincount(authors, minlength=total)
    now = utcnow()
    secret = hash_password(PASSWORD)  # one hash for all: hashing 60,000 would take minutes
    async with db.transaction() as session:
        rows = [
            {"id": int(ids[i]), "username": f"bench{i}", "username_key": f"bench{i}",
             "display_name": f"Bench {i}", "followers_count": int(followers_count[i]),
             "following_count": int(following_count[i]), "posts_count": int(posts_count[i]),
             "created_at": now}
            for i in range(total)
        ]
        for chunk in _chunks(rows):
            await session.execute(insert(Account), chunk)
        for chunk in _chunks([{"account_id": int(i), "password_hash": secret} for i in ids]):
            await session.execute(insert(Credential), chunk)
    echo(f"  {total:,} accounts  ({time.perf_counter() - started:.0f} s)")
    async with db.transaction() as session:
        rows = [{"id": new_id(), "follower_id": int(ids[a]), "followee_id": int(ids[b]),
                 "created_at": now} for a, b in zip(followers, followees, strict=True)]
        for chunk in _chunks(rows):
            await session.execute(insert(Follow), chunk)
    echo(f"  {len(rows):,} follows; most followed: "
         f"{', '.join(f'{c:,}' for c in sorted(followers_count, reverse=True)[:4])}  "
         f"({time.perf_counter() - started:.0f} s)")
    await _posts(db, scale, ids[authors], rng, echo, started)
    embedded = await meaning.embed(db, scale.vectors, echo)
    if not db.settings.is_sqlite:
        # A live database has planner statistics; right after a bulk load it has none, and
        # PostgreSQL's guesses for the home timeline query are off by seconds. It has been
        # vacuumed too: otherwise autovacuum takes up the bulk-loaded tables (a core of
        # this machine's two) during the timed runs, and index-only scans visit the heap.
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM (ANALYZE)"))
    data = DataSet(big=[int(ids[0]), int(ids[1])], fanout=int(ids[2]), follows=len(rows),
                   most_followed=sorted(map(int, followers_count), reverse=True)[:4],
                   embedded=embedded)
    # Home readers: popular and ordinary posters, and readers who follow the big accounts.
    picked = np.concatenate([
        rng.choice(np.arange(3, scale.posters), size=scale.token_accounts // 2, replace=False),
        rng.choice(np.arange(scale.posters, total), size=scale.token_accounts // 2,
                   replace=False),
    ])
    async with db.transaction() as session:
        app = await oauth.create_app(session, "salon bench", "urn:ietf:wg:oauth:2.0:oob",
                                     "read write")
        for index in picked:
            await timelines.rebuild(session, {"account_id": int(ids[index])})
            data.tokens.append((await oauth.issue_for(
                session, app, await _account(session, int(ids[index])), ["read", "write"]
            )).access_token)
        data.fanout_token = (await oauth.issue_for(
            session, app, await _account(session, data.fanout), ["read", "write"]
        )).access_token
        data.askers = data.tokens[scale.token_accounts // 2:]
        # The server makes it at start too; made here, the instance is whole before then.
        await assistant.ensure_account(session, db.settings)
    # The fan-out account's followers read their homes lately (fan-out skips the away).
    store = timeline_store()
    for reader in ids[scale.posters:scale.posters + scale.fanout_followers]:
        await store.start(int(reader))
    echo(f"  home timelines of {len(picked)} readers filled, tokens issued  "
         f"({time.perf_counter() - started:.0f} s)")
    return data


async def _account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    assert account is not None
    return account


def _texts(rng: np.random.Generator, count: int) -> Iterable[str]:
    """Sentences about the bench's topics (salon/bench/topics.py): search by meaning and
    For You find them by what they say."""
    for _ in range(count):
        yield meaning.text_of(rng)


async def _posts(db: Database, scale: Scale, authors: np.ndarray, rng: np.random.Generator,
                 echo: Callable[[str], None], started: float) -> None:
    """Posts spread over the last 30 days, oldest first, committed in slices so progress
    shows and memory stays flat."""
    floor = id_floor(utcnow() - timedelta(days=30))
    span = id_floor(utcnow() - timedelta(minutes=5)) - floor
    ids = np.sort(floor + rng.integers(0, span, size=scale.posts, dtype=np.int64))
    ids = np.unique(ids)
    step = 100_000
    for start in range(0, len(ids), step):
        async with db.transaction() as session:
            rows = [
                {"id": int(post_id), "account_id": int(author), "text": text,
                 "content_html": f"<p>{text}</p>", "visibility": "public",
                 "created_at": id_time(int(post_id))}
                for post_id, author, text in zip(
                    ids[start:start + step], authors[start:start + step],
                    _texts(rng, min(step, len(ids) - start)), strict=False)
            ]
            for chunk in _chunks(rows):
                await session.execute(insert(Post), chunk)
        echo(f"  {min(start + step, len(ids)):,} / {len(ids):,} posts  "
             f"({time.perf_counter() - started:.0f} s)")
