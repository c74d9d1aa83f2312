"""A real HTTP server speaking OpenAI's Images API, on 127.0.0.1, for the openai engine's tests.

It records every request (path, headers, the JSON body or the multipart fields and files) and
answers from a script: `fake.script(reply, ...)` queues replies for the next requests; once
they run out, each request gets the documented success answer (JSON, or Server-Sent Events
when the request asked for `stream`). Pictures are PNGs of the requested size, each candidate
a colour of its own (`colour(i)`), partial images darker (`partial_colour(i, k)`).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from PIL import Image

SSE_GAP = 0.02  # seconds between streamed events, so they arrive as separate reads


def colour(index: int) -> tuple[int, int, int]:
    return (30 + 50 * index, 120, 200 - 40 * index)


def partial_colour(index: int, partial: int) -> tuple[int, int, int]:
    return (10 + 5 * partial, 10 + 50 * index, 10)


def png(size: tuple[int, int], fill: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, fill).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Reply:
    """One scripted answer. kind: json, stream, urls (links to the pictures), dead_urls (links
    to nothing), status (an error status), refuse (an error with a code), garbage (`body`
    with `status`), stream_error (an error event after the first partials)."""

    kind: str = "json"
    status: int = 200
    retry_after: str | None = None
    code: str = ""
    message: str = ""
    delay: float = 0.0  # seconds before the answer starts (for timeouts)
    gap: float = SSE_GAP  # seconds between streamed events
    body: bytes = b""
    size: tuple[int, int] | None = None  # pictures of this size instead of the requested one
    transparent: bool = False  # RGBA pictures, fully transparent
    cut: bool = False  # the stream ends after the first picture, however many were asked for
    broken_fetches: int = 0  # urls: this many picture downloads answer 503 first


def busy(status: int = 429, retry_after: str | None = "0", code: str = "") -> Reply:
    return Reply("status", status=status, retry_after=retry_after, code=code)


def refused(code: str = "moderation_blocked",
            message: str = "Your request was rejected by the safety system.") -> Reply:
    return Reply("refuse", status=400, code=code, message=message)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name, type, data

    @property
    def fields(self) -> dict[str, Any]:
        """The request's parameters, whether sent as JSON or as form fields."""
        return dict(self.json) if self.json is not None else dict(self.form)


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        self.files: dict[str, bytes] = {}
        self.broken_fetches = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.origin + "/v1"  # the base URL the engine is given

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *replies: Reply) -> None:
        with self.lock:
            self.replies = list(replies)

    @property
    def posts(self) -> list[Recorded]:
        """The API calls (not picture downloads)."""
        return [r for r in self.requests if r.method == "POST"]

    def next_reply(self, request: Recorded) -> Reply:
        with self.lock:
            self.requests.append(request)
            if request.method == "GET":
                return Reply("file")
            if self.replies:
                return self.replies.pop(0)
        stream = str(request.fields.get("stream", "")).lower() == "true"
        return Reply("stream" if stream else "json")


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

        def do_GET(self) -> None:
            self._serve(Recorded("GET", self.path, self._headers()))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            recorded = Recorded("POST", self.path, self._headers())
            content_type = self.headers.get("content-type", "")
            if content_type.startswith("application/json"):
                recorded.json = json.loads(body)
            elif content_type.startswith("multipart/form-data"):
                _parse_multipart(content_type, body, recorded)
            self._serve(recorded)

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _serve(self, request: Recorded) -> None:
            reply = fake.next_reply(request)
            time.sleep(reply.delay)
            # The engine may have given up (timeout, cancel): then there is no one to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(request, reply)

        def _answer(self, request: Recorded, reply: Reply) -> None:
            if reply.kind == "file":
                if fake.broken_fetches > 0:
                    fake.broken_fetches -= 1
                    self._send(503, b"try later", "text/plain")
                    return
                found = fake.files.get(request.path)
                self._send(200 if found else 404, found or b"not here", "image/png")
                return
            fields = request.fields
            count = int(fields.get("n") or 1)
            width, height = (int(v) for v in str(fields.get("size", "64x64")).split("x"))
            size = reply.size or (width, height)
            edit = request.path.endswith("/images/edits")
            usage = {"total_tokens": 10 + 100 * count + 50 * edit, "input_tokens": 10 + 50 * edit,
                     "output_tokens": 100 * count,
                     "input_tokens_details": {"text_tokens": 10, "image_tokens": 50 * edit}}
            if reply.kind == "status":
                headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
                kind = "requests" if reply.status == 429 else "server_error"
                self._error(reply.status, reply.code or None, "The server is overloaded.",
                            headers, kind)
            elif reply.kind == "refuse":
                self._error(reply.status, reply.code, reply.message)
            elif reply.kind == "garbage":
                self._send(reply.status, reply.body or b"<html>Bad gateway</html>", "text/html")
            elif reply.kind == "json":
                data = [{"b64_json": _b64(_picture(reply, size, colour(i)))}
                        for i in range(count)]
                self._json(200, {"created": int(time.time()), "data": data, "usage": usage})
            elif reply.kind in ("urls", "dead_urls"):
                fake.broken_fetches = reply.broken_fetches
                for i in range(count):
                    if reply.kind == "urls":
                        fake.files[f"/files/{i}.png"] = png(size, colour(i))
                data = [{"url": f"{fake.origin}/files/{i}.png"} for i in range(count)]
                self._json(200, {"created": int(time.time()), "data": data})
            elif reply.kind in ("stream", "stream_error"):
                self._stream(request, reply, count, size)

        def _stream(self, request: Recorded, reply: Reply, count: int,
                    size: tuple[int, int]) -> None:
            prefix = "image_edit" if request.path.endswith("/images/edits") else "image_generation"
            partials = int(request.fields.get("partial_images") or 0)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(count):  # one picture after another, as the documented events imply
                for k in range(partials):
                    self._event(f"{prefix}.partial_image", {
                        "b64_json": _b64(png(size, partial_colour(i, k))),
                        "partial_image_index": k, "size": f"{size[0]}x{size[1]}"})
                    time.sleep(reply.gap)
                if reply.kind == "stream_error":
                    self._event("error", {"type": "error", "error": {
                        "type": "image_generation_user_error", "code": reply.code,
                        "message": reply.message, "param": None}})
                    return
                self._event(f"{prefix}.completed", {
                    "b64_json": _b64(png(size, colour(i))), "size": f"{size[0]}x{size[1]}",
                    "usage": {"total_tokens": 110, "input_tokens": 10, "output_tokens": 100,
                              "input_tokens_details": {"text_tokens": 10, "image_tokens": 0}}})
                time.sleep(reply.gap)
                if reply.cut:
                    return

        def _event(self, name: str, data: dict[str, Any]) -> None:
            payload = json.dumps({"type": name, "created_at": int(time.time()), **data})
            self.wfile.write(f"event: {name}\ndata: {payload}\n\n".encode())
            self.wfile.flush()

        def _error(self, status: int, code: str | None, message: str,
                   headers: dict[str, str] | None = None,
                   kind: str = "invalid_request_error") -> None:
            self._json(status, {"error": {"message": message, "type": kind, "param": None,
                                          "code": code}}, headers)

        def _json(self, status: int, body: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(body).encode(), "application/json", headers)

        def _send(self, status: int, data: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _picture(reply: Reply, size: tuple[int, int], fill: tuple[int, int, int]) -> bytes:
    if not reply.transparent:
        return png(size, fill)
    buffer = io.BytesIO()
    Image.new("RGBA", size, (*fill, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _parse_multipart(content_type: str, body: bytes, into: Recorded) -> None:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        filename = part.get_filename()
        if filename is not None:
            into.files[name] = (filename, part.get_content_type(), data)
        else:
            into.form[name] = data.decode()
