"""The event bus: in-process now (the embedded default, where the worker shares the server's
process); Redis pub/sub arrives behind the same two methods for scale-out. Events carry ids,
never rendered content: each listener renders for its own viewer, so nothing private leaks
through a shared message."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 1000  # a listener this far behind misses events rather than growing memory


@dataclass(frozen=True)
class Event:
    stream: str  # "user:42", "public", "public:local", "hashtag:sunset", ...
    kind: str  # update | delete | notification | status.update
    data: dict[str, Any] = field(default_factory=dict)


class InProcessBus:
    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[Event]]] = {}

    def publish(self, event: Event) -> None:
        for queue in list(self._listeners.get(event.stream, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def listen(self, streams: Iterable[str]) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        names = set(streams)
        for name in names:
            self._listeners.setdefault(name, set()).add(queue)
        try:
            yield queue
        finally:
            for name in names:
                self._listeners.get(name, set()).discard(queue)
                if not self._listeners.get(name):
                    self._listeners.pop(name, None)


BUS = InProcessBus()
