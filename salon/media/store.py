"""Where media bytes live. Domain code talks to the small MediaStore protocol; the local disk
adapter is the embedded default, and SALON_MEDIA_URL=s3://bucket/prefix picks the
S3-compatible one (salon/media/s3.py). Every media address is built by a store's `url`, so
pages and the API agree on where pictures are.

Keys never derive from ids alone: each carries a random folder (`new_folder`), so knowing a
media id (time-ordered, so guessable) does not find its file. Files anyone may see (avatars,
headers, media of public and unlisted posts) live under `public/`; on S3 only that prefix is
readable without a signature, and everything else is given out as a signed, expiring URL."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

from salon.settings import Settings


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under `key`; raises FileNotFoundError when there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove `key`; a key that is already gone is fine (deletes get retried)."""
        ...

    def url(self, key: str) -> str:
        """Where a browser fetches `key` from: a stable address under `public/`, a signed
        and expiring one elsewhere where the store can sign (S3)."""
        ...

    async def copy(self, key: str, new_key: str) -> None:
        """Store the bytes under `key` also under `new_key`; raises FileNotFoundError when
        there are none."""
        ...

    @property
    def signs(self) -> bool:
        """Whether private keys get signed, expiring addresses (so they must not be kept
        long, and public files must move under `public/` to get a stable one)."""
        ...


PUBLIC = "public/"
TOKEN_BYTES = 16  # 128 random bits: no enumeration finds a folder


def new_folder(account_id: int, public: bool = False) -> str:
    """A fresh folder for one picture's files, that no id predicts."""
    return f"{PUBLIC if public else ''}{account_id}/{secrets.token_urlsafe(TOKEN_BYTES)}"


def is_public(key: str) -> bool:
    return key.startswith(PUBLIC)


def public_key(key: str) -> str:
    """Where a file goes when what it belongs to becomes public."""
    return key if is_public(key) else PUBLIC + key


def is_guessable(key: str) -> bool:
    """Whether a key has the form files had before random folders, which ids predict:
    `{account}/{media id}/…`, `{account}/avatars/…` or `{account}/headers/…` (moved under
    public/ or not). A random folder is all digits once in ~10^17 keys."""
    parts = key.removeprefix(PUBLIC).split("/")
    folder = parts[1] if len(parts) == 3 else ""
    return (folder.isascii() and folder.isdigit()) or folder in ("avatars", "headers")


def refolded(key: str, account_id: int, public: bool, folders: dict[tuple[str, bool], str]) -> str:
    """Where a guessable key's file moves: a fresh folder per old folder and visibility,
    kept in `folders`, so one picture's files stay together."""
    folder, name = key.rsplit("/", 1)
    return f"{folders.setdefault((folder, public), new_folder(account_id, public))}/{name}"


def check_key(key: str) -> str:
    """Keys are relative POSIX paths made by our own code; anything else is a bug or an
    attack, so refuse it rather than let it escape the store's root."""
    if not key or "\x00" in key or "\\" in key or key.startswith("/"):
        raise ValueError(f"bad media key {key!r}")
    parts = PurePosixPath(key).parts
    if any(part in ("", ".", "..") for part in parts) or len(key.split("/")) != len(parts):
        raise ValueError(f"bad media key {key!r}")
    return key


class LocalMediaStore:
    """Files under `root`, served by the app at `base_url_path`."""

    def __init__(self, root: Path, base_url_path: str = "/media") -> None:
        self.root = root
        self.base_url_path = base_url_path.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def copy(self, key: str, new_key: str) -> None:
        await self.put(new_key, await self.get(key), "")

    def url(self, key: str) -> str:
        # Unguessable keys are the protection here; StaticFiles lists no folders.
        return f"{self.base_url_path}/{check_key(key)}"

    signs = False

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        # Write beside the target and rename: readers never see half a file, and a crash
        # leaves at worst a stray temp file, never a truncated image a row points at.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def media_store(settings: Settings) -> MediaStore:
    """The store the settings choose: one per configuration and process, so the S3 client
    (and its connection pool) is shared by the app, its jobs and address building."""
    return _store(settings.media_url, settings.media_dir, settings.media_public_url,
                  settings.s3_endpoint, settings.s3_region, settings.s3_access_key,
                  settings.s3_secret_key, settings.s3_timeout, settings.media_signed_url_seconds)


@functools.lru_cache(maxsize=32)
def _store(media_url: str, media_dir: Path, public_url: str, endpoint: str, region: str,
           access_key: str, secret_key: str, timeout: float, signed_seconds: int) -> MediaStore:
    if not media_url:
        return LocalMediaStore(media_dir, public_url or "/media")
    from salon.media.s3 import S3MediaStore  # boto3 loads only for instances that use it

    return S3MediaStore(media_url, endpoint=endpoint, region=region, access_key=access_key,
                        secret_key=secret_key, public_url=public_url, timeout=timeout,
                        signed_seconds=signed_seconds)


def media_origin(store: MediaStore) -> str:
    """The origins pages must let images load from (CSP img-src) when media is served from
    elsewhere, e.g. "https://pics.example" (a CDN) and the bucket's own for signed
    addresses; "" when this site serves it."""
    found: list[str] = []
    for key in (PUBLIC + "k", "k"):
        try:
            parts = urlsplit(store.url(key))
        except Exception:  # noqa: BLE001 - no credentials to sign with (yet): nothing to add
            continue
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        if origin and origin not in found:
            found.append(origin)
    return " ".join(found)


def absolute_url(store: MediaStore, key: str, base: str) -> str:
    """`store.url(key)` as a whole address: the local store answers with a path on this
    site, which apps (unlike browsers) cannot resolve on their own."""
    url = store.url(key)
    return f"{base.rstrip('/')}{url}" if url.startswith("/") else url
