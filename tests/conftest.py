"""Shared fixtures: a real database per test (a SQLite file copied from a migrated template,
or with SALON_TEST_POSTGRES a PostgreSQL database cloned from one: see tests/databases.py),
services, a step-by-step worker, and the real app behind Starlette's TestClient."""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import passwords
from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.app import create_app
from salon.db.session import Database
from salon.jobs.worker import Worker
from salon.media.store import LocalMediaStore, MediaStore
from salon.settings import Settings, configure
from salon.timelines.store import close_stores
from tests.databases import Databases, process_env

PASSWORD = "correct horse battery"
SERVER_START_GUARD_S = 180
Row = TypeVar("Row")


async def fresh(session: AsyncSession, row: Row) -> Row:
    """The row as the database has it now (after a worker or another session wrote)."""
    await session.refresh(row)
    return row


async def stored(store: MediaStore, key: str) -> bool:
    """Whether the store holds `key`: on disk, or in the bucket under SALON_TEST_S3."""
    try:
        await store.get(key)
    except FileNotFoundError:
        return False
    return True


def fetch_media(client: TestClient, url: str) -> Any:  # httpx's or httpx2's Response
    """A stored file as a browser gets it: from the app itself (its /media/..., whatever host
    the address names) or, with media on S3, from the bucket's public address."""
    if isinstance(client.app.state.store, LocalMediaStore):  # type: ignore[attr-defined]
        return client.get(urlsplit(url).path)
    return httpx.get(url, timeout=10)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with tiny costs: hashing speed is not under test, and real costs would make
    every sign-up take a fifth of a second. Verification reads the costs from the hash."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64,
                                                             parallelism=1))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("template"))
    found.prepare()
    yield found
    found.close()


def settings_for(data_dir: Path, database: dict[str, Any], **changes: Any) -> Settings:
    """The settings every test runs with, on the given database, with `changes`."""
    return configure(Settings(**{
        "env": "test", "data_dir": data_dir, "secret_key": "test-secret",
        "embedded_worker": False, "login_attempts_per_minute": 1000, "signups_per_hour": 1000,
        # What is popular is read afresh: tests change it within a minute.
        "for_you_shared_seconds": 0,
        **database, **changes,
    }))


@pytest.fixture
def settings(tmp_path: Path, databases: Databases) -> Iterator[Settings]:
    database = databases.fresh(tmp_path)
    yield settings_for(tmp_path, database)
    databases.drop(database)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await close_stores()  # this test's event loop ends here, and its Redis clients with it
    await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.sessions() as s:
        yield s


@pytest.fixture
def worker(db: Database) -> Worker:
    return Worker(db, name="test-worker")


class People:
    """Makes accounts: `await people.make("alice")`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def make(self, username: str, **kwargs: Any) -> Account:
        account = await accounts.register(self.session, username, PASSWORD, **kwargs)
        await self.session.commit()
        return account


@pytest.fixture
def people(session: AsyncSession) -> People:
    return People(session)


# --- HTTP -----------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebUser:
    """A browser-like client: keeps cookies and sends the page's CSRF token with forms."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        found = CSRF_RE.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if not self.csrf:
            self.get("/login")
        payload = {"csrf_token": self.csrf, **(data or {})}
        response = self.client.post(path, data=payload, follow_redirects=False, **kwargs)
        if response.status_code == 303 and response.headers.get("set-cookie", "").startswith(
            "salon_session"
        ):
            self.get("/home")  # a new sign-in has a new CSRF token
        return response

    def signup(self, username: str, password: str = PASSWORD) -> Any:
        self.get("/signup")
        response = self.post("/signup", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        self.get("/home")
        return response


class Site:
    """The real app, its worker run on demand, and any number of signed-in people."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings, run_worker=False)
        self._clients: list[TestClient] = []

    def __enter__(self) -> Self:
        self.anon = self.visitor()
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self._clients:
            client.__exit__(None, None, None)

    def visitor(self) -> WebUser:
        client = TestClient(self.app, base_url="http://testserver")
        client.__enter__()
        self._clients.append(client)
        return WebUser(client)

    def user(self, username: str) -> WebUser:
        person = self.visitor()
        person.signup(username)
        return person

    def run_jobs(self) -> int:
        """Run every due background job now (the worker loop is off in tests)."""
        worker = Worker(self.app.state.db, name="site-worker")
        portal = self._clients[0].portal
        assert portal is not None
        return int(portal.call(worker.drain))

    def call(self, fn: Any, *args: Any) -> Any:
        """Run an async function with a session on the app's own event loop."""
        portal = self._clients[0].portal
        assert portal is not None

        async def run() -> Any:
            async with self.app.state.db.transaction() as s:
                return await fn(s, *args)

        return portal.call(run)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with Site(settings) as s:
        yield s


# --- a real server ----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def salon_serve(env: dict[str, str], log_path: Path, port: int, *args: str) -> Iterator[str]:
    """`salon serve` in its own process with `env`, until the block ends; yields its URL."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(Path(sys.executable).parent / "salon"), "serve", "--port",
                             str(port), *args], env=env, stdout=log, stderr=subprocess.STDOUT)
    tls = "--ssl-certfile" in args
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    # A self-signed certificate (the test's own) is not checked while waiting for it.
    unchecked = ssl._create_unverified_context() if tls else None  # noqa: S323
    try:
        # Until it answers (or dies): starting takes far longer on a busy machine, so the
        # deadline is only a last resort.
        deadline = time.monotonic() + SERVER_START_GUARD_S
        while True:
            try:
                urllib.request.urlopen(base + "/public", timeout=10, context=unchecked)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(log_path.read_text()) from None
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start: " + log_path.read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=SERVER_START_GUARD_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextmanager
def real_site(tmp_path_factory: pytest.TempPathFactory, databases: Databases,
              extra: dict[str, str] | None = None, *args: str
              ) -> Iterator[tuple[str, dict[str, str]]]:
    """`salon serve` in its own process, with its in-process worker, on a free port; yields
    its URL and the environment a `salon` command needs to act on the same site. `extra`
    adds to its environment, `args` to its command line."""
    data = tmp_path_factory.mktemp("real-site")
    port = _free_port()
    database = databases.fresh(data)
    # A short heartbeat: a client closing its stream waits for the next line to notice.
    env = {**process_env(settings_for(data, database)), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_STREAMING_HEARTBEAT_SECONDS": "1",
           "SALON_BASE_URL": f"http://127.0.0.1:{port}", **(extra or {})}
    try:
        with salon_serve(env, data / "server.log", port, *args) as base:
            yield base, env
    finally:
        databases.drop(database)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[str]:
    with real_site(tmp_path_factory, databases) as (base, _):
        yield base
