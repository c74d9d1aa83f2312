"""A real HTTP server speaking OpenAI's Chat Completions API, on 127.0.0.1, for the openai text
engine's tests.

It records every request (path, headers, JSON body) and answers from a script:
`fake.script(reply, ...)` queues replies for the next requests; once they run out, each
request gets the answer "(nothing scripted)". A reply goes out as the documented
`chat.completion` JSON or, when the request asked for `stream`, as Server-Sent Events of
`chat.completion.chunk`s (HTTP/1.1, chunked, as real servers send them): the role first, the
text a few characters at a time, each tool call's index, id and name and then its arguments
in pieces, a chunk with the finish reason, a usage chunk with empty `choices` when
`stream_options.include_usage` asked for it, and `data: [DONE]`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

USAGE = (100, 20)  # prompt and completion tokens each scripted answer reports by default


@dataclass
class Reply:
    """One scripted answer. kind: answer (text and/or tool calls), status (an error status
    with the documented error body), garbage (`body` as it is), cut (a stream that breaks
    off after a few pieces of `text`)."""

    kind: str = "answer"
    text: str = ""
    calls: tuple[tuple[str, dict[str, Any] | str], ...] = ()  # (name, arguments)
    usage: tuple[int, int] | None = USAGE
    finish: str | None = None  # default: tool_calls when there are calls, else stop
    status: int = 200
    retry_after: str | None = None
    message: str = ""
    code: str | None = None
    param: str | None = None
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before the answer starts (for timeouts)
    piece: int = 4  # characters of text or arguments per streamed chunk
    plain: bool = False  # answer JSON even when asked to stream (a server that ignores it)
    echo_key: bool = False  # the error message repeats the Authorization header it got


def said(text: str, **changes: Any) -> Reply:
    return Reply(text=text, **changes)


def calls(*made: tuple[str, dict[str, Any] | str], **changes: Any) -> Reply:
    return Reply(calls=made, **changes)


def busy(status: int = 429, retry_after: str | None = "0", **changes: Any) -> Reply:
    return Reply("status", status=status, retry_after=retry_after, **changes)


def refused(status: int = 400, message: str = "Invalid request.", **changes: Any) -> Reply:
    return Reply("status", status=status, message=message, **changes)


def garbage(body: bytes, content_type: str = "application/json", status: int = 200) -> Reply:
    return Reply("garbage", body=body, content_type=content_type, status=status)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body["messages"]
        assert isinstance(messages, list)
        return messages

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.body.get("tools", [])]


class FakeChat:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: list[Reply] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"  # the base URL

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *replies: Reply) -> None:
        with self.lock:
            self.replies = list(replies)

    def next_reply(self, request: Recorded) -> Reply:
        with self.lock:
            self.requests.append(request)
            return self.replies.pop(0) if self.replies else said("(nothing scripted)")

    def call_id(self) -> str:
        return f"call_{next(self.ids)}"


def _handler(fake: FakeChat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and chunked streams

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            request = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()},
                               json.loads(raw))
            reply = fake.next_reply(request)
            time.sleep(reply.delay)
            # The engine may have given up (a timeout): then there is no one to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(request, reply)

        def _answer(self, request: Recorded, reply: Reply) -> None:
            if not request.path.endswith("/chat/completions"):
                self._error(404, f"Unknown path {request.path}", "invalid_request_error")
            elif reply.kind == "status":
                message = reply.message or "The server is overloaded."
                if reply.echo_key:
                    message += f" You sent {request.headers.get('authorization')!r}."
                kind = "requests" if reply.status == 429 else (
                    "server_error" if reply.status >= 500 else "invalid_request_error")
                headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
                self._error(reply.status, message, kind, reply.code, reply.param, headers)
            elif reply.kind == "garbage":
                self._send(reply.status, reply.body, reply.content_type)
            elif request.body.get("stream") and not reply.plain:
                self._stream(request, reply)
            else:
                self._json(200, self._completion(request, reply))

        # --- the documented shapes ------------------------------------------------------

        def _completion(self, request: Recorded, reply: Reply) -> dict[str, Any]:
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None,
                                       "refusal": None}
            if reply.calls:
                message["tool_calls"] = [
                    {"id": fake.call_id(), "type": "function",
                     "function": {"name": name, "arguments": _arguments(arguments)}}
                    for name, arguments in reply.calls]
            answer: dict[str, Any] = {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": request.body.get("model"),
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": _finish(reply)}]}
            if reply.usage is not None:
                answer["usage"] = _usage(reply.usage)
            return answer

        def _stream(self, request: Recorded, reply: Reply) -> None:
            usage_asked = bool((request.body.get("stream_options") or {}).get("include_usage"))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

            def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
                payload: dict[str, Any] = {
                    "id": "chatcmpl-fake", "object": "chat.completion.chunk",
                    "created": int(time.time()), "model": request.body.get("model"),
                    "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                 "finish_reason": finish}]}
                if usage_asked:
                    payload["usage"] = None  # every chunk but the last, as documented
                self._event(payload)

            chunk({"role": "assistant", "content": ""})
            for number, start in enumerate(range(0, len(reply.text), reply.piece)):
                if reply.kind == "cut" and number == 2:
                    self.close_connection = True  # no last chunk: the body is incomplete
                    return
                chunk({"content": reply.text[start:start + reply.piece]})
            for index, (name, arguments) in enumerate(reply.calls):
                chunk({"tool_calls": [{"index": index, "id": fake.call_id(), "type": "function",
                                       "function": {"name": name, "arguments": ""}}]})
                text = _arguments(arguments)
                for start in range(0, len(text), reply.piece):
                    chunk({"tool_calls": [{"index": index, "function": {
                        "arguments": text[start:start + reply.piece]}}]})
            chunk({}, _finish(reply))
            if usage_asked and reply.usage is not None:
                self._event({"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                             "created": int(time.time()), "model": request.body.get("model"),
                             "choices": [], "usage": _usage(reply.usage)})
            self._write(b"data: [DONE]\n\n")
            self._write(b"")  # the last chunk of the body

        def _event(self, payload: dict[str, Any]) -> None:
            self._write(f"data: {json.dumps(payload)}\n\n".encode())

        def _write(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _error(self, status: int, message: str, kind: str, code: str | None = None,
                   param: str | None = None, headers: dict[str, str] | None = None) -> None:
            body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
            self._send(status, json.dumps(body).encode(), "application/json", headers)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

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


def _arguments(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _finish(reply: Reply) -> str:
    return reply.finish or ("tool_calls" if reply.calls else "stop")


def _usage(usage: tuple[int, int]) -> dict[str, int]:
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1]}
