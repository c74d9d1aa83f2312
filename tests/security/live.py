"""The real app served by uvicorn on a free port, with its embedded worker, for tests that
speak real WebSockets to it (the `websockets` package, which uvicorn serves them with)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from salon.accounts import service as accounts
from salon.app import create_app
from salon.db.session import Database
from salon.oauth import service as oauth
from salon.settings import Settings
from tests.conftest import PASSWORD, _free_port


def signed_up(settings: Settings, username: str) -> str:
    """Signs `username` up in the database `settings` name; returns an access token of theirs
    with read, write and follow."""
    async def make() -> str:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                account = await accounts.register(session, username, PASSWORD)
                app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob",
                                             "read write follow")
                issued = await oauth.issue_for(session, app, account,
                                               ["read", "write", "follow"])
                return issued.access_token
        finally:
            await db.dispose()

    # In a thread of its own: a caller may be inside an event loop (Playwright's sync API).
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, make()).result()


class Live:
    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}/api/v1/streaming"
        self.app = create_app(settings, run_worker=True)

    def token(self, username: str) -> str:
        """A signed-up person's access token (made in the database, beside the server)."""
        return signed_up(self.settings, username)

    def api(self, method: str, path: str, token: str, **kw: Any) -> Any:
        response = httpx.request(method, self.http + path, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"}, **kw)
        assert response.status_code < 300, response.text
        return response.json()


@contextmanager
def serving(settings: Settings, **changes: Any) -> Iterator[Live]:
    port = _free_port()
    live = Live(settings.model_copy(update={
        "worker_poll_seconds": 0.05, "base_url": f"http://127.0.0.1:{port}", **changes}), port)
    server = uvicorn.Server(uvicorn.Config(live.app, host="127.0.0.1", port=port,
                                           ws="websockets-sansio", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a guard only: a loaded CI machine starts slowly
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(10)


async def next_event(socket: Any, seconds: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), seconds))
    return message


async def quiet(socket: Any, seconds: float = 0.5) -> bool:
    """Whether nothing arrives for a while."""
    try:
        await asyncio.wait_for(socket.recv(), seconds)
    except TimeoutError:
        return True
    return False
