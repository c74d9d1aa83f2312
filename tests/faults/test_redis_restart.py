"""A real Redis server killed under load and started again empty, as a restart without
persistence leaves it: home reads answer 503 while it is down, then 206 while each
timeline is rebuilt from the database, then 200; every acknowledged post reaches every
follower's home timeline, with nobody doing anything.

The test runs a redis-server of its own on a free port (the shared one serves every other
test), and `salon serve` in its own process."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _free_port, salon_serve, settings_for
from tests.databases import POSTGRES, REDIS, Databases, process_env
from tests.faults.test_redis_outage import TIMEOUT, Load, World, _people, every_post_arrives

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(not (REDIS and POSTGRES and REDIS_SERVER),
                                reason="needs PostgreSQL and a redis-server to run: the "
                                "scale-out pass of scripts/test")


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()  # no goodbye, no save: everything it held is gone
            self.process.wait(10)
            self.process = None


@pytest.fixture
def world(tmp_path: Path, databases: Databases) -> Iterator[tuple[World, RedisServer]]:
    redis = RedisServer(tmp_path)
    redis.start()
    database = databases.fresh(tmp_path)
    settings = settings_for(tmp_path, {**database, "redis_url": redis.url})
    port = _free_port()
    env = {**process_env(settings), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_REDIS_TIMEOUT": str(TIMEOUT), "SALON_BASE_URL": f"http://127.0.0.1:{port}"}
    try:
        with salon_serve(env, tmp_path / "server.log", port) as base:
            yield asyncio.run(_people(base, settings)), redis
    finally:
        redis.kill()
        databases.drop(database)


def test_redis_restarted_empty_rebuilds_every_timeline(
    world: tuple[World, RedisServer]
) -> None:
    people, redis = world
    with Load(people) as load:
        time.sleep(1.5)
        redis.kill()
        killed_at = time.monotonic()
        time.sleep(2)
        redis.start()
        started_at = time.monotonic()
        time.sleep(3)

    for kind, status, _, took, retry_after in load.answers:
        assert status in (200, 206, 503), (kind, status)  # never a 500
        assert took < TIMEOUT + 1, (kind, status, took)
        if status == 503:
            assert retry_after == "5"
    homes = [(status, sent) for kind, status, sent, *_ in load.answers if kind == "home"]
    assert any(s == 503 and killed_at < t < started_at for s, t in homes), "the outage was felt"
    assert all(s != 503 for s, t in homes if t > started_at + 0.5)  # over once it is back
    # Back, but empty: the first reads find no timeline, start its rebuild and answer 206.
    last_refused = max(t for s, t in homes if s == 503)
    assert any(s == 206 and t > last_refused for s, t in homes)
    assert homes[-1][0] == 200  # rebuilt by the end
    posts = [status for kind, status, *_ in load.answers if kind == "post"]
    assert posts.count(200) == len(load.posted) > 20

    # Every acknowledged post, before, during and after, in every home timeline.
    every_post_arrives(people, load.posted)
