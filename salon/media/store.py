"""Where media bytes live. Domain code talks to the small MediaStore protocol; the local disk
adapter is the embedded default, and SALON_MEDIA_URL=s3://bucket/prefix picks the
S3-compatible one (salon/media/s3.py). Every public media address is built by a store's
`url`, so pages and the API agree on where pictures are."""

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
        """Where a browser fetches `key` from."""
        ...


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

    def url(self, key: str) -> str:
        return f"{self.base_url_path}/{check_key(key)}"

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
                  settings.s3_secret_key, settings.s3_timeout)


@functools.lru_cache(maxsize=32)
def _store(media_url: str, media_dir: Path, public_url: str, endpoint: str, region: str,
           access_key: str, secret_key: str, timeout: float) -> MediaStore:
    if not media_url:
        return LocalMediaStore(media_dir, public_url or "/media")
    from salon.media.s3 import S3MediaStore  # boto3 loads only for instances that use it

    return S3MediaStore(media_url, endpoint=endpoint, region=region, access_key=access_key,
                        secret_key=secret_key, public_url=public_url, timeout=timeout)


def media_origin(store: MediaStore) -> str:
    """The origin pages must let images load from (CSP img-src) when media is served from
    elsewhere, e.g. "https://pics.example"; "" when this site serves it."""
    parts = urlsplit(store.url("k"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def absolute_url(store: MediaStore, key: str, base: str) -> str:
    """`store.url(key)` as a whole address: the local store answers with a path on this
    site, which apps (unlike browsers) cannot resolve on their own."""
    url = store.url(key)
    return f"{base.rstrip('/')}{url}" if url.startswith("/") else url
