"""Where each test's database lives.

By default a copy of a migrated SQLite file (the embedded default). With
SALON_TEST_POSTGRES=postgresql://user@host:port every test gets its own PostgreSQL database,
cloned in milliseconds from a template migrated once per run (CREATE DATABASE … TEMPLATE),
and dropped afterwards: the same tests, on the scale-out database.
With SALON_TEST_S3=1 media goes to an S3 bucket, each test under a prefix of its own, on a
moto server started once per run: a real HTTP S3 endpoint that boto3 talks to as to any
other (no S3-compatible server such as MinIO installs from the package registries we use).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import shutil
import socket
from pathlib import Path
from typing import Any

from salon.db.migrate import upgrade
from salon.settings import Settings

POSTGRES = os.environ.get("SALON_TEST_POSTGRES", "").rstrip("/")
# With SALON_TEST_REDIS=redis://host:port/db each test also gets Redis (timelines, live
# events) under a key prefix of its own, removed afterwards.
REDIS = os.environ.get("SALON_TEST_REDIS", "")
S3 = os.environ.get("SALON_TEST_S3", "") not in ("", "0")
S3_BUCKET = "salon-test"


async def _admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _forget_keys(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def _run(coro: Any) -> None:
    """Run admin statements from sync fixtures, inside or outside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    import threading

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class S3Server:
    """A moto S3 server on 127.0.0.1 and a free port, with the test bucket made."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.endpoint = f"http://127.0.0.1:{port}"
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        import boto3

        admin = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test")
        admin.create_bucket(Bucket=S3_BUCKET)
        # Only public/ is readable by anyone (each test's prefix comes first), as a
        # deployment's bucket must be: the rest is fetched with signed addresses.
        admin.put_bucket_policy(Bucket=S3_BUCKET, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{S3_BUCKET}/*/public/*"}]}))

    def settings(self, prefix: str) -> dict[str, Any]:
        return {"media_url": f"s3://{S3_BUCKET}/{prefix}", "s3_endpoint": self.endpoint,
                "s3_region": "us-east-1", "s3_access_key": "test", "s3_secret_key": "test",
                "media_public_url": f"{self.endpoint}/{S3_BUCKET}"}

    def stop(self) -> None:
        self._server.stop()


class Databases:
    """Hands out fresh, migrated databases (and, with SALON_TEST_S3, media buckets)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names = itertools.count()
        self._prefix = f"salon_test_{os.getpid()}"
        self.template = f"{self._prefix}_template"
        self.sqlite_template = root / "salon.db"
        self.s3: S3Server | None = None

    @property
    def postgres(self) -> bool:
        return bool(POSTGRES)

    def prepare(self) -> None:
        if S3:
            self.s3 = S3Server()
        if self.postgres:
            _run(_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
                        f'CREATE DATABASE "{self.template}"'))
            settings = Settings(env="test", data_dir=self.root,
                                database_url=f"{POSTGRES}/{self.template}")
        else:
            settings = Settings(env="test", data_dir=self.root)
        asyncio.run(upgrade(settings))

    def fresh(self, data_dir: Path) -> dict[str, Any]:
        """A new database for a test whose files live in `data_dir`: the settings to use."""
        data_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self._prefix}_{next(self._names)}"
        found: dict[str, Any] = {}
        if REDIS:
            found.update(redis_url=REDIS, redis_prefix=f"{name}:")
        if self.s3 is not None:
            found.update(self.s3.settings(name))
        if not self.postgres:
            shutil.copy(self.sqlite_template, data_dir / "salon.db")
            return found
        _run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        # No pool: the TestClients of one Site each run their own event loop, and an asyncpg
        # connection belongs to the loop that opened it.
        return {**found, "database_url": f"{POSTGRES}/{name}", "db_pool_size": 0}

    def drop(self, overrides: dict[str, Any]) -> None:
        url = overrides.get("database_url")
        if url:
            name = url.rsplit("/", 1)[1]
            _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if overrides.get("redis_url"):
            _run(_forget_keys(overrides["redis_url"], overrides["redis_prefix"]))

    def close(self) -> None:
        if self.s3 is not None:
            self.s3.stop()
        if self.postgres:
            _run(_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


def process_env(settings: Settings) -> dict[str, str]:
    """Environment for a `salon` subprocess that should use this test's database."""
    env = {**os.environ, "SALON_ENV": "test", "SALON_DATA_DIR": str(settings.data_dir),
           "SALON_SECRET_KEY": "test-secret"}
    if settings.database_url:
        env["SALON_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["SALON_REDIS_URL"] = settings.redis_url
        env["SALON_REDIS_PREFIX"] = settings.redis_prefix
    if settings.media_url:
        env.update(SALON_MEDIA_URL=settings.media_url, SALON_S3_ENDPOINT=settings.s3_endpoint,
                   SALON_S3_REGION=settings.s3_region, SALON_S3_ACCESS_KEY=settings.s3_access_key,
                   SALON_S3_SECRET_KEY=settings.s3_secret_key,
                   SALON_MEDIA_PUBLIC_URL=settings.media_public_url)
    return env
