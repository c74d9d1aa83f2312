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
