"""Request bodies are read whole, within a size limit and a deadline, before a request is
admitted (salon/web/admission.py).

A request holds one of the few admission slots while it runs. If it ran while its body was
still arriving, four clients sending a byte a second would hold every slot and stop the
server. So the body is read here, outside Admission, and replayed to the app: a slow client
costs a connection and its buffer, never a slot. A body larger than its route may take is
refused with 413 (at once when Content-Length says so), one that arrives too slowly with 408.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from typing import IO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024
SPOOL = MiB  # bodies above this wait on disk, not in memory
PIECE = MiB  # replayed to the app in pieces of this size
# Routes that take files, and how many: the composer takes one per attachment (None).
UPLOADS: dict[str, int | None] = {
    "/api/v1/media": 1,
    "/api/v2/media": 1,
    "/api/v1/accounts/update_credentials": 2,  # avatar and header
    "/settings/profile": 2,
    "/posts": None,
}
MULTIPART_OVERHEAD = MiB  # boundaries, part headers and the form's other fields


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


class Gone(Exception):
    """The client left before its body arrived: nobody to answer."""


class BodyLimits:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int,
                 max_files: int, timeout: float, min_rate: float) -> None:
        self.app = app
        self.timeout, self.min_rate = timeout, min_rate
        self.max_bytes = max_bytes
        self.limits = {path: (files or max_files) * max_upload_bytes + MULTIPART_OVERHEAD
                       for path, files in UPLOADS.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # WebSocket frames are not request bodies
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        if (length is None or length == b"0") and not chunked:  # no body: GET and friends
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.max_bytes)
        body: Body | None = None
        try:
            if length is not None and not chunked and int(length) > limit:
                raise Refused(413, _too_large(limit))  # before reading a byte of it
            body = await self._read(receive, limit)
        except Refused as refused:
            await _answer(scope, send, refused)
            return
        except Gone:
            return
        try:
            await self.app(scope, body.replay(receive), send)
        finally:
            body.close()

    async def _read(self, receive: Receive, limit: int) -> Body:
        """The whole body; the client has `timeout` seconds, and more for a large body as
        long as it keeps sending at least `min_rate` bytes a second."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        body = Body()
        try:
            async with asyncio.timeout_at(start + self.timeout) as deadline:
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise Gone
                    body.add(message.get("body", b""))
                    if body.size > limit:  # a chunked body, counted as it arrives
                        raise Refused(413, _too_large(limit))
                    if not message.get("more_body", False):
                        return body
                    deadline.reschedule(start + self.timeout + body.size / self.min_rate)
        except TimeoutError:
            body.close()
            raise Refused(408, "The request body arrived too slowly; send it again.") from None
        except BaseException:
            body.close()
            raise


class Body:
    """Chunks in memory, moved to a temporary file once they pass SPOOL bytes."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.file: IO[bytes] | None = None

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.file is None and self.size > SPOOL:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self.file.writelines(self.chunks)
            self.chunks = []
        if self.file is not None:
            self.file.write(chunk)
        elif chunk:
            self.chunks.append(chunk)

    def replay(self, receive: Receive) -> Receive:
        """A `receive` that gives the app the body, then the client's own messages (a
        disconnect, which streaming answers wait for)."""
        if self.file is not None:
            self.file.seek(0)
        done = False

        async def again() -> Message:
            nonlocal done
            if done:
                return await receive()
            if self.file is None:
                done = True
                return {"type": "http.request", "body": b"".join(self.chunks),
                        "more_body": False}
            piece = self.file.read(PIECE)
            done = self.file.tell() >= self.size
            return {"type": "http.request", "body": piece, "more_body": not done}

        return again

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _too_large(limit: int) -> str:
    return f"The request body is too large: this address takes at most {limit / MiB:g} MiB."


async def _answer(scope: Scope, send: Send, refused: Refused) -> None:
    """The API's JSON error shape for clients, a plain sentence for people. The connection
    closes: the rest of the body is not worth reading."""
    if str(scope["path"]).startswith(("/api/", "/oauth/")):
        content, kind = json.dumps({"error": refused.message}).encode(), b"application/json"
    else:
        content, kind = refused.message.encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": refused.status, "headers": [
        (b"content-type", kind), (b"content-length", str(len(content)).encode()),
        (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": content})
