"""Media bytes in an S3-compatible object store (AWS S3, MinIO, R2, Ceph, ...), for instances
whose server processes run on more than one machine and so cannot share a folder.

boto3 is synchronous; each call runs in a worker thread (asyncio.to_thread) so the event loop
keeps serving. One boto3 client is shared by those threads: clients are thread-safe, while
sessions (which create clients) are not, hence the lock around creating one."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from salon.media.store import check_key, is_public

_session_lock = threading.Lock()
_session: Any = None  # one boto3 Session per process: it caches the parsed service models

# Seconds to open a connection and to wait for bytes; a stuck store should fail a request or
# a job quickly (the job is retried), not hold a worker thread for botocore's default minute.
CONNECT_TIMEOUT = 5.0
MAX_ATTEMPTS = 3  # "standard" retry mode: backoff with jitter on throttling and 5xx


@contextlib.contextmanager
def _missing(object_key: str) -> Iterator[None]:
    """S3's answers for a key that is not there, as the FileNotFoundError stores raise."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise FileNotFoundError(object_key) from exc
        raise


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/path", no slashes at either end

    @classmethod
    def parse(cls, media_url: str) -> S3Location:
        parts = urlsplit(media_url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"SALON_MEDIA_URL must look like s3://bucket/prefix, not "
                             f"{media_url!r}")
        return cls(parts.netloc, parts.path.strip("/"))

    def object_key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key


SIGNED_KEPT = 50_000  # signed addresses kept for reuse (past it, all are forgotten)


class S3MediaStore:
    """Objects under `s3://bucket/prefix/`, fetched by browsers from `public_url`."""

    def __init__(self, media_url: str, *, endpoint: str = "", region: str = "",
                 access_key: str = "", secret_key: str = "", public_url: str = "",
                 timeout: float = 30.0, signed_seconds: int = 3600) -> None:
        self.location = S3Location.parse(media_url)
        self.endpoint = endpoint.rstrip("/")
        self.region = region or "us-east-1"
        self._credentials = (access_key, secret_key)
        self.timeout = timeout
        self.signed_seconds = signed_seconds
        self._signed: dict[str, tuple[float, str]] = {}  # key -> (reuse until, address)
        self.clock = time.monotonic
        self.public_url = (public_url or self._default_public_url()).rstrip("/")
        self._client: Any = None
        self._client_lock = threading.Lock()

    def _default_public_url(self) -> str:
        # Where the bucket itself answers: path style on a custom endpoint (MinIO and most
        # self-hosted stores), virtual-host style on AWS. Set SALON_MEDIA_PUBLIC_URL for a CDN.
        if self.endpoint:
            return f"{self.endpoint}/{self.location.bucket}"
        return f"https://{self.location.bucket}.s3.{self.region}.amazonaws.com"

    @property
    def client(self) -> Any:
        # Made on first use, not in __init__: building addresses needs no client, and the
        # API builds them through media_store() far more often than it moves bytes.
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        global _session
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=min(CONNECT_TIMEOUT, self.timeout),
            read_timeout=self.timeout,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            signature_version="s3v4",  # signed addresses: v2 is refused by newer regions
            max_pool_connections=32,  # as many as asyncio.to_thread may run at once
            s3={"addressing_style": "path" if self.endpoint else "auto"},
        )
        access_key, secret_key = self._credentials
        with _session_lock:
            if _session is None:
                _session = boto3.session.Session()
            # Empty keys: boto3's own chain (AWS_* variables, instance or pod roles).
            return _session.client(
                "s3", endpoint_url=self.endpoint or None, region_name=self.region,
                aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                config=config,
            )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        # One PUT is atomic in S3: readers see the old object or the new one, never half.
        await asyncio.to_thread(self.client.put_object, Bucket=self.location.bucket,
                                Key=self.location.object_key(key), Body=data,
                                ContentType=content_type)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, self.location.object_key(key))

    def _get(self, object_key: str) -> bytes:
        with _missing(object_key):
            found = self.client.get_object(Bucket=self.location.bucket, Key=object_key)
        body = found["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there, so a retried delete job is fine.
        await asyncio.to_thread(self.client.delete_object, Bucket=self.location.bucket,
                                Key=self.location.object_key(key))

    async def copy(self, key: str, new_key: str) -> None:
        await asyncio.to_thread(self._copy, self.location.object_key(key),
                                self.location.object_key(new_key))

    def _copy(self, object_key: str, new_object_key: str) -> None:
        # Server-side: the bytes never come through this process.
        with _missing(object_key):
            self.client.copy_object(Bucket=self.location.bucket, Key=new_object_key,
                                    CopySource={"Bucket": self.location.bucket,
                                                "Key": object_key})

    signs = True

    def url(self, key: str) -> str:
        if is_public(key):
            return f"{self.public_url}/{quote(self.location.object_key(key), safe='/')}"
        # The bucket answers only public/ without a signature. One address is given out for
        # half its life, so browsers cache the picture (a new signature is a new URL to them)
        # and whoever got it keeps at least half its life to load it.
        now = self.clock()
        kept = self._signed.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        signed = str(self.client.generate_presigned_url(
            "get_object", ExpiresIn=self.signed_seconds,
            Params={"Bucket": self.location.bucket, "Key": self.location.object_key(key)}))
        if len(self._signed) >= SIGNED_KEPT:
            self._signed.clear()
        self._signed[key] = (now + self.signed_seconds / 2, signed)
        return signed

    async def content_type(self, key: str) -> str:
        """The stored Content-Type (what browsers are sent); for tests and checks."""
        head = await asyncio.to_thread(self.client.head_object, Bucket=self.location.bucket,
                                       Key=self.location.object_key(key))
        return str(head["ContentType"])
