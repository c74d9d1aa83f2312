"""Redis clients for scale-out, made one way for every user (timelines, live events)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis


def connect(url: str, timeout: float) -> Redis:
    """A client that fails fast: each command and each connect waits `timeout` at most, and
    only a dropped connection is retried, once and at once (a pooled connection that Redis
    closed on restart), so an outage answers 503 instead of hanging."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                          retry=Retry(NoBackoff(), 1, (RedisConnectionError,)))


class PerLoop:
    """One client per event loop: a Redis connection belongs to the loop that opened it,
    and tests (and Starlette's TestClient) run several loops in one process."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self._clients: dict[asyncio.AbstractEventLoop, Redis] = {}

    def here(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for gone in [other for other in self._clients if other.is_closed()]:
                del self._clients[gone]  # a loop that ended without closing its client
            client = self._clients[loop] = connect(self.url, self.timeout)
        return client

    async def close(self) -> None:
        """Close this loop's client (its connections cannot outlive the loop)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
