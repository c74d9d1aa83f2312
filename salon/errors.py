"""Errors a person can cause. Interfaces turn them into 4xx answers with the message as is,
so every message says what to change."""

from __future__ import annotations


class SalonError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(SalonError):
    status = 422


class NotFound(SalonError):
    status = 404


class Forbidden(SalonError):
    status = 403


class Conflict(SalonError):
    status = 409


class TooLarge(SalonError):
    status = 413


class RateLimited(SalonError):
    status = 429


def _unavailable() -> tuple[type[Exception], ...]:
    """Errors that mean storage is out of reach (down, restarting, overloaded), not a bug."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return (DBAPIError, PoolTimeout, RedisConnectionError, RedisTimeoutError,
            ConnectionError, TimeoutError)


UNAVAILABLE = _unavailable()

# SQLSTATE classes that mean the database cannot serve now, not that the statement is
# wrong: connection exceptions, too many connections, and a server shutting down or
# starting ("the database system is shutting down", which asyncpg raises on connect).
UNREACHABLE_STATES = ("08", "53", "57P")


def storage_unreachable(exc: Exception) -> bool:
    """Whether an error from UNAVAILABLE means storage is out of reach; a database error
    that is not about reaching it (an integrity error...) is a bug."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if not isinstance(exc, DBAPIError):
        return True
    state = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    return (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
            or state.startswith(UNREACHABLE_STATES))
