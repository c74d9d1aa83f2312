"""Sliding-window limits on sign-in and sign-up attempts. The counts live in the process on
the embedded default, and in Redis in scale-out mode, so every server process counts the
same attempts (with N processes, in-process counts would allow N times the limit)."""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.redis_client import PerLoop
from salon.errors import RateLimited
from salon.settings import Settings


def _refuse(message: str, oldest: float, window: float, now: float) -> RateLimited:
    return RateLimited(f"{message} Try again in {int(oldest + window - now) + 1} seconds.")


class RateLimiter:
    """In-process counts: one process suffices on the embedded default."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.clock = clock

    async def check(self, bucket: str, key: str, limit: int, window: float,
                    message: str = "Too many attempts.") -> None:
        """Raise RateLimited when `limit` attempts were counted in the last `window` seconds."""
        now = self.clock()
        hits = self._hits.get((bucket, key))
        if hits is None:
            return
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            raise _refuse(message, hits[0], window, now)

    async def add(self, bucket: str, key: str, window: float) -> None:
        """Count one attempt."""
        now = self.clock()
        self._hits[(bucket, key)].append(now)
        if len(self._hits) > 100_000:  # forget idle clients so memory stays bounded
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                del self._hits[k]

    async def hit(self, bucket: str, key: str, limit: int, window: float) -> None:
        """Count one attempt; raise RateLimited when over `limit` in `window` seconds."""
        await self.check(bucket, key, limit, window)
        await self.add(bucket, key, window)

    async def close(self) -> None:
        return None


class RedisRateLimiter(RateLimiter):
    """Counts shared by every process: a sorted set of attempt times per key, expiring with
    its window. Wall-clock time, as the processes may run on several hosts."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        super().__init__(clock)
        self.clients = PerLoop(settings.redis_url, settings.redis_timeout)
        self.prefix = f"{settings.redis_prefix}ratelimit:"

    async def check(self, bucket: str, key: str, limit: int, window: float,
                    message: str = "Too many attempts.") -> None:
        now, name = self.clock(), f"{self.prefix}{bucket}:{key}"
        async with self.clients.here().pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - window)
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            _, count, oldest = await pipe.execute()
        if count >= limit:
            raise _refuse(message, oldest[0][1] if oldest else now, window, now)

    async def add(self, bucket: str, key: str, window: float) -> None:
        now, name = self.clock(), f"{self.prefix}{bucket}:{key}"
        async with self.clients.here().pipeline(transaction=True) as pipe:
            pipe.zadd(name, {f"{now}:{secrets.token_hex(4)}": now})
            pipe.expire(name, int(window) + 1)
            await pipe.execute()

    async def hit(self, bucket: str, key: str, limit: int, window: float) -> None:
        # One script: concurrent attempts from several processes cannot all pass a check
        # before any of them is counted.
        now, name = self.clock(), f"{self.prefix}{bucket}:{key}"
        oldest = await self.clients.here().eval(
            HIT, 1, name, now, window, limit, f"{now}:{secrets.token_hex(4)}")
        if oldest is not None:
            raise _refuse("Too many attempts.", float(oldest), window, now)

    async def close(self) -> None:
        await self.clients.close()


# KEYS[1]: the attempts; ARGV: now, window, limit, a new member. Returns the oldest
# attempt's time when at the limit (nothing counted), else nil (counted).
HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.floor(ARGV[2]) + 1)
return nil
"""


def limiter(settings: Settings) -> RateLimiter:
    return RedisRateLimiter(settings) if settings.redis_url else RateLimiter()


def client_address(request: Request) -> str:
    # The proxy middleware (web/proxies.py) has already put a trusted proxy's client here.
    return request.client.host if request.client else "unknown"


async def check_sign_in(request: Request, username: str) -> None:
    """Before a password is checked: count the attempt against the address, and refuse an
    account that has had too many failures lately (refusals are not counted, so the window
    lapses while an attacker is refused)."""
    settings = request.app.state.settings
    limits: RateLimiter = request.app.state.limiter
    await limits.hit("login", client_address(request), settings.login_attempts_per_minute, 60)
    await limits.check("login-account", _account_key(username),
                       settings.login_failures_per_account, settings.login_failure_window,
                       "Too many failed sign-ins to this account.")


async def failed_sign_in(request: Request, username: str) -> None:
    """After a wrong password: count it against the account."""
    await request.app.state.limiter.add("login-account", _account_key(username),
                                        request.app.state.settings.login_failure_window)


async def authenticate(
    request: Request, session: AsyncSession, username: str, password: str
) -> Account | None:
    """accounts.authenticate under the sign-in limits (RateLimited when over one)."""
    await check_sign_in(request, username)
    account = await accounts.authenticate(session, username, password)
    if account is None:
        await failed_sign_in(request, username)
    return account


def _account_key(username: str) -> str:
    return username.strip().lstrip("@").lower()  # as accounts.find_by_username reads it
