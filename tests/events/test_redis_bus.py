"""Scale-out live events: two `salon serve` processes and a `salon worker` share one database
and one Redis; a post made through one server reaches a stream held by the other, and a
generation worked by the separate worker reports its progress to its owner's stream."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon

from salon.settings import Settings
from tests.conftest import _free_port, settings_for
from tests.databases import REDIS, Databases, process_env

PASSWORD = "correct horse battery"
REDIS_URL = REDIS or "redis://127.0.0.1:6379/0"


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = open(log, "w")  # noqa: SIM115 - the process owns it until it ends
    return subprocess.Popen([str(Path(sys.executable).parent / "salon"), *args], env=env,
                            stdout=out, stderr=subprocess.STDOUT)


def _wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/api/v1/streaming/health", timeout=1)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)
    raise RuntimeError("server did not start: " + log.read_text())


@pytest.fixture
def cluster(tmp_path: Path, databases: Databases) -> Iterator[tuple[str, str, Settings]]:
    """Servers A and B (no worker of their own) and one `salon worker`, on shared storage."""
    database = {**databases.fresh(tmp_path), "redis_url": REDIS_URL,
                "redis_prefix": f"salon-bus-{os.getpid()}-{time.monotonic_ns()}:"}
    settings = settings_for(tmp_path, database)
    env = {**process_env(settings), "SALON_WORKER_POLL_SECONDS": "0.1"}
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        bases = []
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            log = tmp_path / f"server-{port}.log"
            proc = _start(["serve", "--port", str(port), "--no-worker"],
                          {**env, "SALON_BASE_URL": base}, log)
            procs.append(proc)
            _wait_up(base, proc, log)
            bases.append(base)
        procs.append(_start(["worker"], env, tmp_path / "worker.log"))
        yield bases[0], bases[1], settings
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        databases.drop(database)


def _events(base: str, path: str, token: str | None, into: queue.Queue[tuple[str, str]],
            ready: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # The stream ends when the servers stop at the end of the test.
    with contextlib.suppress(httpx.HTTPError), httpx.stream(
        "GET", base + path, headers=headers, timeout=30
    ) as response:
        kind = ""
        for line in response.iter_lines():
            ready.set()
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                into.put((kind, line[6:]))


def _listen(base: str, path: str, token: str | None = None) -> queue.Queue[tuple[str, str]]:
    heard: queue.Queue[tuple[str, str]] = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=_events, args=(base, path, token, heard, ready), daemon=True).start()
    assert ready.wait(10), "the stream did not open"
    return heard


def _next(heard: queue.Queue[tuple[str, str]], kind: str) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found, data = heard.get(timeout=max(0.1, deadline - time.monotonic()))
        if found == kind:
            return dict(json.loads(data))
    raise AssertionError(f"no {kind} event")


def test_a_post_through_one_server_reaches_a_stream_on_another(
    cluster: tuple[str, str, Settings],
) -> None:
    server_a, server_b, _settings = cluster
    client_id, secret = Mastodon.create_app("bus test", api_base_url=server_a,
                                            scopes=["read", "write"])
    alice = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server_a)
    alice.create_account("alice", PASSWORD, "alice@example.com", agreement=True,
                         scopes=["read", "write"])
    public_on_b = _listen(server_b, "/api/v1/streaming/public")
    posted = alice.status_post("heard across processes")
    update = _next(public_on_b, "update")
    assert update["id"] == str(posted["id"]) and "across processes" in str(update["content"])

    # A generation asked of server A, worked by the separate worker, reports to a stream of
    # its owner held by server B.
    token = str(alice.access_token)
    user_on_b = _listen(server_b, "/api/v1/streaming/user", token)
    made = httpx.post(f"{server_a}/api/v1/salon/generations", json={"prompt": "a kite",
                      "count": 1}, headers={"Authorization": f"Bearer {token}"}).json()
    while True:
        progress = _next(user_on_b, "salon.generation")
        assert progress["id"] == made["id"]
        if progress["state"] == "succeeded":
            break
    assert len(progress["candidates"]) == 1  # type: ignore[arg-type]
