"""A small in-process sliding-window limiter for sign-in and sign-up attempts. One process
suffices on the embedded default; scale-out mode moves the counts to Redis."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from salon.errors import RateLimited


class RateLimiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def hit(self, bucket: str, key: str, limit: int, window: float) -> None:
        """Count one attempt; raise RateLimited when over `limit` in `window` seconds."""
        now = time.monotonic()
        hits = self._hits[(bucket, key)]
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            wait = int(hits[0] + window - now) + 1
            raise RateLimited(f"Too many attempts. Try again in {wait} seconds.")
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle clients so memory stays bounded
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                del self._hits[k]
