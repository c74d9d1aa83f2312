"""Redis going away under a running server that is being written to and read from: home
reads fail fast with 503 and a Retry-After, posting goes on (the database has it), and
once Redis is back every acknowledged post reaches its followers' home timelines, the
failed fan-out jobs retried by the worker, with nobody doing anything.

The server is `salon serve` in its own process (with its in-process worker) and reaches
Redis through a TCP proxy that the test cuts and restores."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import pytest

from salon.accounts import service as accounts
from salon.db.session import Database
from salon.graph import service as graph
from salon.oauth import service as oauth
from salon.settings import Settings
from salon.timelines.redis_store import parse
from salon.timelines.store import close_stores
from tests.conftest import PASSWORD, _free_port, salon_serve, settings_for
from tests.databases import POSTGRES, REDIS, Databases, process_env
from tests.faults.proxy import Proxy

pytestmark = pytest.mark.skipif(not (REDIS and POSTGRES), reason="needs PostgreSQL and "
                                "Redis: runs in the scale-out pass of scripts/test")
TIMEOUT = 1.0  # the server's SALON_REDIS_TIMEOUT
FANS = 3


@dataclass
class World:
    base: str
    settings: Settings  # the test's own, reaching Redis directly
    author: dict[str, str]
    fans: list[tuple[int, dict[str, str]]]  # account id, auth header


@pytest.fixture
def world(tmp_path: Path, databases: Databases) -> Iterator[tuple[World, Proxy]]:
    database = databases.fresh(tmp_path)
    settings = settings_for(tmp_path, database)
    proxy = Proxy(int(REDIS.rsplit(":", 1)[1].split("/")[0]))
    proxy.restore()
    port = _free_port()
    env = {**process_env(settings), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_REDIS_URL": REDIS.replace(REDIS.split("//")[1].split("/")[0],
                                            f"127.0.0.1:{proxy.port}"),
           "SALON_REDIS_TIMEOUT": str(TIMEOUT), "SALON_BASE_URL": f"http://127.0.0.1:{port}"}
    try:
        with salon_serve(env, tmp_path / "server.log", port) as base:
            yield asyncio.run(_people(base, settings)), proxy
    finally:
        proxy.cut()
        databases.drop(database)


async def _people(base: str, settings: Settings) -> World:
    """An author, fans who follow them, and each one's API token."""
    db = Database(settings)
    try:
        async with db.transaction() as session:
            app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob",
                                         "read write follow")
            made = [await accounts.register(session, name, PASSWORD)
                    for name in ["author", *(f"fan{i}" for i in range(FANS))]]
            for fan in made[1:]:
                await graph.follow(session, fan.id, made[0].id)
            tokens = [(await oauth.issue_for(session, app, a, ["read", "write"])).access_token
                      for a in made]
        await close_stores()
    finally:
        await db.dispose()
    header = [{"Authorization": f"Bearer {t}"} for t in tokens]
    return World(base, settings, header[0], [(a.id, h) for a, h in zip(made[1:], header[1:],
                                                                          strict=True)])


@dataclass
class Load:
    """Posting and home reads from several threads, each answer noted with its time."""

    world: World
    stop: threading.Event = field(default_factory=threading.Event)
    posted: list[int] = field(default_factory=list)
    # kind, status, when it was sent, how long it took, Retry-After
    answers: list[tuple[str, int, float, float, str | None]] = field(default_factory=list)

    def _post(self, n: int) -> None:
        client = httpx.Client(base_url=self.world.base, timeout=30)
        while not self.stop.is_set():
            n += 1
            self._note("post", partial(client.post, "/api/v1/statuses",
                                       headers=self.world.author, data={"status": f"post {n}"}))
            time.sleep(0.05)
        client.close()

    def _read(self, headers: dict[str, str]) -> None:
        client = httpx.Client(base_url=self.world.base, timeout=30)
        while not self.stop.is_set():
            self._note("home", partial(client.get, "/api/v1/timelines/home", headers=headers))
            time.sleep(0.05)
        client.close()

    def _note(self, kind: str, call: Callable[[], httpx.Response]) -> None:
        started = time.monotonic()
        answer = call()
        took = time.monotonic() - started
        self.answers.append((kind, answer.status_code, started, took,
                             answer.headers.get("retry-after")))
        if kind == "post" and answer.status_code == 200:
            self.posted.append(int(answer.json()["id"]))

    def __enter__(self) -> Load:
        self.threads = [threading.Thread(target=self._post, args=(i * 1000,)) for i in range(2)]
        self.threads += [threading.Thread(target=self._read, args=(h,))
                         for _, h in self.world.fans]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


async def _home_sets(settings: Settings, fans: list[int]) -> list[set[int]]:
    """Each fan's home timeline as Redis holds it (the test reaches Redis directly)."""
    from redis.asyncio import Redis

    async with Redis.from_url(settings.redis_url) as client:
        return [{parse(m)[0] for m in await client.zrange(f"{settings.redis_prefix}home:{fan}",
                                                          0, -1) if isinstance(m, bytes)}
                for fan in fans]


def test_redis_outage_answers_503_then_every_post_arrives(
    world: tuple[World, Proxy]
) -> None:
    people, proxy = world
    with Load(people) as load:
        time.sleep(1.5)
        cut_at = time.monotonic()
        proxy.cut()
        time.sleep(3)
        proxy.restore()
        restored_at = time.monotonic()
        time.sleep(1.5)

    kinds = {(kind, status) for kind, status, *_ in load.answers}
    assert ("home", 503) in kinds, "the outage was felt"
    assert ("home", 200) in kinds and ("post", 200) in kinds
    for kind, status, _, took, retry_after in load.answers:
        assert status in (200, 503), (kind, status)  # never a 500 or a 206
        assert took < TIMEOUT + 1, (kind, status, took)  # fast, never hanging
        if status == 503:
            assert retry_after == "5"
    posts = [status for kind, status, *_ in load.answers if kind == "post"]
    assert posts.count(200) == len(load.posted) > 20
    # Posting needs only the database: posts were taken while Redis was away, and their
    # fan-out failed.
    assert any(kind == "post" and status == 200 and cut_at < sent and sent + took < restored_at
               for kind, status, sent, took, _ in load.answers)

    # Back to normal: reads answer 200, and the fan-out jobs that failed during the outage
    # are retried (after their backoff, about 10 s) until every post is in every home.
    with httpx.Client(base_url=people.base, timeout=10) as client:
        assert client.get("/api/v1/timelines/home", headers=people.fans[0][1]).status_code == 200
    every_post_arrives(people, load.posted)


def every_post_arrives(people: World, posted: list[int]) -> None:
    """Within a minute, every acknowledged post is in every fan's home timeline in Redis,
    and the API's newest page shows them."""
    wanted = set(posted)
    deadline = time.monotonic() + 60
    while True:
        homes = asyncio.run(_home_sets(people.settings, [f for f, _ in people.fans]))
        if all(wanted <= home for home in homes):
            break
        missing = max(len(wanted - home) for home in homes)
        assert time.monotonic() < deadline, f"{missing} acknowledged posts never arrived"
        time.sleep(0.5)
    with httpx.Client(base_url=people.base, timeout=10) as client:
        newest = client.get("/api/v1/timelines/home", headers=people.fans[-1][1],
                            params={"limit": 40})
    assert newest.status_code == 200
    assert [int(s["id"]) for s in newest.json()] == sorted(wanted, reverse=True)[:40]
