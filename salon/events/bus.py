"""The event bus. In-process on the embedded default (the worker shares the server's
process); over Redis pub/sub in scale-out, so an event published by any server or worker
process reaches the streams every other process holds. Events carry ids, never rendered
content: each listener renders for its own viewer, so nothing private leaks through a
shared message. Live events are best-effort, as Mastodon's streaming is: a listener that
falls behind, or a Redis outage, loses events, never a post."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from salon.settings import Settings

log = logging.getLogger("salon.events")
QUEUE_SIZE = 1000  # a listener this far behind misses events rather than growing memory


@dataclass(frozen=True)
class Event:
    stream: str  # "user:42", "public", "public:local", "hashtag:sunset", ...
    kind: str  # update | delete | notification | status.update | salon.generation
    data: dict[str, Any] = field(default_factory=dict)
    # What listeners of this process made from the event (a rendering per audience), so
    # the next listener reuses it: every local listener is handed this same object.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


class Backend(Protocol):
    def publish(self, event: Event) -> None: ...

    def listen(self, streams: Iterable[str]
               ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[Event]]: ...

    async def close(self) -> None: ...


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

    async def close(self) -> None:
        self._listeners.clear()


class _Loop:
    """What the Redis bus keeps per event loop: Redis connections belong to the loop that
    opened them (tests run several loops in one process)."""

    def __init__(self, client: Redis) -> None:
        self.client = client
        self.local = InProcessBus()
        self.subscriber: asyncio.Task[None] | None = None
        self.sending: set[asyncio.Task[None]] = set()


class RedisBus:
    def __init__(self, url: str, prefix: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.pattern = f"{prefix}events:"
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}

    def _here(self) -> _Loop:
        from salon.db.redis_client import connect

        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop(connect(self.url, self.timeout))
        return state

    def publish(self, event: Event) -> None:
        """Called after a commit, in the committing task's loop; sending happens beside it."""
        try:
            state = self._here()
        except RuntimeError:  # no running loop (a sync script): nobody here listens anyway
            return
        task = asyncio.get_running_loop().create_task(self._send(state, event))
        state.sending.add(task)
        task.add_done_callback(state.sending.discard)

    async def _send(self, state: _Loop, event: Event) -> None:
        message = json.dumps({"stream": event.stream, "kind": event.kind, "data": event.data})
        try:
            await state.client.publish(self.pattern + event.stream, message)
        except Exception as exc:  # Redis down: the live event is lost, the post is not
            log.warning("could not publish %s to Redis: %s", event.kind, exc)

    @contextlib.asynccontextmanager
    async def listen(self, streams: Iterable[str]) -> AsyncIterator[asyncio.Queue[Event]]:
        state = self._here()
        if state.subscriber is None or state.subscriber.done():
            ready = asyncio.Event()
            state.subscriber = asyncio.get_running_loop().create_task(
                self._subscribe(state, ready))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), self.timeout)
        async with state.local.listen(streams) as queue:
            yield queue

    async def _subscribe(self, state: _Loop, ready: asyncio.Event) -> None:
        """One pattern subscription per process and loop, handing events to local listeners;
        it reconnects by itself when Redis comes back."""
        delay = 0.2
        while True:
            try:
                async with state.client.pubsub() as pubsub:
                    await pubsub.psubscribe(self.pattern + "*")
                    ready.set()
                    delay = 0.2
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        body = json.loads(message["data"])
                        state.local.publish(Event(body["stream"], body["kind"], body["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Redis subscription lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def close(self) -> None:
        for loop, state in list(self._loops.items()):
            if loop is not asyncio.get_running_loop():
                continue
            if state.subscriber is not None:
                state.subscriber.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await state.subscriber
            for task in list(state.sending):
                with contextlib.suppress(Exception):
                    await task
            await state.client.aclose()
            del self._loops[loop]


class Bus:
    """The process's bus; `use` picks the backend from settings at start-up."""

    def __init__(self) -> None:
        self.backend: Backend = InProcessBus()

    def use(self, backend: Backend) -> None:
        self.backend = backend

    def publish(self, event: Event) -> None:
        self.backend.publish(event)

    def listen(self, streams: Iterable[str]
               ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[Event]]:
        return self.backend.listen(streams)


BUS = Bus()


def configure(settings: Settings) -> Backend:
    """Redis when the settings name one, else in-process; returns it for closing."""
    backend: Backend = (RedisBus(settings.redis_url, settings.redis_prefix,
                                 settings.redis_timeout)
                        if settings.redis_url else InProcessBus())
    BUS.use(backend)
    return backend
