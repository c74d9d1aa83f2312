"""Time-ordered 64-bit ids: milliseconds since the Unix epoch in the high bits, 16 low bits
that start at a random value per process and count up, so ids sort by creation time, are
unique across processes in practice, and make cursors (max_id / min_id) cheap."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import BigInteger, BindParameter, bindparam

# An id, or a parameter standing for one in a statement built once and run many times
# (building a statement costs more than running it on the hottest reads).
IdArg = int | BindParameter[int]

_lock = threading.Lock()
_last_ms = 0
_seq = secrets.randbelow(1 << 16)


def new_id(at: datetime | None = None) -> int:
    """A new id; `at` backdates it (used by seeding and by cursor arithmetic)."""
    global _last_ms, _seq
    if at is not None:
        return (int(at.timestamp() * 1000) << 16) | secrets.randbelow(1 << 16)
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last_ms:
            ms = _last_ms
            _seq = (_seq + 1) & 0xFFFF
            if _seq == 0:  # 65,536 ids in one millisecond: borrow the next one
                ms += 1
        _last_ms = ms
        return (ms << 16) | _seq


def id_floor(at: datetime) -> int:
    """The smallest id that could have been made at `at`: for 'since this time' queries."""
    return int(at.timestamp() * 1000) << 16


def id_time(value: int) -> datetime:
    return datetime.fromtimestamp((value >> 16) / 1000, tz=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_param(name: str) -> BindParameter[int]:
    return bindparam(name, type_=BigInteger)


def ids_param(name: str) -> BindParameter[int]:
    """A list of ids, spread into `IN (…)` when the statement runs."""
    return bindparam(name, expanding=True, type_=BigInteger)


def is_id(raw: str) -> bool:
    """ASCII digits that fit an id: str.isdigit() alone also accepts '²', which int() refuses."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 18
