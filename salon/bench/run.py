"""`salon bench`: seeds a throwaway instance in the configured mode (SQLite, or PostgreSQL
and Redis when SALON_DATABASE_URL / SALON_REDIS_URL say so), starts `salon serve` as a user
would, drives it with wrk on loopback, asks its assistant questions (assistant.py) and
writes a Markdown report to bench/results/."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from salon.bench import assistant, load, meaning, report
from salon.bench.dataset import DataSet, Scale, build
from salon.db.ids import id_floor, utcnow
from salon.db.migrate import upgrade
from salon.db.session import Database
from salon.graph import service as graph
from salon.jobs.models import Job
from salon.settings import Settings, configure
from salon.timelines.schemas import Cursor
from salon.timelines.store import timeline_store

HOME = "/api/v1/timelines/home?limit=20"
CEILING = "/api/v1/custom_emojis"  # the smallest JSON answer: no database, no auth
CONNECTIONS = load.CONNECTIONS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(url: str, name: str) -> str:
    """The same server, user and options as `url`, another database."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _postgres_admin(url: str, statement: str) -> None:
    """Run `statement` in the server's `postgres` database (creating and dropping the
    benchmark's own database needs the CREATEDB privilege)."""
    import asyncpg

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class BenchError(Exception):
    """Something the person running the benchmark must fix; the message says what."""


async def _reachable(settings: Settings) -> None:
    """PostgreSQL and Redis answer, before minutes of seeding."""
    if not settings.is_sqlite:
        try:
            await _postgres_admin(settings.database_url, "SELECT 1")
        except Exception as exc:  # refused, unknown host, bad password, no such role
            raise BenchError(f"Cannot reach PostgreSQL at {settings.database_url} ({exc}). "
                             "Start it, or fix SALON_DATABASE_URL.") from None
    if settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        try:
            await client.ping()
        except Exception as exc:  # refused, unknown host, auth
            raise BenchError(f"Cannot reach Redis at {settings.redis_url} ({exc}). "
                             "Start it, or fix SALON_REDIS_URL.") from None
        finally:
            await client.aclose()


async def _forget_redis(settings: Settings) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{settings.redis_prefix}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start:start + 1000])
    finally:
        await client.aclose()


def _assistant_settings(base: Settings) -> dict[str, object]:
    """The assistant as measured: the builtin text engine, drawing with sketch, and
    allowances no bench run reaches (its askers take turns too)."""
    engines = [e.strip() for e in base.engines.split(",") if e.strip()]
    return {"assistant_enabled": True, "assistant_engine": "builtin",
            "assistant_image_engine": "sketch",
            "engines": ",".join(engines if "sketch" in engines else [*engines, "sketch"]),
            "assistant_daily_answers": report.ALLOWANCE,
            "assistant_thread_hourly": report.ALLOWANCE,
            "generation_daily_quota": report.ALLOWANCE}


@contextmanager
def _server(settings: Settings, env: dict[str, str], port: int, workers: int
            ) -> Iterator[str]:
    """`salon serve` in its own process, as a user starts it (embedded worker included)."""
    log_path = settings.data_dir / "server.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "salon.cli", "serve", "--port", str(port),
             "--no-access-log", "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(url + "/api/v1/instance", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("The server did not start; its log ends:\n"
                                     + log_path.read_text()[-3000:])
                time.sleep(0.2)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


