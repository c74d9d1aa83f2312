"""Calling remote HTTP services (the image and text engines' APIs): how long to wait before
trying again (what the service asks for, else exponential backoff with jitter, within a
cap), and the error an OpenAI-style body reports."""

from __future__ import annotations

import contextlib
import math
import random
from typing import Any

import httpx


def delay(attempt: int, retry_after: float | None, first: float, most: float) -> float:
    """Seconds to wait before try `attempt + 1`: the service's Retry-After if it gave one,
    else `first` doubled per attempt; never more than `most`."""
    if retry_after is not None:
        return min(max(0.0, retry_after), most)
    # Jitter, so that workers refused together do not all come back together.
    return min(first * 2**attempt, most) * random.uniform(0.5, 1.0)


def retry_after(headers: httpx.Headers) -> float | None:
    """The wait a response asks for, in seconds (OpenAI's retry-after-ms, or Retry-After
    in seconds), if it asks for one."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        with contextlib.suppress(TypeError, ValueError):
            value = float(headers.get(name, ""))
            if math.isfinite(value):
                return value * scale
    return None


def error_of(payload: object) -> dict[str, Any]:
    """The `error` object of an OpenAI-style error body, or one made from whatever came."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return error
    return {"message": str(error or payload)[:200]}
