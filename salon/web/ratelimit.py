"""A small in-process sliding-window limiter for sign-in and sign-up attempts. One process
suffices on the embedded default; with several processes each counts on its own."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.errors import RateLimited


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.clock = clock

    def check(self, bucket: str, key: str, limit: int, window: float,
              message: str = "Too many attempts.") -> None:
        """Raise RateLimited when `limit` attempts were counted in the last `window` seconds."""
        now = self.clock()
        hits = self._hits.get((bucket, key))
        if hits is None:
            return
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            wait = int(hits[0] + window - now) + 1
            raise RateLimited(f"{message} Try again in {wait} seconds.")

    def add(self, bucket: str, key: str, window: float) -> None:
        """Count one attempt."""
        now = self.clock()
        self._hits[(bucket, key)].append(now)
        if len(self._hits) > 100_000:  # forget idle clients so memory stays bounded
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                del self._hits[k]

    def hit(self, bucket: str, key: str, limit: int, window: float) -> None:
        """Count one attempt; raise RateLimited when over `limit` in `window` seconds."""
        self.check(bucket, key, limit, window)
        self.add(bucket, key, window)


def client_address(request: Request) -> str:
    # The proxy middleware (web/proxies.py) has already put a trusted proxy's client here.
    return request.client.host if request.client else "unknown"


def check_sign_in(request: Request, username: str) -> None:
    """Before a password is checked: count the attempt against the address, and refuse an
    account that has had too many failures lately (refusals are not counted, so the window
    lapses while an attacker is refused)."""
    settings = request.app.state.settings
    limiter: RateLimiter = request.app.state.limiter
    limiter.hit("login", client_address(request), settings.login_attempts_per_minute, 60)
    limiter.check("login-account", _account_key(username), settings.login_failures_per_account,
                  settings.login_failure_window,
                  "Too many failed sign-ins to this account.")


def failed_sign_in(request: Request, username: str) -> None:
    """After a wrong password: count it against the account."""
    request.app.state.limiter.add("login-account", _account_key(username),
                                  request.app.state.settings.login_failure_window)


async def authenticate(
    request: Request, session: AsyncSession, username: str, password: str
) -> Account | None:
    """accounts.authenticate under the sign-in limits (RateLimited when over one)."""
    check_sign_in(request, username)
    account = await accounts.authenticate(session, username, password)
    if account is None:
        failed_sign_in(request, username)
    return account


def _account_key(username: str) -> str:
    return username.strip().lstrip("@").lower()  # as accounts.find_by_username reads it
