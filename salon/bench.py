"""`salon bench`: builds a throwaway instance of a given size and measures what people feel:
how fast posts are written and delivered, and how long the main pages take to answer.
Numbers come from the real app (ASGI, templates included) on the configured database."""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.app import create_app
from salon.db.migrate import upgrade
from salon.db.session import Database
from salon.generation import service as generation
from salon.generation.schemas import GenerationSpec
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings, configure

WORDS = ("light colour study shape sketch night morning river city paper ink wave "
         "garden window portrait cloud stone glass").split()


@dataclass
class Result:
    name: str
    samples: list[float]

    def line(self) -> str:
        ms = sorted(s * 1000 for s in self.samples)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        return (f"{self.name:<34} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   "
                f"({len(ms)} runs)")


async def _timed(runs: int, fn: Callable[[], Awaitable[object]]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return samples


async def _build(db: Database, n_accounts: int, n_posts: int, follows: int,
                 echo: Callable[[str], None]) -> list[Account]:
    rng = random.Random(7)
    people: list[Account] = []
    async with db.transaction() as session:
        for i in range(n_accounts):
            account = await accounts.register(session, f"bench{i}", "bench-password-1")
            people.append(account)
    async with db.transaction() as session:
        for person in people:
            for other in rng.sample(people, k=min(follows, n_accounts - 1)):
                if other.id != person.id:
                    await graph.follow(session, person.id, other.id)
    start = time.perf_counter()
    for _ in range(n_posts):
        async with db.transaction() as session:
            author = rng.choice(people)
            text = " ".join(rng.sample(WORDS, 6)) + f" #{rng.choice(WORDS)}"
            post = await posts.create_post(session, author, text)
            for fan in rng.sample(people, k=3):
                if fan.id != author.id:
                    await interactions.like(session, fan, post.id)
    write = time.perf_counter() - start
    start = time.perf_counter()
    jobs = await Worker(db).drain(limit=10_000_000)
    deliver = time.perf_counter() - start
    echo(f"{'write posts (+3 likes each)':<34} {n_posts / write:7.0f} posts/s")
    echo(f"{'deliver (fan-out, notifications)':<34} {jobs / deliver:7.0f} jobs/s "
         f"({jobs} jobs)")
    return people


async def _imagine(db: Database, settings: Settings, people: list[Account], count: int,
                   echo: Callable[[str], None]) -> None:
    """Generations with the built-in engine, end to end: request, engine, PNG with recipe,
    recipe-less copy, C2PA signing of both, thumbnail, storage and the result rows."""
    prompts = ["a lighthouse at sunset, watercolor", "neon city at night",
               "pixel art castle on a green hill", "misty forest at dawn"]
    async with db.transaction() as session:
        for i in range(count):
            await generation.request(session, settings, people[i % len(people)],
                                     GenerationSpec(prompts[i % 4], count=1, seed=i))
    start = time.perf_counter()
    await Worker(db).drain()
    took = time.perf_counter() - start
    echo(f"{'generate 1024x1024 (sketch, signed)':<34} {count / took:7.2f} images/s "
         f"({1000 * took / count:.0f} ms each, {count} images)")


async def run_bench(settings: Settings | None, n_accounts: int, n_posts: int, follows: int,
                    runs: int, echo: Callable[[str], None] = print,
                    generations: int = 8) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="salon-bench-") as tmp:
        settings = configure(settings or Settings(
            env="test", data_dir=Path(tmp), embedded_worker=False,
            login_attempts_per_minute=10**9, signups_per_hour=10**9,
        ))
        db = Database(settings)
        if settings.is_sqlite:
            await upgrade(settings, db.engine)
        echo(f"Instance: {n_accounts} accounts, {n_posts} posts, ~{follows} follows each, "
             f"{settings.db_url.split(':')[0]}")
        people = await _build(db, n_accounts, n_posts, follows, echo)
        if generations:
            await _imagine(db, settings, people, generations, echo)
        app = create_app(settings, run_worker=False)
        results = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as web:
                page = await web.get("/login")
                csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
                await web.post("/login", data={"username": people[0].username,
                                               "password": "bench-password-1",
                                               "csrf_token": csrf})
                home = await web.get("/home")
                assert home.status_code == 200 and "<article" in home.text, home.status_code
                top = re.findall(r'<article[^>]* id="p(\d+)"', home.text)[-1]
                checks = {
                    "GET /home (20 posts)": "/home",
                    "GET /home, page 2 (max_id)": f"/home?max_id={top}",
                    "GET /public": "/public",
                    f"GET /@{people[1].username}": f"/@{people[1].username}",
                    f"GET /tags/{WORDS[0]}": f"/tags/{WORDS[0]}",
                    "GET /search?q=light": "/search?q=light",
                    "GET /notifications": "/notifications",
                    "GET /explore": "/explore",
                }
                for name, path in checks.items():
                    async def fetch(path: str = path) -> None:
                        response = await web.get(path)
                        assert response.status_code == 200, (path, response.status_code)
                    await fetch()  # warm caches
                    result = Result(name, await _timed(runs, fetch))
                    echo(result.line())
                    results.append(result)
        await db.dispose()
        return results
