"""What a streaming client may ask for: typed subscription messages, and how many
streams it may hold open per client address and per access token, counted in the process
on the embedded default and in Redis across every process in scale-out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from salon.api.mastodon.deps import ApiError
from salon.db.redis_client import PerLoop
from salon.errors import UNAVAILABLE
from salon.settings import Settings

log = logging.getLogger("salon.streaming")

LEASE = 90.0  # seconds a stream stays counted in Redis unless its process renews it
MESSAGE_MAX = 4096  # characters in one WebSocket message; Mastodon's are a few dozen
StreamName = Literal["user", "user:notification", "public", "public:local", "public:media",
                     "public:local:media", "hashtag", "hashtag:local", "direct", "list"]
_TAG = re.compile(r"\w{1,100}")  # as posts/text.py finds hashtags


def hashtag(raw: str | None) -> str | None:
    """A hashtag parameter as streams name it (lower case, no '#'), or 422."""
    if raw is None:
        return None
    tag = raw.lower().removeprefix("#")
    if tag and not _TAG.fullmatch(tag):
        raise ApiError(422, "A hashtag is 1 to 100 letters, digits or underscores.")
    return tag or None


class Subscription(BaseModel):
    """{"type": "subscribe" | "unsubscribe", "stream": ..., "tag": ..., "list": ...}"""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["subscribe", "unsubscribe"]
    stream: StreamName
    tag: Annotated[str, StringConstraints(max_length=101)] | None = None
    list: Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")] | None = None


def subscription(text: str) -> Subscription:
    """A client's message, or 400 with what to change."""
    if len(text) > MESSAGE_MAX:
        raise ApiError(400, f"Messages are at most {MESSAGE_MAX} characters.")
    try:
        message = Subscription.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:  # not JSON, or not a subscription
        detail = exc.errors(include_url=False, include_input=False)[0]["msg"] if isinstance(
            exc, ValidationError) else "not JSON"
        raise ApiError(400, f"Send {{\"type\": \"subscribe\", \"stream\": ...}}: {detail}."
                       ) from None
    return message.model_copy(update={"tag": hashtag(message.tag)})


def _refusal(who: str, limit: int) -> ApiError:
    return ApiError(429, f"Too many streams open for this {who} (at most {limit}): "
                         "close one first.")


class Hold:
    """One open stream counted against its address and token, until released (once)."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()


class Listeners:
    """Open streams of this process, per client address and per token: enough on the
    embedded default, where one process serves everyone."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.open: Counter[str] = Counter()

    def _limits(self, address: str, token_id: int | None) -> dict[str, int]:
        keys = {f"address:{address}": self.settings.streaming_per_address}
        if token_id is not None:
            keys[f"token:{token_id}"] = self.settings.streaming_per_token
        return keys

    async def admit(self, address: str, token_id: int | None) -> Hold:
        """Count one more stream, or 429 when the address or the token has its fill."""
        keys = self._limits(address, token_id)
        for key, limit in keys.items():
            if self.open[key] >= limit:
                raise _refusal("address" if key.startswith("address:") else "access token",
                               limit)
        for key in keys:
            self.open[key] += 1
        return Hold(lambda: self._release(list(keys)))

    def _release(self, keys: list[str]) -> None:
        for key in keys:
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]

    async def close(self) -> None:
        return None


# Drop lapsed members, refuse when a key is full (its index in KEYS), else count the stream
# in every key. One script, so two processes cannot both take the last slot.
# KEYS: the address key, then the token key; ARGV: now, expiry, member, ttl, then limits.
ADMIT = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  redis.call('EXPIRE', key, ARGV[4])
end
return 0
"""


class RedisListeners(Listeners):
    """Open streams of every process (scale-out): a sorted set per address and per token
    whose members are this process's streams, scored by when they lapse. A task renews this
    process's members every lease/3 seconds, so a crashed process's streams lapse within a
    lease instead of holding their slots forever. Wall-clock time: several hosts count."""

    def __init__(self, settings: Settings, lease: float = LEASE) -> None:
        super().__init__(settings)
        self.lease = lease
        self.clients = PerLoop(settings.redis_url, settings.redis_timeout)
        self.prefix = f"{settings.redis_prefix}streams:"
        self.process = uuid.uuid4().hex
        self.held: dict[str, list[str]] = {}  # this process's members -> their keys
        self._renewer: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def admit(self, address: str, token_id: int | None) -> Hold:
        """Count one more stream in Redis, or 429; a Redis error (503) when it is out of
        reach, rather than streams nobody counts."""
        limits = self._limits(address, token_id)
        keys = [self.prefix + key for key in limits]
        member, now = f"{self.process}:{uuid.uuid4().hex}", time.time()
        client = self.clients.here()
        full = await client.register_script(ADMIT)(
            keys, [now, now + self.lease, member, int(self.lease) + 1, *limits.values()])
        if full:
            key = list(limits)[int(full) - 1]
            raise _refusal("address" if key.startswith("address:") else "access token",
                           limits[key])
        self.held[member] = keys
        self._renew_here()
        return Hold(lambda: self._forget(member))

    def _forget(self, member: str) -> None:
        """Stop renewing at once; remove from Redis in a task of its own, as a stream may
        end in a cancelled scope that would cancel the removal too."""
        keys = self.held.pop(member, None)
        if keys:
            task = asyncio.get_running_loop().create_task(self._remove(member, keys))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _remove(self, member: str, keys: list[str]) -> None:
        try:
            async with self.clients.here().pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(key, member)
                await pipe.execute()
        except UNAVAILABLE as exc:  # no harm: unrenewed, it lapses within a lease
            log.warning("could not release a stream in Redis: %s", exc)

    def _renew_here(self) -> None:
        loop = asyncio.get_running_loop()
        if self._renewer is None or self._renewer.done() or self._renewer.get_loop() != loop:
            self._renewer = loop.create_task(self._renew())

    async def _renew(self) -> None:
        """Push this process's members' lapse times on while it holds any."""
        while True:
            await asyncio.sleep(self.lease / 3)
            if not self.held:
                if self._renewer is asyncio.current_task():
                    self._renewer = None
                return
            expiry, touched = time.time() + self.lease, set()
            try:
                async with self.clients.here().pipeline(transaction=False) as pipe:
                    for member, keys in self.held.items():
                        for key in keys:  # XX: never bring back one released meanwhile
                            pipe.zadd(key, {member: expiry}, xx=True)
                            touched.add(key)
                    for key in touched:
                        pipe.expire(key, int(self.lease) + 1)
                    await pipe.execute()
            except UNAVAILABLE as exc:  # try again next round; those that lapse meanwhile
                log.warning("could not renew streams in Redis: %s", exc)  # are uncounted

    async def settled(self) -> None:
        """Until the releases under way reached Redis."""
        await asyncio.gather(*self._pending)

    async def close(self) -> None:
        """Stop renewing (shutdown, or a crash in tests) and close this loop's client."""
        if self._renewer is not None and not self._renewer.done():
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        self._renewer = None
        await self.settled()
        await self.clients.close()


def listeners(settings: Settings, lease: float = LEASE) -> Listeners:
    """Counted in Redis when there is one (several processes), else in this process."""
    return RedisListeners(settings, lease) if settings.redis_url else Listeners(settings)
