"""A real PostgreSQL server restarted under load: requests answer 503 at once while it is
down, recover by themselves when it is back, and no acknowledged post or its delivery is
lost (every one reaches every follower's home timeline).

The test runs a PostgreSQL cluster of its own (initdb on a free port; the shared server
serves every other test) and `salon serve` in its own process against it."""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from salon.db.migrate import upgrade
from tests.conftest import _free_port, salon_serve, settings_for
from tests.databases import POSTGRES, process_env
from tests.faults.test_redis_outage import Load, World, _people

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(not (POSTGRES and BINARIES),
                                reason="needs PostgreSQL's programs: the scale-out pass")


class Cluster:
    """A throwaway PostgreSQL cluster, run as the `postgres` user when the tests run as
    root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="salon-pg-"))
        self.port = _free_port()
        self.bin = Path(BINARIES[-1])
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres",
                  "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-w",
                  "-l", str(self.folder / "log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D",
                        str(self.folder / "data"), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


async def _create_database(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{url}/postgres")
    try:
        await connection.execute('CREATE DATABASE "salon"')
    finally:
        await connection.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, Cluster]]:
    cluster = Cluster()
    try:
        cluster.start()
        asyncio.run(_create_database(cluster.url))
        settings = settings_for(tmp_path, {"database_url": f"{cluster.url}/salon",
                                           "db_pool_size": 0})
        asyncio.run(upgrade(settings))
        port = _free_port()
        env = {**process_env(settings), "SALON_WORKER_POLL_SECONDS": "0.1",
               "SALON_DB_POOL_SIZE": "5", "SALON_BASE_URL": f"http://127.0.0.1:{port}"}
        with salon_serve(env, tmp_path / "server.log", port) as base:
            yield asyncio.run(_people(base, settings)), cluster
    finally:
        cluster.remove()


def test_postgres_restart_answers_503_then_recovers_losing_nothing(
    world: tuple[World, Cluster]
) -> None:
    people, cluster = world
    with Load(people) as load:
        time.sleep(1.5)
        cluster.stop()
        stopped_at = time.monotonic()
        time.sleep(2)
        cluster.start()
        started_at = time.monotonic()
        time.sleep(3)

    for kind, status, _, took, retry_after in load.answers:
        assert status in (200, 503), (kind, status)  # never a 500
        assert took < 3, (kind, status, took)  # fast, never hanging
        if status == 503:
            assert retry_after == "5"
    assert any(status == 503 and stopped_at < sent < started_at
               for _, status, sent, *_ in load.answers), "the outage was felt"
    assert all(status == 200 for _, status, sent, *_ in load.answers
               if sent > started_at + 1), "recovered by itself"
    posts = [status for kind, status, *_ in load.answers if kind == "post"]
    assert posts.count(200) == len(load.posted) > 20

    # Every acknowledged post is kept, and its fan-out job ran: it is in every home.
    wanted = sorted(load.posted, reverse=True)[:40]
    with httpx.Client(base_url=people.base, timeout=10) as client:
        deadline = time.monotonic() + 60
        for _, headers in people.fans:
            while True:
                home = client.get("/api/v1/timelines/home", headers=headers,
                                  params={"limit": 40})
                assert home.status_code == 200
                if [int(s["id"]) for s in home.json()] == wanted:
                    break
                got = [int(s["id"]) for s in home.json()]
                assert time.monotonic() < deadline, (
                    "acknowledged posts never arrived", set(wanted) - set(got),
                    "or others came (a post made but answered 503)", set(got) - set(wanted))
                time.sleep(0.5)
