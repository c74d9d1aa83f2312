"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from salon.errors import Invalid

_hasher = PasswordHasher()
MIN_LENGTH = 8
COMMON = frozenset(
    [
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "qwerty123",
        "iloveyou",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome",
        "welcome1",
        "letmein1",
        "trustno1",
        "abc12345",
        "11111111",
        "00000000",
        "passw0rd",
        "admin123",
        "changeme",
        "starwars",
        "dragon123",
        "monkey123",
        "qwertyui",
        "asdfghjk",
        "zxcvbnm1",
        "superman",
        "batman123",
        "whatever",
        "michael1",
        "shadow12",
        "master12",
        "salon123",
    ]
)


def check_strength(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"Password must be at least {MIN_LENGTH} characters long.", "password")
    if len(password) > 200:
        raise Invalid("Password must be at most 200 characters long.", "password")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4:
        raise Invalid("That password is too easy to guess; choose a less common one.", "password")
    if username and username.lower() in lowered:
        raise Invalid("Password must not contain your username.", "password")


def hash_password(password: str) -> str:
    """Blocking: on the event loop, await `hash` instead."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Blocking: on the event loop, await `verify` instead."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


# Verifying against this when the account does not exist keeps timing the same either way.
DUMMY_HASH = _hasher.hash("not-a-real-password")


# One hash takes about a quarter of a second of CPU and 64 MiB: it runs in these threads
# (argon2 releases the GIL) so the event loop keeps serving, and no more hashes run at once
# than there are cores, so a flood of sign-ins waits in line instead of exhausting memory.
HASHING_THREADS = os.cpu_count() or 1
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:  # made on first use, in the process (and thread) that hashes
        _pool = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="argon2")
    return _pool


async def hash(password: str) -> str:
    """hash_password, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), hash_password, password)


async def verify(password_hash: str, password: str) -> bool:
    """verify_password, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), verify_password, password_hash, password
    )
