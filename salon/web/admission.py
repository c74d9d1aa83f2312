"""At most a few requests of a server process run at once; the rest wait their turn.

One process has one core's worth of Python. The event loop interleaves every request it
has accepted, so under load each one takes as long as all of them together (a request of
5 ms among 16 takes 80 ms) and the slowest ones take far longer. Admitting a few at a time,
first come first served, finishes each in about its own time and keeps the tail short at
the same throughput: a few, not one, so that requests waiting on the database or Redis
leave the core to another. Long-lived answers (streaming, files) are not counted.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

UNCOUNTED = ("/api/v1/streaming", "/static/", "/media/")
# Answers streamed while a model writes them in a thread (Explain this post): seconds of
# waiting, little of the core.
UNCOUNTED_ENDINGS = ("/explain",)
# MCP (salon/mcp): a tool call's answer is a stream that may wait minutes on pictures
# (generate_pictures), mostly sleeping; four of them must not hold every slot of the site.
# They have slots of their own instead (mcp.http.Mount).
UNCOUNTED_PATHS = ("/mcp",)


class Admission:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # a semaphore belongs to one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.limit <= 0 or scope["type"] != "http"
                or str(scope["path"]).startswith(UNCOUNTED)
                or str(scope["path"]).rstrip("/").endswith(UNCOUNTED_ENDINGS)
                or scope["path"] in UNCOUNTED_PATHS):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
        async with self._slots:  # waiters are woken in the order they came
            await self.app(scope, receive, send)
