"""Password hashing runs beside the event loop, never on it, a few at a time; sign-ins are
limited per account as well as per address."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from salon.accounts import passwords
from salon.accounts import service as accounts
from salon.db.session import Database
from salon.errors import RateLimited
from salon.settings import Settings
from salon.web import ratelimit
from tests.conftest import PASSWORD, People
from tests.databases import REDIS, Databases
from tests.security import from_address
from tests.web import CheckedSite, make_settings, open_site


@pytest.fixture
def cheap_password_hashing() -> None:
    """Overrides the conftest's: these tests need argon2 at its real cost."""


class LoopProbe:
    """Sleeps a few milliseconds over and over, and keeps the longest it overslept: how long
    the event loop was kept from running anything else."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.done = False

    async def run(self) -> None:
        while not self.done:
            start = time.perf_counter()
            await asyncio.sleep(0.002)
            self.worst = max(self.worst, time.perf_counter() - start - 0.002)


async def test_sign_ins_hash_beside_the_event_loop(people: People, db: Database) -> None:
    assert passwords._hasher.memory_cost >= 65536, "real argon2 costs"
    await people.make("alice")
    start = time.perf_counter()
    passwords.hash_password(PASSWORD)
    one_hash = time.perf_counter() - start

    async def sign_in(password: str) -> bool:
        async with db.sessions() as session:
            return await accounts.authenticate(session, "alice", password) is not None

    probe = LoopProbe()
    probing = asyncio.create_task(probe.run())
    results = await asyncio.gather(
        sign_in(PASSWORD), sign_in("wrong password"), sign_in(PASSWORD), sign_in("nope nope")
    )
    probe.done = True
    await probing
    assert results == [True, False, True, False]
    # On the loop, each hash would stall it for all of one_hash; beside it, the loop only
    # waits for its share of a busy CPU.
    assert probe.worst < one_hash / 2, (probe.worst, one_hash)


async def test_hashes_run_no_more_than_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    running = most = 0
    lock = threading.Lock()

    def slow_verify(password_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    flood = 4 * passwords.HASHING_THREADS
    await asyncio.gather(*(passwords.verify("h", "p") for _ in range(flood)))
    # A flood waits in line: argon2 takes 64 MiB per hash in flight.
    assert 1 <= most <= passwords.HASHING_THREADS


@pytest.fixture
def limited(tmp_path: Path, databases: Databases) -> Iterator[CheckedSite]:
    database = databases.fresh(tmp_path)
    yield from open_site(make_settings(tmp_path, database, login_failures_per_account=3,
                                       login_failure_window=60))
    databases.drop(database)


def test_failed_sign_ins_are_limited_per_account_whatever_the_address(
    limited: CheckedSite,
) -> None:
    limited.user("alice")
    limited.user("bob")

    def sign_in(address: str, username: str, password: str) -> int:
        browser = from_address(limited, address)
        browser.get("/login")
        response = browser.post("/login", {"username": username, "password": password})
        if response.status_code == 429:
            assert "Too many failed sign-ins to this account. Try again in" in response.text
        return response.status_code

    # A guesser spreading three wrong passwords over three addresses...
    for n in range(3):
        assert sign_in(f"203.0.113.{n}", "alice", "wrong wrong 1") == 401
    # ...stops alice's account for a while, even with the right password from elsewhere,
    assert sign_in("198.51.100.7", "ALICE", PASSWORD) == 429
    # but nobody else's,
    assert sign_in("203.0.113.0", "bob", PASSWORD) == 303
    # and the window slides on: refusals are not counted, so it lapses on its own.
    limiter = limited.app.state.limiter
    now = limiter.clock
    limiter.clock = lambda: now() + 61
    assert sign_in("198.51.100.7", "alice", PASSWORD) == 303


@pytest.mark.skipif(not REDIS, reason="scale-out mode keeps the counts in Redis")
async def test_every_server_process_counts_the_same_attempts(settings: Settings) -> None:
    one, two = ratelimit.limiter(settings), ratelimit.limiter(settings)  # as two processes
    assert isinstance(one, ratelimit.RedisRateLimiter)
    try:
        await one.add("login-account", "alice", 60)
        await two.add("login-account", "alice", 60)
        await two.check("login-account", "bob", 2, 60)
        with pytest.raises(RateLimited, match="Try again in 60 seconds"):
            await one.check("login-account", "alice", 2, 60)
    finally:
        await one.close()
        await two.close()


@pytest.mark.skipif(not REDIS, reason="scale-out mode keeps the counts in Redis")
async def test_concurrent_attempts_never_pass_the_limit_together(settings: Settings) -> None:
    """Checked and counted in one step: twenty attempts at once through two processes
    against a limit of five let exactly five through."""
    one, two = ratelimit.limiter(settings), ratelimit.limiter(settings)
    try:
        results = await asyncio.gather(
            *(limiter.hit("signup", "203.0.113.9", 5, 60) for limiter in [one, two] * 10),
            return_exceptions=True)
        assert sum(r is None for r in results) == 5
        assert all(isinstance(r, RateLimited) for r in results if r is not None)
    finally:
        await one.close()
        await two.close()


@pytest.fixture
def grants_passwords(tmp_path: Path, databases: Databases) -> Iterator[CheckedSite]:
    database = databases.fresh(tmp_path)
    yield from open_site(make_settings(tmp_path, database, login_failures_per_account=3,
                                       login_failure_window=60, oauth_password_grant=True))
    databases.drop(database)


def test_the_password_grant_is_limited_like_the_sign_in_page(
    grants_passwords: CheckedSite,
) -> None:
    site = grants_passwords
    site.user("alice")
    app = site.anon.client.post("/api/v1/apps", data={
        "client_name": "guesser", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}).json()

    def grant(password: str) -> int:
        response = site.anon.client.post("/oauth/token", data={
            "grant_type": "password", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "username": "alice", "password": password})
        return response.status_code

    assert [grant("wrong wrong 1") for _ in range(3)] == [400, 400, 400]
    assert grant(PASSWORD) == 429  # the account rests a while, whoever asks