async def _fanout(db: Database, url: str, data: DataSet, echo: Callable[[str], None]
                  ) -> list[float]:
    """Seconds from sending a post to its fan-out job being done (the job writes every
    follower's timeline in one step), checked against the timelines afterwards."""
    store = timeline_store()
    took: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Authorization": f"Bearer {data.fanout_token}"}) as web:
        for attempt in range(3):
            floor = id_floor(utcnow() - timedelta(seconds=1))
            started = time.perf_counter()
            text = f"fan-out test {attempt} {secrets.token_hex(3)}"
            answer = await web.post("/api/v1/statuses", data={"status": text})
            answer.raise_for_status()
            post_id = int(answer.json()["id"])
            while True:
                async with db.sessions() as session:
                    done = await session.scalars(
                        select(Job.payload).where(Job.kind == "timelines.fanout",
                                                  Job.status == "done", Job.id > floor))
                    if any(str(p.get("post_id")) == str(post_id) for p in done):
                        break
                if time.perf_counter() - started > 60:
                    raise RuntimeError("the fan-out job did not finish within 60 s")
                await asyncio.sleep(0.005)
            took.append(time.perf_counter() - started)
            async with db.sessions() as session:
                followers = await _followers(session, data.fanout)
                missing = [f for f in followers[:: max(1, len(followers) // 200)]
                           if post_id not in await store.page(session, f, Cursor(limit=1),
                                                              set())]
            if missing:
                raise RuntimeError(f"post {post_id} missing from {len(missing)} timelines")
            echo(f"  post {attempt + 1}: in {len(followers):,} home timelines after "
                 f"{took[-1] * 1000:.0f} ms")
    return took


async def _first_reads(url: str, tokens: list[str]) -> tuple[float, float]:
    """p50 and p99 ms of each reader's first home page, alone on the server: the posts on
    it are rendered for the first time (the timed runs afterwards find them kept)."""
    took = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        for token in tokens:
            started = time.perf_counter()
            answer = await web.get(HOME, headers={"Authorization": f"Bearer {token}"})
            took.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
    cuts = statistics.quantiles(took, n=100)
    return statistics.median(took), cuts[98]


async def _followers(session: AsyncSession, account_id: int) -> list[int]:
    return list(await session.scalars(graph.follower_ids(account_id)))


async def _generations(url: str, token: str, count: int) -> float:
    """Sketch-engine images per second, request to stored and signed candidates."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as web:
        started = time.perf_counter()
        made = []
        for i in range(count):
            answer = await web.post("/api/v1/salon/generations", data={
                "prompt": ["a lighthouse at sunset, watercolor", "neon city at night",
                           "pixel art castle on a green hill", "misty forest at dawn"][i % 4],
                "count": "1", "seed": str(i)})
            answer.raise_for_status()
            made.append(answer.json()["id"])
        pending = set(made)
        while pending:
            for generation_id in list(pending):
                state = (await web.get(f"/api/v1/salon/generations/{generation_id}")).json()
                if state["state"] == "succeeded":
                    pending.discard(generation_id)
                elif state["state"] in ("failed", "cancelled"):
                    raise RuntimeError(f"generation {generation_id} {state['state']}")
            if time.perf_counter() - started > 300:
                raise RuntimeError("generations did not finish within 5 minutes")
            await asyncio.sleep(0.05)
        return count / (time.perf_counter() - started)


@asynccontextmanager
async def instance(base: Settings, changes: dict[str, object]
                   ) -> AsyncIterator[tuple[Settings, Database]]:
    """A throwaway instance in the configured mode (its own data folder, its own PostgreSQL
    database and Redis prefix), migrated; all of it is gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="salon-bench-") as tmp:
        tag = f"{os.getpid()}_{secrets.token_hex(2)}"
        made: dict[str, object] = {"data_dir": Path(tmp), "env": "production",
                                   "secret_key": secrets.token_hex(32),
                                   "redis_prefix": f"salon-bench-{tag}:", "media_url": "",
                                   **changes}
        if not base.is_sqlite:
            name = f"salon_bench_{tag}"
            await _postgres_admin(base.database_url, f'CREATE DATABASE "{name}"')
            made["database_url"] = _database_url(base.database_url, name)
        # A new object, not model_copy(): db_url is cached on the old one.
        settings = configure(Settings(**{**base.model_dump(), **made}))
        db = Database(settings)
        try:
            await upgrade(settings)
            yield settings, db
        finally:
            await db.dispose()
            # Best effort: a failure here must not hide the error that got us here.
            with contextlib.suppress(Exception):
                if not base.is_sqlite:
                    await _postgres_admin(base.database_url,
                                          f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if settings.redis_url:
                    await _forget_redis(settings)


async def run_bench(base: Settings, scale: Scale, quick: bool, results_dir: Path,
                    echo: Callable[[str], None] = print, workers: int = 1) -> Path:
    load.wrk_version()  # fail early, before minutes of seeding
    await _reachable(base)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    async with instance(base, _assistant_settings(base)) as (settings, db):
        mode = report.mode_of(settings)
        echo(f"salon bench ({'quick' if quick else 'full'}) on {mode}: {scale.describe()}")
        data = await build(db, scale, echo)
        env = {**os.environ, **report.environment(settings)}
        with _server(settings, env, _free_port(), workers) as url:
            figures = await _measure(db, url, data, scale, echo, workers)
        figures.versions = await report.versions(db, settings)
    path = report.write(results_dir, settings, scale, quick, figures, workers)
    for line in path.read_text().splitlines():
        echo(line)
    echo(f"(report written to {path})")
    return path


async def _measure(db: Database, url: str, data: DataSet, scale: Scale,
                   echo: Callable[[str], None], workers: int) -> report.Figures:
    seconds = scale.load_seconds
    async with httpx.AsyncClient() as web:
        check = await web.get(url + HOME, headers={"Authorization": f"Bearer {data.tokens[0]}"})
    if check.status_code != 200 or len(check.json()) == 0:
        raise RuntimeError(f"home timeline answered {check.status_code}: {check.text[:300]}")
    echo(f"first reads: each reader's home once, one at a time ({len(data.tokens)} readers)")
    first = await _first_reads(url, data.tokens)
    echo(f"  p50 {first[0]:.1f} ms, p99 {first[1]:.1f} ms")
    echo(f"warming up ({min(seconds, 3):.0f} s)")
    await asyncio.to_thread(load.run, url, HOME, tokens=data.tokens, seconds=min(seconds, 3),
                            connections=CONNECTIONS)
    echo(f"ceiling: GET {CEILING}, {CONNECTIONS} connections, {seconds:.0f} s")
    ceiling = await asyncio.to_thread(load.run, url, CEILING, tokens=[], seconds=seconds,
                                      connections=CONNECTIONS)
    echo(f"  {ceiling.rps:,.0f} req/s, p50 {ceiling.p50_ms:.1f} ms, p99 {ceiling.p99_ms:.1f} ms")
    echo(f"home: GET {HOME} with {len(data.tokens)} tokens, {CONNECTIONS} connections")
    home = await asyncio.to_thread(load.run, url, HOME, tokens=data.tokens, seconds=seconds,
                                   connections=CONNECTIONS)
    echo(f"  {home.rps:,.0f} req/s, p50 {home.p50_ms:.1f} ms, p99 {home.p99_ms:.1f} ms, "
         f"{home.failed} failed")
    echo(f"home at 80% of that peak ({0.8 * home.rps:,.0f} req/s)")
    steady = await asyncio.to_thread(load.paced, url, HOME, tokens=data.tokens,
                                     seconds=seconds, connections=CONNECTIONS,
                                     target_rps=0.8 * home.rps,
                                     service_ms=1000 * workers / home.rps)
    echo(f"  {steady.rps:,.0f} req/s, p50 {steady.p50_ms:.1f} ms, p99 {steady.p99_ms:.1f} ms")
    echo(f"fan-out: a post by an account with {scale.fanout_followers:,} followers")
    fanout = await _fanout(db, url, data, echo)
    echo(f"generations: {scale.generations} sketch images, 1024x1024, signed")
    images = await _generations(url, data.fanout_token, scale.generations)
    echo(f"  {images:.2f} images/s")
    echo(f"assistant: {scale.questions} questions to @{db.settings.assistant_name}, text and "
         f"drawings in turn, by {len(data.askers)} askers")
    asked = await assistant.measure(db, url, data.askers, scale.questions, echo)
    echo(f"  text p50 {asked.p50_ms(asked.text):.0f} ms, p95 {asked.p95_ms(asked.text):.0f} ms;"
         f" drawings p50 {asked.p50_ms(asked.drawings):.0f} ms, "
         f"p95 {asked.p95_ms(asked.drawings):.0f} ms")
    echo(f"meaning: For You's first page for {len(data.tokens)} readers, then search by "
         "meaning")
    meant = await meaning.measure(url, data.tokens, data.embedded, echo)
    return report.Figures(ceiling=ceiling, home=home, steady=steady,
                          fanout_s=statistics.median(fanout), fanout_max_s=max(fanout),
                          images_per_s=images, follows=data.follows,
                          most_followed=data.most_followed, first_reads_ms=first,
                          assistant=asked, meaning=meant)
