"""Request bodies against a real `salon serve` over real sockets: slow senders hold no
request slot, bodies too large get 413 (before they are read when Content-Length says so),
stalled ones 408, and uploads at the media limit still work."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest

from salon.settings import Settings
from salon.web.bodies import MULTIPART_OVERHEAD, BodyLimits
from tests.conftest import PASSWORD, _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env
from tests.web import png

BODY_TIMEOUT = 6  # seconds: short for the test, long beside a request's few milliseconds


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[str]:
    data = tmp_path_factory.mktemp("bodies")
    port = _free_port()
    database = databases.fresh(data)
    env = {**process_env(settings_for(data, database)),
           "SALON_BASE_URL": f"http://127.0.0.1:{port}",
           "SALON_BODY_TIMEOUT": str(BODY_TIMEOUT), "SALON_MAX_ACTIVE_REQUESTS": "4",
           "SALON_REGISTRATIONS_OPEN": "true"}
    try:
        with salon_serve(env, data / "server.log", port, "--no-worker") as base:
            yield base
    finally:
        databases.drop(database)


def _open(base: str, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=30)
    sock.sendall(head.replace("\n", "\r\n").encode())
    return sock


def _head(method: str, path: str, *headers: str) -> str:
    return "\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""])


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one answer on `sock` (which then closes)."""
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
    except ConnectionResetError:  # the server closed with our unread bytes: answer's in
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def test_slow_bodies_hold_no_request_slot(server: str) -> None:
    """Six clients (above the four slots) dribble their bodies a byte a second; meanwhile
    the server answers others at once. Before bodies were read outside admission, the
    dribblers held every slot until they finished (here: after 1,000 s)."""
    dribblers = [_open(server, _head("POST", "/api/v1/apps", "Content-Type: application/json",
                                     "Content-Length: 1000")) for _ in range(6)]
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(1):
            for sock in dribblers:
                with contextlib.suppress(OSError):  # answered 408 already
                    sock.send(b" ")

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        time.sleep(1.5)  # the dribblers are in, and have sent a byte
        started = time.monotonic()
        with httpx.Client(base_url=server, timeout=BODY_TIMEOUT * 3) as client:
            assert client.get("/api/v1/instance").status_code == 200
            made = client.post("/api/v1/apps", json={
                "client_name": "prompt", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})
            assert made.status_code == 200, made.text
        answered = time.monotonic() - started
        # The dribblers are unanswered still: the others did not wait for their deadline.
        waiting, _, _ = select.select(dribblers, [], [], 0)
        assert not waiting, f"dribblers answered before the others ({answered:.1f} s)"
        # And the deadline comes: 408, in the API's error shape.
        for sock in dribblers:
            status, headers, body = _answer(sock)
            assert status == 408
            assert "too slowly" in json.loads(body)["error"]
            assert headers["connection"] == "close"
    finally:
        stop.set()
        thread.join()
        for sock in dribblers:
            sock.close()


@pytest.mark.parametrize(("path", "length"), [
    ("/api/v1/statuses", 10**9), ("/api/v2/media", 10**10), ("/posts", 10**10)])
def test_a_declared_length_over_the_limit_is_refused_unread(
        server: str, path: str, length: int) -> None:
    sock = _open(server, _head("POST", path, "Content-Type: application/json",
                               "Expect: 100-continue", f"Content-Length: {length}"))
    with sock:  # headers only: the answer comes without a byte of the body
        status, headers, body = _answer(sock)
    assert status == 413
    assert "default-src 'self'" in headers["content-security-policy"]  # as every answer
    if path.startswith("/api/"):
        assert "too large" in json.loads(body)["error"]
    else:
        assert headers["content-type"].startswith("text/plain")
        assert b"too large" in body


def test_a_chunked_body_is_refused_once_it_passes_the_limit(server: str) -> None:
    sock = _open(server, _head("POST", "/api/v1/apps", "Content-Type: application/json",
                               "Transfer-Encoding: chunked"))
    chunk = 64 * 1024
    sent = 0
    with sock:
        while sent < 8 * Settings().max_body_bytes:
            if select.select([sock], [], [], 0.005)[0]:  # answered: stop sending
                break
            try:
                sock.sendall(b"%x\r\n" % chunk + b" " * chunk + b"\r\n")
            except OSError:  # closed on us: the answer is in
                break
            sent += chunk
        status, _, body = _answer(sock)
    assert status == 413
    assert "too large" in json.loads(body)["error"]
    assert sent <= Settings().max_body_bytes + 4 * chunk  # refused as it passed, not at the end


def test_a_stalled_body_gets_408(server: str) -> None:
    sock = _open(server, _head("POST", "/login", "Content-Length: 100",
                               "Content-Type: application/x-www-form-urlencoded") + "username=a")
    started = time.monotonic()
    with sock:
        status, headers, body = _answer(sock)
    assert status == 408
    assert BODY_TIMEOUT - 1 <= time.monotonic() - started < BODY_TIMEOUT * 3
    assert headers["content-type"].startswith("text/plain") and b"too slowly" in body


def _png_of_size(size: int) -> bytes:
    """A small picture padded with a private chunk to exactly `size` bytes."""
    image = png()
    padding = size - len(image) - 12
    chunk = b"saLn" + b"\0" * padding
    padded = struct.pack(">I", padding) + chunk + struct.pack(">I", zlib.crc32(chunk))
    at = image.rindex(b"IEND") - 4
    return image[:at] + padded + image[at:]


def test_an_upload_at_the_media_limit_still_works(server: str) -> None:
    limit = Settings().max_upload_bytes
    with httpx.Client(base_url=server, timeout=60) as client:
        app = client.post("/api/v1/apps", data={
            "client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"}).json()
        anon = client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": "read write"}).json()
        token = client.post("/api/v1/accounts", data={
            "username": "uploader", "password": PASSWORD, "email": "u@example.org",
            "agreement": "true", "locale": "en"},
            headers={"Authorization": f"Bearer {anon['access_token']}"}).json()["access_token"]
        picture = _png_of_size(limit)
        assert len(picture) == limit
        made = client.post("/api/v2/media", files={"file": ("big.png", picture, "image/png")},
                           data={"description": "x" * 1500},
                           headers={"Authorization": f"Bearer {token}"})
        assert made.status_code in (200, 202), made.text
        assert made.json()["type"] == "image"


def test_limits_follow_the_settings() -> None:
    """Routes that take files take their files plus room for the form; others a little."""
    settings = Settings(max_upload_bytes=5_000_000, max_media_per_post=3)
    limits = BodyLimits(None, max_bytes=settings.max_body_bytes,  # type: ignore[arg-type]
                        max_upload_bytes=settings.max_upload_bytes,
                        max_files=settings.max_media_per_post, timeout=1, min_rate=1)
    assert limits.limits["/api/v2/media"] == 5_000_000 + MULTIPART_OVERHEAD
    assert limits.limits["/api/v1/accounts/update_credentials"] == 10_000_000 + MULTIPART_OVERHEAD
    assert limits.limits["/posts"] == 15_000_000 + MULTIPART_OVERHEAD
    assert limits.max_bytes == 1024 * 1024
