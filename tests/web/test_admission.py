"""A server process runs at most `max_active_requests` requests at once, first come first
served; streaming answers and files are not counted; 0 means no limit."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from salon.web.admission import Admission


class Slow:
    """An app whose every request takes 20 ms, noting how many run at once and in which
    order they started."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self.started: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.append(scope["path"])
        await asyncio.sleep(0.02)
        self.running -= 1


async def _requests(app: Admission, paths: list[str]) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        pass

    async def one(path: str, delay: float) -> None:
        await asyncio.sleep(delay)  # arrive in this order
        await app({"type": "http", "path": path}, receive, send)

    await asyncio.gather(*(one(p, i * 0.001) for i, p in enumerate(paths)))


async def test_at_most_the_limit_run_at_once_in_arrival_order() -> None:
    inner = Slow()
    paths = [f"/api/v1/timelines/home?{i}" for i in range(8)]
    await _requests(Admission(inner, limit=2), paths)
    assert inner.most == 2
    assert inner.started == paths


async def test_streams_and_files_are_not_counted() -> None:
    inner = Slow()
    await _requests(Admission(inner, limit=1),
                    ["/api/v1/streaming/user", "/static/app.css", "/media/a.png",
                     "/api/v1/salon/statuses/1/explain", "/posts/2/explain", "/mcp",
                     "/home"])
    assert inner.most == 7


async def test_no_limit() -> None:
    inner = Slow()
    await _requests(Admission(inner, limit=0), [f"/x{i}" for i in range(6)])
    assert inner.most == 6
